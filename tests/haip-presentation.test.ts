import { createHash, webcrypto, X509Certificate as NodeX509Certificate } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import * as x509 from '@peculiar/x509'
import { ES256, testChain } from './support/testCertificates'
import { CompactEncrypt, compactDecrypt, compactVerify, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Decision } from '@interop-lab/contracts'
import { listX509Anchor } from '@interop-lab/scenarios/onboarding'
import { type Mallory, startMallory } from '@interop-lab/scenarios/mallory/service'
import { disclosure, sha256 } from './support/forging'
import { startTestStack } from './support/stack'

/**
 * HAIP 1.0 presentation over real HTTP: the lab verifier's signed request by reference (x5c under its verifier root,
 * which the trust registry lists), x509_hash and x509_san_dns client ids, direct_post.jwt; the lab wallet's checks of a
 * HAIP request (Mallory's broken ones refused, each naming its requirement) and its JWE answer; the verifier's trace, one
 * `profile` step per requirement; trusted_authorities (aki), A128GCM and A256GCM, the anchor kept out of x5c and the
 * same-device redirect back. The request object, its chain and the wallet's JWE are also checked with jose and
 * @peculiar/x509 alone.
 */

const crypto = webcrypto as Crypto
const POLICY = 'estate-account-proof-of-death'
const DEATH_VCT = 'https://interop-lab.ca/credentials/death-registration'
const DEATH = {
  registration_number: 'NL-2026-0311',
  deceased_given_name: 'Agnes',
  deceased_family_name: 'Whelan',
  date_of_death: '2026-03-01',
  deceased_birth_date: '1931-05-09',
  jurisdiction: 'CA-NL',
}
const PERSON = { given_name: 'Alex', family_name: 'Tremblay', birth_date: '1984-07-02', identity_assurance_level: 'IAL2', jurisdiction: 'CA-BC' }
const PRESENTATION_REQUIREMENTS = ['signed-request', 'client-id', 'encrypted-response', 'dcql', 'trusted-authorities', 'es256', 'key-binding', 'credential-chain']

let stack: Awaited<ReturnType<typeof startTestStack>>
let mallory: Mallory

const json = async (response: Response) => (await response.json()) as Record<string, unknown>
const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
const der = (certificate: x509.X509Certificate) => Buffer.from(certificate.rawData).toString('base64')
const leafHash = (base64Der: string) => createHash('sha256').update(Buffer.from(base64Der, 'base64')).digest('base64url')
const present = async (requestUri: string, fault?: { kind: string }) => json(await post(`${stack.wallet.url}/personas/executor/presentations`, { requestUri, ...(fault ? { fault } : {}) }))

interface HaipRequest {
  id: string
  requestUri: string
  requestObject: string
  request: Record<string, unknown> & { client_id: string; nonce: string; state: string; response_uri: string; client_metadata: { jwks: { keys: JWK[] } } & Record<string, unknown> }
}

async function haipVerification(clientIdPrefix?: 'x509_hash' | 'x509_san_dns', options: { sameDevice?: boolean } = {}): Promise<HaipRequest> {
  const created = await post(`${stack.verifier.url}/verifications`, { policyId: POLICY, format: 'dc+sd-jwt', profile: 'haip', ...(clientIdPrefix ? { clientIdPrefix } : {}), ...options })
  expect(created.status, await created.clone().text()).toBe(201)
  const { id, requestUri } = (await created.json()) as { id: string; requestUri: string }
  const requestObject = await (await fetch(new URL(requestUri).searchParams.get('request_uri')!)).text()
  return { id, requestUri, requestObject, request: decodeJwt(requestObject) as HaipRequest['request'] }
}

