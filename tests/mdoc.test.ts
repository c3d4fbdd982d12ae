import { Verifier as IndependentMdocVerifier, parse as parseIndependently } from '@auth0/mdl'
import type { Decision } from '@interop-lab/contracts'
import { cborEncode, DataItem } from '@auth0/mdl/lib/cbor'
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureVerifierResponses } from './support/capturedResponses'
import { startTestStack } from './support/stack'

/**
 * ISO 18013-5 mdoc over OID4VCI and OID4VP (DCQL), between the lab's services over HTTP: the verified-person mdoc
 * issued by BC's person credential service, held by the wallet simulator, presented to the bank.
 */
let stack: Awaited<ReturnType<typeof startTestStack>>
let responses: ReturnType<typeof captureVerifierResponses>

const PERSONA = 'business-owner'
const PERSON = { given_name: 'Alex', family_name: 'Tremblay', birth_date: '1984-07-02', identity_assurance_level: 'IAL2', jurisdiction: 'CA-BC' }

beforeAll(async () => {
  stack = await startTestStack()
  responses = captureVerifierResponses(stack.dataDir)
}, 120_000)
afterAll(async () => {
  responses?.close()
  await stack?.close()
})

async function call<T>(url: string, body?: unknown, method = body === undefined ? 'GET' : 'POST'): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.endpoints.adminApiKey}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text}`)
  return (text ? JSON.parse(text) : undefined) as T
}

async function issueMdoc(validUntil?: string) {
  const { issuer, wallet } = stack.endpoints
  await fetch(`${wallet}/personas/${PERSONA}/credentials`, { method: 'DELETE' })
  const offer = await call<{ offerUri: string; txCode: string }>(`${issuer}/issuers/bc-person-credential/offers`, {
    credentialType: 'VerifiedPersonCredential',
    format: 'mso_mdoc',
    claims: PERSON,
    ...(validUntil ? { validUntil } : {}),
  })
  return call<{ credentials: { format: string; type: string; issuer: string; claims: Record<string, unknown> }[] }>(`${wallet}/personas/${PERSONA}/offers`, {
    offerUri: offer.offerUri,
    txCode: offer.txCode,
  })
}

interface Presented {
  decision: Decision
  /** The DeviceResponse (base64url) as the verifier received it, and the request it answers. */
  deviceResponse: string
  request: { client_id: string; nonce: string; response_uri: string }
}

/** The bank asks for the mdoc by DCQL, the wallet answers (with `fault`, if any); the raw response is read before the decision deletes it. */
async function presentMdoc(fault?: unknown): Promise<Presented> {
  const { verifier, wallet } = stack.endpoints
  const request = await call<{ id: string; requestUri: string }>(`${verifier}/verifications`, { policyId: 'verify-representative-mdoc', format: 'mso_mdoc' })
  await call(`${wallet}/personas/${PERSONA}/presentations`, { requestUri: request.requestUri, ...(fault ? { fault } : {}) })
  const session = await stack.verifier.agent.openid4vc.verifier.getVerificationSessionById(request.id)
  // the raw response as the verifier received it (it decides at once, then blanks it: verifier/responses.ts)
  const kept = responses.vpToken(String(session.requestPayload.state))
  const presentations = kept ? (JSON.parse(kept) as Record<string, string[]>) : undefined
  const { decision } = await call<{ decision: Decision }>(`${verifier}/verifications/${request.id}`)
  return { decision, deviceResponse: presentations?.person?.[0] ?? '', request: session.requestPayload as Presented['request'] }
}

/** The IACA the issuer publishes for BC's person credential service (base64 DER), as onboarding listed it in the trust registry. */
async function bcIaca(): Promise<string> {
  const { issuers } = await call<{ issuers: { key: string; x509: { anchors: { kind: string; certificate: string }[] } }[] }>(`${stack.endpoints.issuer}/issuers`)
  return issuers.find((issuer) => issuer.key === 'bc-person-credential')!.x509.anchors.find((anchor) => anchor.kind === 'iaca')!.certificate
}

/** Lists the IACA in BC's registry (authoritative for CA-BC's issuers) for `credentialTypes`. */
const listIaca = async (certificate: string, credentialTypes: string[]) =>
  call(`${stack.registries!.get('CA-BC')!.url}/admin/x509/anchors`, { jurisdiction: 'CA-BC', kind: 'iaca', certificate, credentialTypes }, 'PUT')

/** OID4VP 1.0 Appendix B.2.6.1, written here apart from the verifier's code: the session transcript of an unencrypted response. */
function sessionTranscript({ client_id, nonce, response_uri }: Presented['request']): Uint8Array {
  const handover = createHash('sha256')
    .update(cborEncode([client_id, nonce, null, response_uri]))
    .digest()
  return cborEncode(DataItem.fromData([null, null, ['OpenID4VPHandover', handover]]))
}

const failedLines = (decision: Decision, check: string) => decision.trace.filter((step) => step.check === check && !step.passed).map((step) => step.message)

describe('mso_mdoc over OID4VCI and OID4VP (DCQL)', () => {
  it('issues the verified-person mdoc and the bank accepts it, each ISO 18013-5 check a line of the trace', async () => {
    const { credentials } = await issueMdoc()
    expect(credentials).toMatchObject([{ format: 'mso_mdoc', type: 'ca.interop-lab.verified-person.1', claims: PERSON }])
    const { decision } = await presentMdoc()
    expect(decision.reasons).toEqual([])
    expect(decision.outcome).toBe('accepted')
    const passed = new Set(decision.trace.filter((step) => step.passed).map((step) => step.check))
    for (const check of ['format', 'disclosures', 'expiry', 'holder-binding', 'signature', 'trust-registry', 'status', 'policy']) expect(passed).toContain(check)
    const signature = decision.trace.find((step) => step.check === 'signature')!
    expect(signature.clause).toMatch(/^ISO 18013-5 §9\.3\.1/)
    expect(signature.message).toMatch(/MSO is signed by CN=BC Person Credential Service.*chained to the IACA CN=Interop Lab CA-BC IACA/)
  })

  it('discloses only the data elements the bank asked for, and @auth0/mdl verifies the same DeviceResponse against the IACA', async () => {
    await issueMdoc()
    const { decision, deviceResponse, request } = await presentMdoc()
    expect(decision.outcome).toBe('accepted')
    expect(decision.disclosed.person).toEqual({ given_name: 'Alex', family_name: 'Tremblay', identity_assurance_level: 'IAL2', jurisdiction: 'CA-BC' })
    const bytes = Buffer.from(deviceResponse, 'base64url')
    const [document] = parseIndependently(bytes).documents
    expect(Object.keys(document.getIssuerNameSpace('ca.interop-lab.verified-person.1')).sort()).toEqual(['family_name', 'given_name', 'identity_assurance_level', 'jurisdiction'])
    expect(bytes.includes(Buffer.from('1984-07-02'))).toBe(false)

    // issuer auth with the IACA as the only trusted root, device auth over this request's session transcript, digests
    const iaca = `-----BEGIN CERTIFICATE-----\n${await bcIaca()}\n-----END CERTIFICATE-----`
    const verified = await new IndependentMdocVerifier([iaca]).verify(bytes, { encodedSessionTranscript: sessionTranscript(request) })
    expect(verified.documents[0].docType).toBe('ca.interop-lab.verified-person.1')
    // and it fails the same response for another request (device auth binds it to its nonce)
    await expect(new IndependentMdocVerifier([iaca]).verify(bytes, { encodedSessionTranscript: sessionTranscript({ ...request, nonce: 'another-nonce' }) })).rejects.toThrow(/[Dd]evice signature/)
  })

  it('refuses a data element changed after issuance: its digest is not in the MSO (ISO 18013-5 §9.3.1)', async () => {
    await issueMdoc()
    const { decision } = await presentMdoc({ kind: 'tamper' })
    expect(decision.outcome).toBe('rejected')
    expect(decision.failedChecks).toContain('disclosures')
    expect(failedLines(decision, 'disclosures').join(' ')).toMatch(/ISO 18013-5 §9\.3\.1.*digest of ca\.interop-lab\.verified-person\.1\/\w+ is not the one the issuer signed/)
  })

  it('refuses a device signature made with another key than the MSO device key (ISO 18013-5 §9.1.3)', async () => {
    await issueMdoc()
    const { decision } = await presentMdoc({ kind: 'wrong-holder-key' })
    expect(decision.outcome).toBe('rejected')
    expect(decision.failedChecks).toEqual(['holder-binding'])
    expect(failedLines(decision, 'holder-binding').join(' ')).toMatch(/ISO 18013-5 §9\.1\.3.*device signature does not verify with the MSO device key/)
    // the fault was one presentation's: the same held mdoc, presented again, is signed by its device key
    expect((await presentMdoc()).decision.outcome).toBe('accepted')
  })

  it('refuses an mdoc whose document signer chains to an IACA the registry does not list for the type (ISO 18013-5 §9.3.1, RFC 5280 §6.1)', async () => {
    await issueMdoc()
    const iaca = await bcIaca()
    await listIaca(iaca, ['DeathRegistrationCredential'])
    try {
      const { decision } = await presentMdoc()
      expect(decision.outcome).toBe('rejected')
      expect(decision.failedChecks).toContain('signature')
      expect(failedLines(decision, 'signature').join(' ')).toMatch(/ISO 18013-5 §9\.3\.1.*does not chain to an IACA the trust registry lists for VerifiedPersonCredential under CA-BC/)
    } finally {
      await listIaca(iaca, ['VerifiedPersonCredential'])
    }
  })

  it('refuses an expired mdoc: validUntil has passed (ISO 18013-5 §9.3.1 validityInfo)', async () => {
    const validUntil = new Date(Date.now() + 3_000)
    await issueMdoc(validUntil.toISOString())
    await new Promise((resolve) => setTimeout(resolve, validUntil.getTime() - Date.now() + 1_000))
    const { decision } = await presentMdoc()
    expect(decision.outcome).toBe('rejected')
    expect(decision.failedChecks).toContain('expiry')
    expect(failedLines(decision, 'expiry').join(' ')).toMatch(/ISO 18013-5 §9\.3\.1.*the mdoc expired at/)
  })
})
