import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { webcrypto, X509Certificate as NodeX509Certificate } from 'node:crypto'
import { parse as parseIndependently } from '@auth0/mdl'
import * as x509 from '@peculiar/x509'
import { compactVerify, decodeJwt, decodeProtectedHeader } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Decision } from '@interop-lab/contracts'
import { databaseConfigFor } from '@interop-lab/common/db'
import { runMatrix } from '@interop-lab/scenarios/matrix'
import { listX509Anchor } from '@interop-lab/scenarios/onboarding'
import type { VariantResult } from '@interop-lab/scenarios/runner'
import { loadScenarios } from '@interop-lab/scenarios/scenario'
import { loadPersonas, startWalletService, type WalletService } from '@interop-lab/wallet-sim'
import { openOid4vpRequest } from './support/oid4vpRequest'
import { captureVerifierResponses } from './support/capturedResponses'
import { startTestStack } from './support/stack'

/**
 * mdoc as a matrix format: both pilots and their variants in the oid4vc · mso_mdoc column; the Token Status List of an
 * mdoc (the MSO's `status`) and of an X.509-signed SD-JWT VC, each list token signed under the credential's own chain,
 * revoked by the death pilot's correction; a wallet that asks the trust registry refusing a chain to an unlisted anchor.
 */
let stack: Awaited<ReturnType<typeof startTestStack>>
let results: VariantResult[]
/** A second lab wallet, asking the (federal) trust registry about every credential it receives. */
let registryWallet: WalletService
let responses: ReturnType<typeof captureVerifierResponses>

beforeAll(async () => {
  stack = await startTestStack()
  responses = captureVerifierResponses(stack.dataDir)
  const registry = { url: stack.trustRegistry.url, adminApiKey: stack.endpoints.adminApiKey }
  results = (await runMatrix(stack.endpoints, loadScenarios(), { combinations: [{ protocol: 'oid4vc', format: 'mso_mdoc' }], lanes: 2, registry })).results
  const dataDir = mkdtempSync(join(tmpdir(), 'registry-wallet-'))
  registryWallet = await startWalletService({
    host: '127.0.0.1',
    dataDir,
    personas: loadPersonas().filter((persona) => persona.id === 'business-owner'),
    databaseFor: (id) => databaseConfigFor(`wallet_${id}`, dataDir, {}),
    trustRegistryUrl: stack.trustRegistry.url,
  })
}, 240_000)
afterAll(async () => {
  responses?.close()
  await registryWallet?.close()
  await stack?.close()
})