/** The key identifier of the CA-NL root (read by @peculiar/x509 from the issuer's listing): the AKI the death registration's x5c leaf carries. */
async function heldCredentialAki(): Promise<string> {
  const { issuers } = (await json(await fetch(`${stack.issuer.url}/issuers`))) as { issuers: { key: string; x509?: { anchors: { kind: string; certificate: string }[] } }[] }
  const root = issuers.find((issuer) => issuer.key === 'nl-vital-statistics')!.x509!.anchors.find((anchor) => anchor.kind === 'root')!
  return Buffer.from(new x509.X509Certificate(root.certificate).getExtension(x509.SubjectKeyIdentifierExtension)!.keyId, 'hex').toString('base64url')
}

async function decisionOf(id: string): Promise<Decision> {
  return (await json(await fetch(`${stack.verifier.url}/verifications/${id}`))).decision as Decision
}

const profileSteps = (decision: Decision) => decision.trace.filter((step) => step.check === 'profile')
const failedRequirements = (decision: Decision) =>
  profileSteps(decision)
    .filter((step) => !step.passed)
    .map((step) => step.subject)
const profileStep = (decision: Decision, requirement: string) => profileSteps(decision).find((step) => step.subject === requirement)

beforeAll(async () => {
  stack = await startTestStack()
  mallory = await startMallory()
  // an ES256 SD-JWT VC under the CA-NL root, bound to the executor's P-256 key: what a HAIP request asks for
  const offer = await fetch(`${stack.issuer.url}/issuers/nl-vital-statistics/offers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.endpoints.adminApiKey}` },
    body: JSON.stringify({ credentialType: 'DeathRegistrationCredential', format: 'dc+sd-jwt', signing: 'x509', claims: DEATH }),
  })
  expect(offer.status).toBe(201)
  const { offerUri, txCode } = (await offer.json()) as { offerUri: string; txCode: string }
  const accepted = await post(`${stack.wallet.url}/personas/executor/offers`, { offerUri, txCode })
  expect(accepted.status, await accepted.clone().text()).toBe(201)
}, 180_000)

afterAll(async () => {
  await mallory?.close()
  await stack?.close()
})

describe('the lab verifier makes a HAIP 1.0 request', () => {
  it('a haip-vp:// request by reference, signed ES256 by an x5c leaf whose x509_hash is the client id, chaining (by @peculiar/x509) to the verifier root the trust registry lists; direct_post.jwt to a P-256 key', async () => {
    const { requestUri, requestObject, request } = await haipVerification()
    expect(requestUri.startsWith('haip-vp://')).toBe(true)
    const header = decodeProtectedHeader(requestObject)
    expect(header).toMatchObject({ alg: 'ES256', typ: 'oauth-authz-req+jwt' })
    // HAIP 1.0 §5: the leaf alone, not self-signed; the trust anchor is not in x5c
    expect(header.x5c).toHaveLength(1)
    const [leafDer] = header.x5c!
    expect(await new x509.X509Certificate(leafDer).isSelfSigned(crypto)).toBe(false)
    await compactVerify(requestObject, new NodeX509Certificate(Buffer.from(leafDer, 'base64')).publicKey, { algorithms: ['ES256'] })
    expect(request.client_id).toBe(`x509_hash:${leafHash(leafDer)}`)
    expect(new URL(requestUri).searchParams.get('client_id')).toBe(request.client_id)

    const { anchors } = (await json(await fetch(`${stack.trustRegistry.url}/x509/anchors`))) as { anchors: { kind: string; certificate: string }[] }
    const verifierRoots = anchors.filter((anchor) => anchor.kind === 'verifier').map((anchor) => new x509.X509Certificate(anchor.certificate))
    const leaf = new x509.X509Certificate(leafDer)
    const chain = await new x509.X509ChainBuilder({ certificates: verifierRoots }).build(leaf, crypto)
    expect(chain).toHaveLength(2)
    expect(await leaf.verify({ publicKey: chain[1].publicKey, date: new Date() }, crypto)).toBe(true)
    const sans = leaf.getExtension(x509.SubjectAlternativeNameExtension)!.names.items
    expect(sans).toContainEqual(expect.objectContaining({ type: 'dns', value: '127.0.0.1' }))

    expect(request).toMatchObject({ response_mode: 'direct_post.jwt', dcql_query: { credentials: [{ id: 'death', format: 'dc+sd-jwt' }] } })
    const [encryptionKey] = request.client_metadata.jwks.keys
    expect(encryptionKey).toMatchObject({ kty: 'EC', crv: 'P-256', use: 'enc', alg: 'ECDH-ES' })
    expect(request.client_metadata.vp_formats_supported).toEqual({ 'dc+sd-jwt': { 'sd-jwt_alg_values': ['ES256'], 'kb-jwt_alg_values': ['ES256'] } })
    // HAIP 1.0 §5: both content encryptions listed, and an encryption key specific to each request
    expect(request.client_metadata.encrypted_response_enc_values_supported).toEqual(['A128GCM', 'A256GCM'])
    const another = await haipVerification()
    expect(another.request.client_metadata.jwks.keys[0].x).not.toBe(encryptionKey.x)
    // HAIP 1.0 §5 / OID4VP 1.0 §6.1.1.1: the death query names the CA-NL root (listed by its own registry, reached through the federation) by its key identifier
    expect(request.dcql_query).toMatchObject({ credentials: [{ id: 'death', trusted_authorities: [{ type: 'aki', values: expect.arrayContaining([await heldCredentialAki()]) }] }] })
  })

  it('only over OID4VP for dc+sd-jwt or mso_mdoc, and an X.509 client id only under HAIP: 422 otherwise', async () => {
    for (const body of [
      { policyId: POLICY, format: 'jwt_vc_json', profile: 'haip' },
      { policyId: POLICY, format: 'ldp_vc', protocol: 'didcomm', profile: 'haip' },
      { policyId: POLICY, format: 'dc+sd-jwt', clientIdPrefix: 'x509_hash' },
      { policyId: POLICY, format: 'dc+sd-jwt', sameDevice: true },
    ]) {
      const refused = await post(`${stack.verifier.url}/verifications`, body)
      expect(refused.status, JSON.stringify(body)).toBe(422)
    }
  })

  for (const prefix of ['x509_hash', 'x509_san_dns'] as const) {
    it(`answered by the lab wallet (${prefix}) with a JWE, accepted: the trace has one passed profile step per HAIP requirement`, async () => {
      const { id, requestUri, request } = await haipVerification(prefix)
      expect(request.client_id.startsWith(`${prefix}:`)).toBe(true)
      const outcome = await present(requestUri)
      expect(outcome, JSON.stringify(outcome)).toMatchObject({ submitted: true, verifierStatus: 200 })
      const decision = await decisionOf(id)
      expect(decision.outcome, JSON.stringify(decision.reasons)).toBe('accepted')
      expect(
        profileSteps(decision)
          .map((step) => step.subject)
          .sort(),
      ).toEqual([...PRESENTATION_REQUIREMENTS].sort())
      expect(profileSteps(decision).every((step) => step.passed && step.clause?.startsWith('HAIP 1.0'))).toBe(true)
    })
  }
})