const admin = () => ({ 'content-type': 'application/json', authorization: `Bearer ${stack.endpoints.adminApiKey}` })
async function call<T>(url: string, body?: unknown, method = body === undefined ? 'GET' : 'POST'): Promise<T> {
  const response = await fetch(url, { method, headers: admin(), ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text}`)
  return (text ? JSON.parse(text) : undefined) as T
}

const statusStep = (decision: Decision) => decision.trace.find((step) => step.check === 'status')

describe('the pilots in the oid4vc · mso_mdoc column', () => {
  it('passes both baselines and every variant that applies; the others say why', () => {
    const rows = results.map((r) => [r.scenarioId, r.variantId, r.status])
    expect(rows.filter(([, , status]) => status === 'fail')).toEqual([])
    const passed = rows.filter(([, , status]) => status === 'pass').map(([scenario, variant]) => `${scenario}/${variant}`)
    expect(passed).toEqual(
      expect.arrayContaining([
        'business-banking/baseline',
        'business-banking/untrusted-issuer',
        'business-banking/tampered-credential',
        'business-banking/expired-credential',
        'business-banking/wrong-holder-key',
        'death-notification/baseline',
        'death-notification/unauthorized-registrar',
        'death-notification/tampered-proof-of-death',
        'death-notification/over-asking-verifier',
        'death-notification/revoked-before-use',
      ]),
    )
    // a replayed DeviceResponse has no nonce of its own to show: the limit names why the variant does not apply
    const replay = results.find((r) => r.variantId === 'replayed-nonce')!
    expect(replay.status).toBe('unsupported')
    expect(replay.failure?.reason).toMatch(/not applicable to mso_mdoc: An mdoc DeviceResponse carries no nonce to compare.*OID4VP 1\.0 Appendix B\.2\.6\.1/)
  })

  it("refuses the death registration mdoc on status after the registrar's correction (Token Status List, the MSO's status)", () => {
    for (const [variantId, stepId] of [
      ['baseline', 'bank-rejects-revoked-proof'],
      ['revoked-before-use', 'prove-death-to-bank'],
    ]) {
      const cell = results.find((r) => r.scenarioId === 'death-notification' && r.variantId === variantId)!
      const decision = cell.steps.find((step) => step.stepId === stepId)!.decision!
      expect(decision.failedChecks).toEqual(['status'])
      expect(statusStep(decision)).toMatchObject({ passed: false, clause: expect.stringMatching(/^Token Status List/) })
      expect(statusStep(decision)!.message).toMatch(/has been revoked by its issuer/)
    }
    const accepted = results.find((r) => r.scenarioId === 'death-notification' && r.variantId === 'baseline')!.steps.find((step) => step.stepId === 'prove-death-to-bank')!.decision!
    expect(statusStep(accepted)).toMatchObject({ passed: true })
  })
})

/** A death certified and registered for the executor in `format` (signed as `signing` says), the executor's wallet holding it. */
async function registerDeath(format: 'mso_mdoc' | 'dc+sd-jwt', signing?: 'x509') {
  const certificate = {
    registrar: 'nl-vital-statistics',
    certifier_role: 'physician',
    jurisdiction: 'CA-NL',
    deceased: { given_name: 'Ada', family_name: 'Pike', birth_date: '1950-05-05', social_insurance_number: '046-454-286' },
    date_of_death: '2026-11-20',
    place_of_death: 'Corner Brook, NL',
    cause_of_death: 'Pneumonia',
  }
  const { issuer, wallet } = stack.endpoints
  const { registration } = await call<{ registration: { id: string } }>(`${issuer}/certifiers/nl-medical-examiner/certificates`, { certificate })
  const registrationUrl = `${issuer}/registrars/nl-vital-statistics/registrations/${registration.id}`
  const { offer } = await call<{ offer: { offerUri: string; txCode: string } }>(`${registrationUrl}/registration`, {
    executor: { given_name: 'Tom', family_name: 'Pike' },
    format,
    ...(signing ? { signing } : {}),
  })
  await fetch(`${wallet}/personas/executor/credentials`, { method: 'DELETE' })
  await call(`${wallet}/personas/executor/offers`, { offerUri: offer.offerUri, txCode: offer.txCode })
  return { correct: () => call(`${registrationUrl}/correction`, { reason: 'Registered against the wrong person' }) }
}

/** The executor presents to `policyId`; the raw vp_token entry as the verifier received it (captured: it decides at once, then blanks it). */
async function present(policyId: string, format: 'mso_mdoc' | 'dc+sd-jwt'): Promise<{ decision: Decision; presented: string }> {
  const { id, request, requestUri } = await openOid4vpRequest(stack.verifier.url, policyId, format)
  await call(`${stack.endpoints.wallet}/personas/executor/presentations`, { requestUri })
  const entries = Object.values(JSON.parse(responses.vpToken(request.state) ?? '{}') as Record<string, string[]>)
  const { decision } = await call<{ decision: Decision }>(`${stack.verifier.url}/verifications/${id}`)
  return { decision, presented: entries[0]?.[0] ?? '' }
}

/** The issuer's IACA or root for `key` (base64 DER), as it publishes them for onboarding. */
async function anchorOf(key: string, kind: 'root' | 'iaca'): Promise<string> {
  const { issuers } = await call<{ issuers: { key: string; x509: { anchors: { kind: string; certificate: string }[] } }[] }>(`${stack.endpoints.issuer}/issuers`)
  return issuers.find((issuer) => issuer.key === key)!.x509.anchors.find((anchor) => anchor.kind === kind)!.certificate
}

/** `leaf` (base64 DER) chains to `root` (base64 DER), by @peculiar/x509 alone. */
async function chainsTo(leaf: string, root: string): Promise<boolean> {
  const built = await new x509.X509ChainBuilder({ certificates: [new x509.X509Certificate(root)] }).build(new x509.X509Certificate(leaf), webcrypto as Crypto)
  return built.length === 2 && Buffer.from(built[1].rawData).toString('base64') === root
}

/** The Status List Token at `uri`: its header, payload, and whether its x5c leaf's key verifies it. */
async function statusListToken(uri: string) {
  const jwt = await (await fetch(uri)).text()
  const header = decodeProtectedHeader(jwt)
  const verified = await compactVerify(jwt, new NodeX509Certificate(Buffer.from(header.x5c![0], 'base64')).publicKey).then(
    () => true,
    () => false,
  )
  return { header, payload: decodeJwt(jwt), verified }
}

describe('status under X.509: the list token signed under the credential’s own chain', () => {
  it('an mdoc’s MSO carries status { status_list: { idx, uri } }, its token signed by the document signer under the IACA; the revenue agency refuses it after the correction', async () => {
    const { correct } = await registerDeath('mso_mdoc')
    const before = await present('revenue-agency-deceased-taxpayer', 'mso_mdoc')
    expect(before.decision.outcome, JSON.stringify(before.decision.reasons)).toBe('accepted')
    expect(statusStep(before.decision)).toMatchObject({ passed: true })

    // read by @auth0/mdl: the MSO's status, and the document signer certificate in its x5chain
    const [document] = parseIndependently(Buffer.from(before.presented, 'base64url')).documents
    const { issuerAuth } = document.issuerSigned
    const status = (issuerAuth.decodedPayload as unknown as { status: Map<string, Map<string, unknown>> }).status.get('status_list')!
    expect(status.get('idx')).toEqual(expect.any(Number))
    expect(String(status.get('uri'))).toMatch(/\/status\/token\/[0-9a-f-]+\/mdoc$/)
    const documentSigner = Buffer.from(issuerAuth.certificate.rawData).toString('base64')
    const token = await statusListToken(String(status.get('uri')))
    expect(token.header).toMatchObject({ typ: 'statuslist+jwt', alg: 'ES256', x5c: [documentSigner] })
    expect(token.verified).toBe(true)
    expect(token.payload.sub).toBe(status.get('uri'))
    expect(token.payload.iss).toBe(`${stack.endpoints.issuer}/oid4vci/nl-vital-statistics`)
    expect(await chainsTo(documentSigner, await anchorOf('nl-vital-statistics', 'iaca'))).toBe(true)
    // a date is a full-date: CBOR tag 1004 (0xd9 0x03ec, RFC 8943) over its 10-character text (0x6a), as ISO 18013-5 encodes dates
    expect(document.getIssuerNameSpace('ca.interop-lab.death-registration.1').date_of_death).toEqual(expect.anything())
    expect(Buffer.from(before.presented, 'base64url').includes(Buffer.concat([Buffer.from([0xd9, 0x03, 0xec, 0x6a]), Buffer.from('2026-11-20')]))).toBe(true)

    await correct()
    const after = await present('revenue-agency-deceased-taxpayer', 'mso_mdoc')
    expect(after.decision.failedChecks).toEqual(['status'])
    expect(statusStep(after.decision)!.message).toMatch(/has been revoked by its issuer/)
  })

  it('an X.509-signed SD-JWT VC carries a status whose token is signed by the same certificate (x5c); the bank refuses it after the correction', async () => {
    const { correct } = await registerDeath('dc+sd-jwt', 'x509')
    const before = await present('estate-account-proof-of-death', 'dc+sd-jwt')
    expect(before.decision.outcome, JSON.stringify(before.decision.reasons)).toBe('accepted')
    expect(statusStep(before.decision)).toMatchObject({ passed: true })

    const issuerJwt = before.presented.split('~')[0]
    const credentialHeader = decodeProtectedHeader(issuerJwt)
    const { iss, status } = decodeJwt(issuerJwt) as { iss: string; status: { status_list: { idx: number; uri: string } } }
    expect(status.status_list.uri).toMatch(/\/status\/token\/[0-9a-f-]+\/x509$/)
    const token = await statusListToken(status.status_list.uri)
    expect(token.header).toMatchObject({ typ: 'statuslist+jwt', alg: 'ES256', x5c: credentialHeader.x5c })
    expect(token.verified).toBe(true)
    expect(token.payload.iss).toBe(iss)
    expect(await chainsTo(credentialHeader.x5c![0], await anchorOf('nl-vital-statistics', 'root'))).toBe(true)

    await correct()
    const after = await present('estate-account-proof-of-death', 'dc+sd-jwt')
    expect(after.decision.failedChecks).toEqual(['status'])
    expect(statusStep(after.decision)).toMatchObject({ passed: false, clause: expect.stringMatching(/^Token Status List/) })
  })
})

describe('the lab wallet checks the issuer’s chain on receipt against the trust registry', () => {
  const PERSON = { given_name: 'Alex', family_name: 'Tremblay', birth_date: '1984-07-02', identity_assurance_level: 'IAL2', jurisdiction: 'CA-BC' }
  const bcRegistry = () => stack.registries!.get('CA-BC')!.url
  /** The registry wallet's answer to a verified-person offer from BC in `format`. */
  async function receive(format: 'mso_mdoc' | 'dc+sd-jwt') {
    const offer = await call<{ offerUri: string; txCode: string }>(`${stack.endpoints.issuer}/issuers/bc-person-credential/offers`, {
      credentialType: 'VerifiedPersonCredential',
      format,
      ...(format === 'dc+sd-jwt' ? { signing: 'x509' } : {}),
      claims: PERSON,
    })
    const body = JSON.stringify({ offerUri: offer.offerUri, txCode: offer.txCode })
    return fetch(`${registryWallet.url}/personas/business-owner/offers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  }
  /** Lists BC's `kind` anchor in BC's registry for `credentialTypes` only, for the duration of `run`. */
  async function listedOnlyFor(kind: 'root' | 'iaca', credentialTypes: string[], run: () => Promise<void>) {
    const certificate = await anchorOf('bc-person-credential', kind)
    const list = (types: string[]) => listX509Anchor(bcRegistry(), { jurisdiction: 'CA-BC', kind, certificate, credentialTypes: types }, stack.endpoints.adminApiKey)
    expect((await list(credentialTypes)).status).toBe(200)
    try {
      await run()
    } finally {
      expect((await list(['VerifiedPersonCredential'])).status).toBe(200)
    }
  }

  it.each([
    ['mso_mdoc', 'iaca', /ISO 18013-5 §9\.3\.3 \/ RFC 5280 §6\.1.*does not reach an IACA the trust registry lists for VerifiedPersonCredential under CA-BC/],
    ['dc+sd-jwt', 'root', /SD-JWT VC §3\.5 \/ RFC 5280 §6\.1.*does not reach a root the trust registry lists for VerifiedPersonCredential under CA-BC/],
  ] as const)('keeps a %s whose chain reaches the %s listed for its type, and refuses it, naming the check, once that anchor is listed for another type only', async (format, kind, refusal) => {
    const kept = await receive(format)
    expect(kept.status, await kept.clone().text()).toBe(201)
    await listedOnlyFor(kind, ['DeathRegistrationCredential'], async () => {
      const refused = await receive(format)
      expect(refused.status).toBeGreaterThanOrEqual(400)
      expect(await refused.text()).toMatch(refusal)
    })
  })
})