describe('the same-device flow (HAIP 1.0 §5): the redirect back', () => {
  it('the verifier answers the JWE with a redirect_uri to this verification carrying a response_code; the lab wallet follows it: accepted, same-device passed', async () => {
    const { id, requestUri } = await haipVerification(undefined, { sameDevice: true })
    const outcome = await present(requestUri)
    expect(outcome, JSON.stringify(outcome)).toMatchObject({ submitted: true, verifierStatus: 200 })
    const redirectUri = new URL(String((outcome.verifierResponse as { redirect_uri?: unknown }).redirect_uri))
    expect([redirectUri.pathname, redirectUri.searchParams.get('response_code')?.length]).toEqual([`/verifications/${id}`, 32])
    const decision = await decisionOf(id)
    expect(decision.outcome, JSON.stringify(decision.reasons)).toBe('accepted')
    expect(profileStep(decision, 'same-device')).toMatchObject({ passed: true, clause: expect.stringMatching(/^HAIP 1\.0 §5 \/ OID4VP 1\.0 §8\.2/) })
    expect(
      profileSteps(decision)
        .map((step) => step.subject)
        .sort(),
    ).toEqual([...PRESENTATION_REQUIREMENTS, 'same-device'].sort())
  })

  it('same-device (HAIP 1.0 §5: "Verifiers MUST reject presentations if Wallets do not follow the redirect back"): the wallet with fault ignore-redirect is rejected on same-device alone', async () => {
    const { id, requestUri } = await haipVerification(undefined, { sameDevice: true })
    expect(await present(requestUri, { kind: 'ignore-redirect' })).toMatchObject({ submitted: true, verifierStatus: 200 })
    const decision = await decisionOf(id)
    expect(decision.outcome).toBe('rejected')
    expect(failedRequirements(decision)).toEqual(['same-device'])
  })

  it('same-device (HAIP 1.0 §5: "or the redirect back arrives in a different user session"): a redirect back with a response code not this verification’s is rejected', async () => {
    const { id, requestUri } = await haipVerification(undefined, { sameDevice: true })
    expect(await present(requestUri, { kind: 'ignore-redirect' })).toMatchObject({ submitted: true })
    const decision = (await json(await fetch(`${stack.verifier.url}/verifications/${id}?response_code=another-session-code`))).decision as Decision
    expect(decision.outcome).toBe('rejected')
    expect(failedRequirements(decision)).toEqual(['same-device'])
  })
})

describe('mso_mdoc under HAIP', () => {
  it('a DeviceResponse in the JWE, its DeviceAuth over the session transcript naming the encryption key (OID4VP 1.0 Appendix B.2.6.1): accepted, every requirement passed', async () => {
    const offer = await fetch(`${stack.issuer.url}/issuers/bc-person-credential/offers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.endpoints.adminApiKey}` },
      body: JSON.stringify({ credentialType: 'VerifiedPersonCredential', format: 'mso_mdoc', claims: PERSON }),
    })
    const { offerUri, txCode } = (await offer.json()) as { offerUri: string; txCode: string }
    expect((await post(`${stack.wallet.url}/personas/executor/offers`, { offerUri, txCode })).status).toBe(201)
    const created = await post(`${stack.verifier.url}/verifications`, { policyId: 'verify-representative-mdoc', format: 'mso_mdoc', profile: 'haip' })
    const { id, requestUri } = (await created.json()) as { id: string; requestUri: string }
    const outcome = await present(requestUri)
    expect(outcome, JSON.stringify(outcome)).toMatchObject({ submitted: true, verifierStatus: 200 })
    const decision = await decisionOf(id)
    expect(decision.outcome, JSON.stringify(decision.reasons)).toBe('accepted')
    expect(
      profileSteps(decision)
        .filter((step) => step.passed)
        .map((step) => step.subject)
        .sort(),
    ).toEqual([...PRESENTATION_REQUIREMENTS].sort())
  })
})

describe('the lab wallet answers a HAIP request with a JWE (decrypted by the test with jose)', () => {
  // a relying party of the test's own: its root listed in the registry as a verifier root, its P-256 leaf signing the request
  let server: Server
  let base = ''
  let posted: URLSearchParams | undefined
  let requestObject = ''
  let leafKeys: CryptoKeyPair
  let root: x509.X509Certificate
  let leaf: x509.X509Certificate
  const notBefore = new Date(Date.now() - 60_000)
  const notAfter = new Date(Date.now() + 86_400_000)

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.method === 'GET') return void res.writeHead(200, { 'content-type': 'application/oauth-authz-req+jwt' }).end(requestObject)
      let body = ''
      req.on('data', (chunk) => (body += chunk))
      req.on('end', () => {
        posted = new URLSearchParams(body)
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    ;({ root, leaf, leafKeys } = await testChain('Test Relying Party CA', 'Test Relying Party'))
    const listed = await listX509Anchor(
      stack.trustRegistry.url,
      { jurisdiction: 'CA', kind: 'verifier', certificate: der(root), credentialTypes: ['DeathRegistrationCredential'] },
      stack.endpoints.adminApiKey,
    )
    expect(listed.status).toBe(200)
  })

  afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())))

  interface OwnRequest {
    /** The request object's x5c (default: the leaf alone) and the key that signs it (default: the leaf's). */
    x5c?: x509.X509Certificate[]
    signingKey?: CryptoKey
    encs?: string[]
    trustedAuthorities?: string[]
  }

  /** The test relying party's HAIP request for the executor's death registration, presented by the lab wallet; the encryption key's private half kept. */
  async function presentOwn({ x5c = [leaf], signingKey = leafKeys.privateKey, encs = ['A128GCM'], trustedAuthorities }: OwnRequest = {}) {
    posted = undefined
    const encryption = await generateKeyPair('ECDH-ES', { crv: 'P-256' })
    const encryptionJwk = { ...(await exportJWK(encryption.publicKey)), use: 'enc', alg: 'ECDH-ES', kid: 'test-enc' }
    const clientId = `x509_hash:${leafHash(der(x5c[0]))}`
    const nonce = `test-nonce-${Math.random().toString(36).slice(2)}`
    const now = Math.floor(Date.now() / 1000)
    const death = { id: 'death', format: 'dc+sd-jwt', meta: { vct_values: [DEATH_VCT] }, claims: [{ path: ['registration_number'] }, { path: ['jurisdiction'] }] }
    requestObject = await new SignJWT({
      iat: now,
      exp: now + 300,
      aud: 'https://self-issued.me/v2',
      client_id: clientId,
      response_type: 'vp_token',
      response_mode: 'direct_post.jwt',
      response_uri: `${base}/response`,
      nonce,
      state: 'test-state-77',
      dcql_query: { credentials: [trustedAuthorities ? { ...death, trusted_authorities: [{ type: 'aki', values: trustedAuthorities }] } : death] },
      client_metadata: {
        jwks: { keys: [encryptionJwk] },
        encrypted_response_enc_values_supported: encs,
        vp_formats_supported: { 'dc+sd-jwt': { 'sd-jwt_alg_values': ['ES256'], 'kb-jwt_alg_values': ['ES256'] } },
      },
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'oauth-authz-req+jwt', x5c: x5c.map(der) })
      .sign(signingKey)
    const requestUri = `haip-vp://?${new URLSearchParams({ client_id: clientId, request_uri: `${base}/request` })}`
    return { outcome: await present(requestUri), clientId, nonce, encryption }
  }

  it('encrypts the response ECDH-ES to the key of client_metadata; inside, the DCQL vp_token with an ES256 key-binding JWT for this client and nonce', async () => {
    const { outcome, clientId, nonce, encryption } = await presentOwn()
    expect(outcome, JSON.stringify(outcome)).toMatchObject({ submitted: true })
    expect(posted?.has('vp_token')).toBe(false)
    const jwe = posted!.get('response')!
    expect(decodeProtectedHeader(jwe)).toMatchObject({ alg: 'ECDH-ES', enc: 'A128GCM' })
    const { plaintext } = await compactDecrypt(jwe, encryption.privateKey)
    const payload = JSON.parse(new TextDecoder().decode(plaintext)) as { vp_token: { death: string[] }; state: string }
    expect(payload.state).toBe('test-state-77')
    const [presentation] = payload.vp_token.death
    const kbJwt = presentation.split('~').at(-1)!
    expect(decodeProtectedHeader(kbJwt)).toMatchObject({ alg: 'ES256', typ: 'kb+jwt' })
    expect(decodeJwt(kbJwt)).toMatchObject({ aud: clientId, nonce })
    expect(decodeProtectedHeader(presentation.split('~')[0])).toMatchObject({ alg: 'ES256', typ: 'dc+sd-jwt' })
  })

  it('uses A256GCM when the verifier lists A128GCM and A256GCM (HAIP 1.0 §5: a wallet supporting both SHOULD use A256GCM)', async () => {
    const { outcome, encryption } = await presentOwn({ encs: ['A128GCM', 'A256GCM'] })
    expect(outcome, JSON.stringify(outcome)).toMatchObject({ submitted: true })
    const jwe = posted!.get('response')!
    expect(decodeProtectedHeader(jwe)).toMatchObject({ alg: 'ECDH-ES', enc: 'A256GCM' })
    expect(JSON.parse(new TextDecoder().decode((await compactDecrypt(jwe, encryption.privateKey)).plaintext))).toHaveProperty('vp_token.death')
  })

  it('answers a query whose trusted_authorities (aki) name the authority of its credential, the AKI read from its x5c by @peculiar/x509', async () => {
    const credentialAki = await heldCredentialAki()
    const { outcome } = await presentOwn({ trustedAuthorities: ['AAAA', credentialAki] })
    expect(outcome, JSON.stringify(outcome)).toMatchObject({ submitted: true })
    expect(posted?.has('response')).toBe(true)
  })

  it('trusted-authorities (HAIP 1.0 §5 / OID4VP 1.0 §6.1.1.1): refuses a query whose trusted_authorities name no authority of a credential it holds, and posts nothing', async () => {
    const { outcome } = await presentOwn({ trustedAuthorities: [Buffer.from('not the CA-NL root key').toString('base64url')] })
    expect(outcome, JSON.stringify(outcome)).toMatchObject({ submitted: false, check: 'profile', requirement: 'trusted-authorities' })
    expect(String(outcome.error)).toMatch(/^HAIP 1\.0 §5 \/ OID4VP 1\.0 §6\.1\.1\.1/)
    expect(posted).toBeUndefined()
  })

  it('request-chain (HAIP 1.0 §5: the trust anchor MUST NOT be in x5c): refuses a request whose x5c carries the listed root after the leaf, and posts nothing', async () => {
    const { outcome } = await presentOwn({ x5c: [leaf, root] })
    expect(outcome, JSON.stringify(outcome)).toMatchObject({ submitted: false, check: 'profile', requirement: 'request-chain' })
    expect(String(outcome.error)).toMatch(/includes the trust anchor/)
    expect(posted).toBeUndefined()
  })

  it('request-chain (HAIP 1.0 §5: the certificate signing the request MUST NOT be self-signed): refused even when the registry lists it as a verifier root', async () => {
    const keys = (await crypto.subtle.generateKey(ES256, true, ['sign', 'verify'])) as CryptoKeyPair
    const selfSigned = await x509.X509CertificateGenerator.createSelfSigned(
      {
        name: 'CN=Self-signed Relying Party, C=CA',
        notBefore,
        notAfter,
        keys,
        signingAlgorithm: ES256,
        // a CA certificate, as the registry lists anchors only: the refusal names it self-signed before any chain is judged
        extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true)],
      },
      crypto,
    )
    const listed = await listX509Anchor(
      stack.trustRegistry.url,
      { jurisdiction: 'CA', kind: 'verifier', certificate: der(selfSigned), credentialTypes: ['DeathRegistrationCredential'] },
      stack.endpoints.adminApiKey,
    )
    expect(listed.status).toBe(200)
    const { outcome } = await presentOwn({ x5c: [selfSigned], signingKey: keys.privateKey })
    expect(outcome, JSON.stringify(outcome)).toMatchObject({ submitted: false, check: 'profile', requirement: 'request-chain' })
    expect(String(outcome.error)).toMatch(/is self-signed/)
    expect(posted).toBeUndefined()
  })
})

describe('the lab wallet refuses a broken HAIP request, naming the requirement (Mallory)', () => {
  const expected = { 'haip-unsigned-request': 'signed-request', 'haip-wrong-client-id-hash': 'client-id', 'haip-untrusted-request-chain': 'request-chain' }
  for (const [kind, requirement] of Object.entries(expected)) {
    it(`${kind}: refused with check profile, requirement ${requirement}, and nothing reaches Mallory`, async () => {
      const { id, requestUri } = (await json(await post(`${mallory.url}/mallory/requests`, { case: kind, format: 'dc+sd-jwt' }))) as { id: string; requestUri: string }
      expect(requestUri.startsWith('haip-vp://')).toBe(true)
      const outcome = await present(requestUri)
      expect(outcome, JSON.stringify(outcome)).toMatchObject({ submitted: false, check: 'profile', requirement })
      expect(String(outcome.error)).toMatch(/^HAIP 1\.0/)
      expect((await json(await fetch(`${mallory.url}/mallory/requests/${id}`))).answers).toBe(0)
    })
  }
})

describe('the lab verifier refuses what breaks a HAIP requirement', () => {
  it('a response in the clear (wallet fault unencrypted-response): rejected on encrypted-response (OID4VP 1.0 §8.3)', async () => {
    const { id, requestUri } = await haipVerification()
    const outcome = await present(requestUri, { kind: 'unencrypted-response' })
    expect(outcome.submitted).toBe(true)
    const decision = await decisionOf(id)
    expect(decision.outcome).toBe('rejected')
    expect(decision.failedChecks).toContain('profile')
    expect(profileStep(decision, 'encrypted-response')).toMatchObject({ passed: false, clause: expect.stringMatching(/OID4VP 1\.0 §8\.3/) })
    expect(failedRequirements(decision)).toEqual(['encrypted-response'])
  })

  it('a tampered presentation (wallet fault tamper) still arrives as a JWE: rejected on the issuer signature, encrypted-response passing', async () => {
    const { id, requestUri } = await haipVerification()
    expect((await present(requestUri, { kind: 'tamper' })).submitted).toBe(true)
    const decision = await decisionOf(id)
    expect(decision.outcome).toBe('rejected')
    expect(decision.failedChecks).toContain('signature')
    expect(profileStep(decision, 'encrypted-response')?.passed).toBe(true)
  })

  /** A death registration SD-JWT VC signed as given, bound to a P-256 holder key, presented encrypted (jose, ECDH-ES with `enc`) to a fresh HAIP request. */
  async function postForged(sign: (payload: Record<string, unknown>) => Promise<string>, enc = 'A128GCM'): Promise<{ id: string; response: Response }> {
    const { id, request } = await haipVerification()
    const holder = await generateKeyPair('ES256', { extractable: true })
    const disclosures = Object.entries(DEATH).map(([name, value]) => disclosure(name, value))
    const issuerJwt = await sign({ vct: DEATH_VCT, iat: Math.floor(Date.now() / 1000) - 60, cnf: { jwk: await exportJWK(holder.publicKey) }, _sd_alg: 'sha-256', _sd: disclosures.map(sha256) })
    const presented = `${issuerJwt}~${disclosures.map((d) => `${d}~`).join('')}`
    const kb = await new SignJWT({ nonce: request.nonce, aud: request.client_id, sd_hash: sha256(presented), iat: Math.floor(Date.now() / 1000) })
      .setProtectedHeader({ alg: 'ES256', typ: 'kb+jwt' })
      .sign(holder.privateKey)
    const [verifierKey] = request.client_metadata.jwks.keys
    const fields = JSON.stringify({ vp_token: { death: [`${presented}${kb}`] }, state: request.state })
    const jwe = await new CompactEncrypt(new TextEncoder().encode(fields)).setProtectedHeader({ alg: 'ECDH-ES', enc, kid: verifierKey.kid }).encrypt(await importJWK(verifierKey, 'ECDH-ES'))
    const response = await fetch(request.response_uri, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ response: jwe }).toString() })
    return { id, response }
  }

  async function presentForged(sign: (payload: Record<string, unknown>) => Promise<string>, enc?: string): Promise<Decision> {
    const { id, response } = await postForged(sign, enc)
    expect(response.status, await response.clone().text()).toBeLessThan(500)
    return decisionOf(id)
  }

  it('an ES256 SD-JWT VC whose x5c chains to a root no registry lists, in A128GCM and A256GCM: rejected on credential-chain and trusted-authorities, the JWE and key binding passing', async () => {
    const issuer = 'https://registrar.nl.test.example/oid4vci/nl-vital-statistics'
    const { leaf, leafKeys } = await testChain('Unlisted CA-NL Root', 'Unlisted NL Registrar', issuer)
    const sign = (payload: Record<string, unknown>) => new SignJWT({ ...payload, iss: issuer }).setProtectedHeader({ alg: 'ES256', typ: 'dc+sd-jwt', x5c: [der(leaf)] }).sign(leafKeys.privateKey)
    // HAIP 1.0 §5: the verifier takes both content encryptions it lists
    for (const enc of ['A128GCM', 'A256GCM']) {
      const decision = await presentForged(sign, enc)
      expect(decision.outcome).toBe('rejected')
      expect(profileStep(decision, 'credential-chain')).toMatchObject({ passed: false, message: expect.stringMatching(/does not lead to a trusted root/) })
      // HAIP 1.0 §5 / OID4VP 1.0 §6.1.1.1: its AKI (the unlisted root's key) is none the request named
      expect(profileStep(decision, 'trusted-authorities')).toMatchObject({
        passed: false,
        clause: expect.stringMatching(/OID4VP 1\.0 §6\.1\.1\.1/),
        message: expect.stringMatching(/none of the \d+ the request named/),
      })
      expect([enc, ...failedRequirements(decision).sort()]).toEqual([enc, 'credential-chain', 'trusted-authorities'])
    }
  })

  it('encrypted-response (OID4VP 1.0 §8.3, HAIP 1.0 §5): a JWE in a content encryption the request does not list (A128CBC-HS256) is refused at the response_uri, naming those it lists', async () => {
    const did = `did:jwk:${Buffer.from(JSON.stringify(await exportJWK((await generateKeyPair('ES256')).publicKey))).toString('base64url')}`
    const { id, response } = await postForged(
      async (payload) => new SignJWT({ ...payload, iss: did }).setProtectedHeader({ alg: 'ES256', typ: 'dc+sd-jwt' }).sign((await generateKeyPair('ES256')).privateKey),
      'A128CBC-HS256',
    )
    expect(response.status).toBe(400)
    expect(((await response.json()) as { error_description: string }).error_description).toMatch(/A128CBC-HS256.*ECDH-ES with A128GCM or A256GCM.*OID4VP 1\.0 §8\.3/)
    expect(await decisionOf(id)).toBeUndefined()
  })

  it('an SD-JWT VC signed EdDSA by a DID key: rejected on es256, credential-chain and trusted-authorities', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
    const did = `did:jwk:${Buffer.from(JSON.stringify(await exportJWK(publicKey))).toString('base64url')}`
    const decision = await presentForged((payload) => new SignJWT({ ...payload, iss: did }).setProtectedHeader({ alg: 'EdDSA', typ: 'dc+sd-jwt', kid: `${did}#0` }).sign(privateKey))
    expect(decision.outcome).toBe('rejected')
    expect(profileStep(decision, 'es256')).toMatchObject({ passed: false, message: expect.stringMatching(/EdDSA/) })
    expect(profileStep(decision, 'credential-chain')).toMatchObject({ passed: false, message: expect.stringMatching(/DID key/) })
    expect(failedRequirements(decision).sort()).toEqual(['credential-chain', 'es256', 'trusted-authorities'])
  })
})
