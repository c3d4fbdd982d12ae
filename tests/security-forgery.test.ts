import { type Agent, ClaimFormat, JsonTransformer, TypedArrayEncoder, W3cCredential, W3cCredentialRecord, W3cJsonLdVerifiableCredential } from '@credo-ts/core'
import { p256 } from '@noble/curves/nist.js'
import * as x509 from '@peculiar/x509'
import { base64url, decodeJwt, type JWK, SignJWT } from 'jose'
import { createHash, createHmac, webcrypto } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LDP_CREDENTIAL_CONTEXTS, LDP_PROOF_TYPE } from '@interop-lab/common/didcomm/ldp'
import { registerLabService } from '@interop-lab/common/net/outboundPolicy'
import { canonize, CONTEXTS, createDocumentLoader } from '@interop-lab/common/jsonld'
import { runMatrix } from '@interop-lab/scenarios/matrix'
import { loadScenarios } from '@interop-lab/scenarios/scenario'
import { credentialChecks } from '@interop-lab/verifier/checks'
import type { Decision } from '@interop-lab/verifier/decision'
import { type AuthorizationRequest as RequestObject, openOid4vpRequest } from './support/oid4vpRequest'

/** What a forged presentation answers: the request's audience, nonce and where to send it. */
type AuthorizationRequest = Pick<RequestObject, 'client_id' | 'nonce' | 'state' | 'response_uri'>
import { startTestStack } from './support/stack'
import { ed25519Party, type DidJwkParty as Party, encode, sha256 } from './support/forging'

/**
 * The attacker holds only key pairs of her own and the issuers' public DIDs. She forges credentials naming an
 * authorized issuer, signs them herself, and answers the real verifier's OID4VP requests over HTTP with them.
 * Every way must be refused on the `signature` check, and the trust registry must never vouch for the forgery.
 */

let stack: Awaited<ReturnType<typeof startTestStack>>
let issuerDids: Record<string, string>
/** Each jurisdiction's AnonCreds issuer id: its did:webvh. */
let anonCredsIssuerDids: Record<string, string>

/** The attacker's own P-256 key and a self-signed certificate for it (the `x5c` forgery). */
async function selfSignedCertificate(): Promise<{ x5c: string[]; privateKey: CryptoKey }> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    { name: 'CN=BC Registries', notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000), keys, signingAlgorithm: algorithm },
    webcrypto as Crypto,
  )
  return { x5c: [Buffer.from(certificate.rawData).toString('base64')], privateKey: keys.privateKey }
}

type Forgery = 'absolute-foreign-kid' | 'relative-kid' | 'x5c-header' | 'jwk-header' | 'alg-none' | 'hs256-issuer-public-key'
const FORGERIES: Forgery[] = ['absolute-foreign-kid', 'relative-kid', 'x5c-header', 'jwk-header', 'alg-none', 'hs256-issuer-public-key']

/** The issuer DID's public key bytes, as an attacker reads them from the DID itself. */
const issuerPublicKeyBytes = (issuerDid: string) => {
  const jwk = JSON.parse(Buffer.from(issuerDid.slice('did:jwk:'.length), 'base64url').toString('utf8')) as JWK
  return Buffer.from(jwk.x!, 'base64url')
}

/** A compact JWS with `payload`, signed by the attacker in the way `forgery` names, claiming to come from `issuerDid`. */
async function forgeJws(forgery: Forgery, typ: string, payload: Record<string, unknown>, issuerDid: string, attacker: Party): Promise<string> {
  switch (forgery) {
    case 'absolute-foreign-kid':
      return new SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', typ, kid: attacker.kid }).sign(attacker.privateKey)
    case 'relative-kid':
      return new SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', typ, kid: '#0' }).sign(attacker.privateKey)
    case 'x5c-header': {
      const { x5c, privateKey } = await selfSignedCertificate()
      return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', typ, x5c }).sign(privateKey)
    }
    case 'jwk-header':
      return new SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', typ, jwk: attacker.jwk }).sign(attacker.privateKey)
    case 'alg-none':
      return `${encode({ alg: 'none', typ, kid: '#0' })}.${encode(payload)}.`
    case 'hs256-issuer-public-key': {
      const signingInput = `${encode({ alg: 'HS256', typ, kid: '#0' })}.${encode(payload)}`
      return `${signingInput}.${createHmac('sha256', issuerPublicKeyBytes(issuerDid)).update(signingInput).digest('base64url')}`
    }
  }
}

async function respond(request: AuthorizationRequest, vpToken: Record<string, string[]>): Promise<void> {
  await fetch(request.response_uri, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ vp_token: JSON.stringify(vpToken), state: request.state }).toString(),
  })
}

async function decisionOf(id: string): Promise<Decision> {
  const { decision } = (await (await fetch(`${stack.verifier.url}/verifications/${id}`)).json()) as { decision: Decision }
  return decision
}

/** A W3C JWT VC (VCDM 1.1 §6.3.1) of `type` about the holder, wrapped in a VP the holder really signs for this request. */
async function jwtVcPresentation(forgery: Forgery, issuerDid: string, type: string, claims: Record<string, unknown>, attacker: Party, request: AuthorizationRequest) {
  const now = Math.floor(Date.now() / 1000)
  const credential = await forgeJws(
    forgery,
    'JWT',
    {
      iss: issuerDid,
      sub: attacker.did,
      nbf: now - 60,
      vc: {
        '@context': ['https://www.w3.org/2018/credentials/v1'],
        type: ['VerifiableCredential', type],
        issuer: issuerDid,
        issuanceDate: new Date((now - 60) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        credentialSubject: { id: attacker.did, ...claims },
      },
    },
    issuerDid,
    attacker,
  )
  return new SignJWT({
    nonce: request.nonce,
    vp: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiablePresentation'], holder: attacker.did, verifiableCredential: [credential] },
  })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: attacker.kid })
    .setIssuer(attacker.did)
    .setAudience(request.client_id)
    .setIssuedAt()
    .setJti(`urn:uuid:${crypto.randomUUID()}`)
    .sign(attacker.privateKey)
}

/** An SD-JWT VC whose issuer-signed JWT is forged, every claim disclosed, with a key-binding JWT the holder really signs. */
async function sdJwtPresentation(forgery: Forgery, issuerDid: string, vct: string, claims: Record<string, unknown>, holder: Party, request: AuthorizationRequest) {
  const disclosures = Object.entries(claims).map(([name, value]) => base64url.encode(JSON.stringify([base64url.encode(crypto.getRandomValues(new Uint8Array(16))), name, value])))
  const issuerJwt = await forgeJws(
    forgery,
    'dc+sd-jwt',
    { iss: issuerDid, vct, iat: Math.floor(Date.now() / 1000) - 60, cnf: { jwk: holder.jwk }, _sd_alg: 'sha-256', _sd: disclosures.map(sha256) },
    issuerDid,
    holder,
  )
  const presented = `${issuerJwt}~${disclosures.map((d) => `${d}~`).join('')}`
  const keyBinding = await new SignJWT({ nonce: request.nonce, aud: request.client_id, sd_hash: sha256(presented) })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'kb+jwt' })
    .setIssuedAt()
    .sign(holder.privateKey)
  return `${presented}${keyBinding}`
}

const BUSINESS = {
  business_number: 'BC6666666',
  legal_name: 'Mallory Holdings Ltd.',
  registration_status: 'ACTIVE',
  registration_date: '2015-01-01',
  jurisdiction: 'CA-BC',
  representative_given_name: 'Mallory',
  representative_family_name: 'Forger',
}
const PERSON = { given_name: 'Mallory', family_name: 'Forger', birth_date: '1980-01-01', identity_assurance_level: 'IAL3', jurisdiction: 'CA-BC' }
const DEATH = { registration_number: 'NL-2026-666', deceased_given_name: 'Rich', deceased_family_name: 'Uncle', date_of_death: '2026-01-01', deceased_birth_date: '1930-01-01', jurisdiction: 'CA-NL' }

beforeAll(async () => {
  stack = await startTestStack()
  const { issuers } = (await (await fetch(`${stack.issuer.url}/issuers`)).json()) as { issuers: { key: string; did: string; webvhDid: string }[] }
  issuerDids = Object.fromEntries(issuers.map((i) => [i.key, i.did]))
  anonCredsIssuerDids = Object.fromEntries(issuers.map((i) => [i.key, i.webvhDid]))
}, 120_000)
afterAll(async () => {
  await stack?.close()
})

/** What every refused forgery's decision must show: refused on `signature`, and no trust-registry line vouching for it. */
function expectRefusedAsForged(decision: Decision, clause: RegExp) {
  expect(decision.outcome).toBe('rejected')
  expect(decision.failedChecks).toContain('signature')
  const refusals = decision.trace.filter((step) => step.check === 'signature' && !step.passed)
  for (const step of refusals) expect(step.message).toMatch(clause)
  expect(decision.trace.filter((step) => step.check === 'trust-registry' && step.passed)).toEqual([])
  expect(decision.trace.filter((step) => step.check === 'status')).toEqual([])
}
const JWT_VC_CLAUSE =
  /VCDM 1\.1 §6\.3\.1 \/ JWT VC.*: .*(signed by did:jwk:.*, not by its issuer did:jwk:|does not verify with the issuer's key|brings its own key in its '(x5c|jwk)' header|alg '(none|HS256)'|iss \(none\) is not its issuer)/
const SD_JWT_CLAUSE =
  /SD-JWT VC, Verification and Processing.*: .*(signed by did:jwk:.*, not by its issuer did:jwk:|does not verify with the issuer's key|brings its own key in its '(x5c|jwk)' header|alg '(none|HS256)')/

describe.each(FORGERIES)('a forged credential (%s) naming an authorized issuer', (forgery) => {
  it('is refused in jwt_vc_json for open-business-account (VCDM 1.1 §6.3.1: the issuer signs)', async () => {
    const attacker = await ed25519Party()
    const { id, request } = await openOid4vpRequest(stack.verifier.url, 'open-business-account', 'jwt_vc_json')
    await respond(request, {
      business: [await jwtVcPresentation(forgery, issuerDids['bc-registries'], 'BusinessRegistrationCredential', BUSINESS, attacker, request)],
      person: [await jwtVcPresentation(forgery, issuerDids['bc-person-credential'], 'VerifiedPersonCredential', PERSON, attacker, request)],
    })
    expectRefusedAsForged(await decisionOf(id), JWT_VC_CLAUSE)
  })

  it('is refused in jwt_vc_json for estate-account-proof-of-death', async () => {
    const attacker = await ed25519Party()
    const { id, request } = await openOid4vpRequest(stack.verifier.url, 'estate-account-proof-of-death', 'jwt_vc_json')
    await respond(request, { death: [await jwtVcPresentation(forgery, issuerDids['nl-vital-statistics'], 'DeathRegistrationCredential', DEATH, attacker, request)] })
    expectRefusedAsForged(await decisionOf(id), JWT_VC_CLAUSE)
  })

  it('is refused in dc+sd-jwt for open-business-account and estate-account-proof-of-death (SD-JWT VC §3.5: the issuer signs)', async () => {
    const attacker = await ed25519Party()
    const business = await openOid4vpRequest(stack.verifier.url, 'open-business-account', 'dc+sd-jwt')
    await respond(business.request, {
      business: [await sdJwtPresentation(forgery, issuerDids['bc-registries'], 'https://interop-lab.ca/credentials/business-registration', BUSINESS, attacker, business.request)],
      person: [await sdJwtPresentation(forgery, issuerDids['bc-person-credential'], 'https://interop-lab.ca/credentials/verified-person', PERSON, attacker, business.request)],
    })
    expectRefusedAsForged(await decisionOf(business.id), SD_JWT_CLAUSE)
    const estate = await openOid4vpRequest(stack.verifier.url, 'estate-account-proof-of-death', 'dc+sd-jwt')
    await respond(estate.request, {
      death: [await sdJwtPresentation(forgery, issuerDids['nl-vital-statistics'], 'https://interop-lab.ca/credentials/death-registration', DEATH, attacker, estate.request)],
    })
    expectRefusedAsForged(await decisionOf(estate.id), SD_JWT_CLAUSE)
  })
})

describe('the attacker as an issuer of her own', () => {
  it('is accepted on signature when she signs as herself, and then refused by the trust registry (the forgery harness builds valid presentations)', async () => {
    const attacker = await ed25519Party()
    const { id, request } = await openOid4vpRequest(stack.verifier.url, 'estate-account-proof-of-death', 'jwt_vc_json')
    // signed with her own key under her own DID as the issuer: the signer is the issuer
    await respond(request, { death: [await jwtVcPresentation('absolute-foreign-kid', attacker.did, 'DeathRegistrationCredential', DEATH, attacker, request)] })
    const decision = await decisionOf(id)
    expect(decision.outcome).toBe('rejected')
    expect(decision.failedChecks).toEqual(['trust-registry'])
    expect(decision.trace.find((step) => step.check === 'signature' && step.subject === 'death')).toMatchObject({ passed: true })
  })
})

describe('the W3C VC API verifier (VCALM) refuses a credential naming an issuer that did not sign it', () => {
  type Json = Record<string, unknown>
  type VcApiIssuer = { did: string; verificationMethod: string; cryptosuites: Record<'ecdsa-rdfc-2019', { did: string; verificationMethod: string }> }
  let bcRegistries: VcApiIssuer
  const asAdmin = () => ({ 'content-type': 'application/json', authorization: `Bearer ${stack.endpoints.adminApiKey}` })
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${stack.verifier.url}${path}`, { method: 'POST', headers: asAdmin(), body: JSON.stringify(body) })
    return { status: response.status, body: (await response.json()) as { verified: boolean; errors: { title?: string; detail?: string }[]; results?: { credentials?: { verified: boolean }[] } } }
  }
  const credential = (issuer: string): Json => ({
    '@context': [CONTEXTS.credentialsV2, CONTEXTS.interopLabCredentialsV1],
    id: `urn:uuid:${crypto.randomUUID()}`,
    type: ['VerifiableCredential', 'BusinessRegistrationCredential'],
    issuer,
    validFrom: '2024-01-01T00:00:00Z',
    credentialSubject: { id: 'did:example:mallory', ...BUSINESS },
  })
  /** A VC-JOSE-COSE envelope (§3.1.1: the JWS secures the credential, its issuer signs it) forged the way `forgery` names. */
  async function envelopedForgery(forgery: Forgery, attacker: Party): Promise<Json> {
    const issuerKeyBytes = TypedArrayEncoder.fromBase58(bcRegistries.did.slice('did:key:z'.length)).slice(2)
    const payload = credential(bcRegistries.did)
    let jwt: string
    if (forgery === 'hs256-issuer-public-key') {
      const signingInput = `${encode({ alg: 'HS256', typ: 'vc+jwt', kid: bcRegistries.verificationMethod })}.${encode(payload)}`
      jwt = `${signingInput}.${createHmac('sha256', issuerKeyBytes).update(signingInput).digest('base64url')}`
    } else if (forgery === 'relative-kid') {
      jwt = await new SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', typ: 'vc+jwt', kid: `#${bcRegistries.did.slice('did:key:'.length)}` }).sign(attacker.privateKey)
    } else jwt = await forgeJws(forgery, 'vc+jwt', payload, bcRegistries.did, attacker)
    return { '@context': [CONTEXTS.credentialsV2], id: `data:application/vc+jwt,${jwt}`, type: 'EnvelopedVerifiableCredential' }
  }

  /** An ecdsa-rdfc-2019 proof made by hand (RDFC-1.0, SHA-256, P-256) with the attacker's key, naming `verificationMethod`. */
  async function dataIntegrityForgery(verificationMethod: string, secretKey: Uint8Array): Promise<Json> {
    const document = credential(bcRegistries.cryptosuites['ecdsa-rdfc-2019'].did)
    const loader = createDocumentLoader()
    const config = { type: 'DataIntegrityProof', cryptosuite: 'ecdsa-rdfc-2019', created: '2026-01-01T00:00:00Z', verificationMethod, proofPurpose: 'assertionMethod' }
    const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest()
    const data = Buffer.concat([digest(await canonize({ ...config, '@context': document['@context'] }, loader)), digest(await canonize(document, loader))])
    return { ...document, proof: { ...config, proofValue: `z${TypedArrayEncoder.toBase58(p256.sign(data, secretKey))}` } }
  }

  beforeAll(async () => {
    const { issuers } = (await (await fetch(`${stack.issuer.url}/vc-api/issuers`)).json()) as { issuers: (VcApiIssuer & { key: string })[] }
    bcRegistries = issuers.find((i) => i.key === 'bc-registries')!
  })

  it.each(FORGERIES)('refuses an enveloped credential (%s) at /credentials/verify and inside /presentations/verify', async (forgery) => {
    const forged = await envelopedForgery(forgery, await ed25519Party())
    const single = await post('/credentials/verify', { verifiableCredential: forged })
    expect(single.status).toBe(400)
    expect(single.body.verified).toBe(false)
    expect(single.body.errors.length).toBeGreaterThan(0)
    if (forgery === 'absolute-foreign-kid') expect(JSON.stringify(single.body.errors)).toMatch(/signed by did:jwk:.*, not by its issuer did:key:/)
    const presented = await post('/presentations/verify', {
      presentation: { '@context': [CONTEXTS.credentialsV2], type: ['VerifiablePresentation'], verifiableCredential: [forged] },
    })
    expect(presented.body.verified).toBe(false)
    expect(presented.body.results?.credentials?.[0]?.verified).toBe(false)
  })

  it('refuses a Data Integrity proof by a foreign DID, and one naming the issuer’s key but signed with the attacker’s (VC Data Integrity: the proof is the issuer’s)', async () => {
    const secretKey = p256.utils.randomSecretKey()
    const attackerDid = `did:key:z${TypedArrayEncoder.toBase58(Uint8Array.from([0x80, 0x24, ...p256.getPublicKey(secretKey)]))}`
    const foreign = await post('/credentials/verify', { verifiableCredential: await dataIntegrityForgery(`${attackerDid}#${attackerDid.slice('did:key:'.length)}`, secretKey) })
    expect(foreign.status).toBe(400)
    expect(JSON.stringify(foreign.body.errors)).toMatch(/not by the issuer did:key:zDn/)
    const impersonated = await post('/credentials/verify', { verifiableCredential: await dataIntegrityForgery(bcRegistries.cryptosuites['ecdsa-rdfc-2019'].verificationMethod, secretKey) })
    expect(impersonated.status).toBe(400)
    expect(impersonated.body.verified).toBe(false)
    expect(JSON.stringify(impersonated.body.errors)).toMatch(/does not verify/)
  })
})

/** A status list host the attacker controls: it counts what the verifier asks it. */
async function oracle() {
  let hits = 0
  const server = createServer((_req, res) => {
    hits++
    res.writeHead(200, { 'content-type': 'text/plain' }).end('oracle-answer')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/list`
  // reachable as if it were one of the lab's own services: the outbound allow-list is not what keeps it unasked
  const withdraw = registerLabService(url)
  return {
    url,
    hits: () => hits,
    close: async () => {
      withdraw()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

describe('a forged ldp_vc presented over DIDComm (present-proof v2, DIF PE)', () => {
  type VcApiIssuer = { key: string; did: string; verificationMethod: string }
  /** The executor's wallet, playing the attacker: it signs a death registration naming NL Vital Statistics with its own holder key. */
  const executor = () => stack.wallet.wallets.get('executor')!
  const holderAgent = () => (executor() as unknown as { agent: Agent }).agent

  async function forgedDeathRegistration(issuer: Pick<VcApiIssuer, 'did'>, statusListUrl?: string): Promise<W3cJsonLdVerifiableCredential> {
    const wallet = executor()
    const credentialStatus = statusListUrl && { id: `${statusListUrl}#7`, type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '7', statusListCredential: statusListUrl }
    const credential = JsonTransformer.fromJSON(
      {
        '@context': [...LDP_CREDENTIAL_CONTEXTS],
        type: ['VerifiableCredential', 'DeathRegistrationCredential'],
        issuer: issuer.did,
        issuanceDate: new Date(Date.now() - 60_000).toISOString(),
        credentialSubject: { id: wallet.ldpHolder.did, ...DEATH },
        ...(credentialStatus ? { credentialStatus } : {}),
      },
      W3cCredential,
    )
    return holderAgent().w3cCredentials.signCredential<ClaimFormat.LdpVc>({ format: ClaimFormat.LdpVc, credential, proofType: LDP_PROOF_TYPE, verificationMethod: wallet.ldpHolder.verificationMethod })
  }

  /** Puts `credential` alone in the executor's wallet, has the wallet answer the bank's DIDComm request, and returns the decision. */
  async function presentOverDidComm(credential: W3cJsonLdVerifiableCredential): Promise<Decision> {
    await fetch(`${stack.wallet.url}/personas/executor/credentials`, { method: 'DELETE' })
    await holderAgent().w3cCredentials.store({ record: W3cCredentialRecord.fromCredential(credential) })
    const created = await fetch(`${stack.verifier.url}/verifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ policyId: 'estate-account-proof-of-death', format: 'ldp_vc', protocol: 'didcomm' }),
    })
    const { id, requestUri } = (await created.json()) as { id: string; requestUri: string }
    await fetch(`${stack.wallet.url}/personas/executor/presentations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ requestUri }) })
    for (let attempt = 0; attempt < 100; attempt++) {
      const decision = await decisionOf(id)
      if (decision) return decision
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    throw new Error(`No decision on DIDComm verification ${id}`)
  }

  let nlVitalStatistics: VcApiIssuer
  beforeAll(async () => {
    const { issuers } = (await (await fetch(`${stack.issuer.url}/vc-api/issuers`)).json()) as { issuers: VcApiIssuer[] }
    nlVitalStatistics = issuers.find((i) => i.key === 'nl-vital-statistics')!
  })

  it('is refused when its proof is made under a foreign DID (the attacker’s did:key)', async () => {
    const decision = await presentOverDidComm(await forgedDeathRegistration(nlVitalStatistics))
    expectRefusedAsForged(decision, /VC Data Integrity, Verify Proof.*: the credential is signed by did:key:\S+, not by its issuer did:key:/)
  })

  it('is refused when its proof names the issuer’s verification method but carries the attacker’s signature', async () => {
    const forged = await forgedDeathRegistration(nlVitalStatistics)
    const json = JsonTransformer.toJSON(forged) as { proof: { verificationMethod: string } }
    json.proof.verificationMethod = `${nlVitalStatistics.did}#${nlVitalStatistics.did.slice('did:key:'.length)}`
    const decision = await presentOverDidComm(JsonTransformer.fromJSON(json, W3cJsonLdVerifiableCredential))
    expectRefusedAsForged(decision, /VC Data Integrity, Verify Proof.*: the proof does not verify with the issuer's key/)
  })

  it('never asks the status URL of a self-issued, untrusted ldp_vc (Credo’s JSON-LD verification fetches no status on the verifier)', async () => {
    const host = await oracle()
    try {
      const decision = await presentOverDidComm(await forgedDeathRegistration({ did: executor().ldpHolder.did }, host.url))
      expect(decision.outcome).toBe('rejected')
      expect(decision.failedChecks).toEqual(['trust-registry'])
      expect(decision.trace.filter((step) => step.check === 'status')).toEqual([])
      expect(host.hits()).toBe(0)
    } finally {
      await host.close()
    }
  })
})

describe('AnonCreds: the credential definition is the trust-checked issuer’s (AnonCreds v1.0, Credential Definition issuerId)', () => {
  it('applies the check on every proof of an accepted presentation, and refuses a definition another DID published', async () => {
    const banking = { ...loadScenarios().find((s) => s.id === 'business-banking')!, variants: [] }
    const { results } = await runMatrix(stack.endpoints, [banking], { combinations: [{ protocol: 'didcomm', format: 'anoncreds' }] })
    const [baseline] = results
    expect(baseline.status, baseline.failure?.reason).toBe('pass')
    const decision = baseline.steps.find((s) => s.stepId === 'open-business-account')!.decision!
    expect(decision.outcome).toBe('accepted')
    const definers = decision.trace.filter((step) => step.check === 'signature' && step.clause?.startsWith('AnonCreds v1.0, Credential Definition'))
    expect(definers.map((step) => [step.subject, step.passed])).toEqual([
      ['business', true],
      ['person', true],
    ])
    expect(definers[0].message).toContain(`published by the issuer ${anonCredsIssuerDids['bc-registries']}`)

    // the business registration's definition, presented as if the person-credential service had issued it
    const { credentials } = (await (await fetch(`${stack.wallet.url}/personas/business-owner/credentials`)).json()) as { credentials: { format: string; issuer: string }[] }
    const businessDefinition = credentials.find((c) => c.format === 'anoncreds' && c.issuer.startsWith(anonCredsIssuerDids['bc-registries']))!.issuer
    const checks = credentialChecks(stack.verifier.agent.context)
    const asPerson = await checks.signerIsIssuer({
      queryId: 'person',
      format: 'anoncreds',
      issuer: anonCredsIssuerDids['bc-person-credential'],
      claims: {},
      proof: { kind: 'anoncreds', credentialDefinitionId: businessDefinition },
    })
    expect(asPerson.passed).toBe(false)
    expect(asPerson.message).toContain(`published by ${anonCredsIssuerDids['bc-registries']}, not by the issuer ${anonCredsIssuerDids['bc-person-credential']}`)
    const unpublished = await checks.signerIsIssuer({
      queryId: 'person',
      format: 'anoncreds',
      issuer: anonCredsIssuerDids['bc-registries'],
      claims: {},
      proof: { kind: 'anoncreds', credentialDefinitionId: `${anonCredsIssuerDids['bc-registries']}/resources/zQmForged` },
    })
    expect(unpublished).toMatchObject({ passed: false, message: expect.stringMatching(/cannot be resolved/) })
  }, 180_000)
})

describe('status lists are fetched only for a credential whose signer is its issuer and whose issuer is trusted', () => {
  /** Self-issued by the attacker (her DID as iss and kid, her signature): it verifies, and no registry vouches for her. */
  async function selfIssued(format: 'jwt_vc_json' | 'dc+sd-jwt', statusUrl: string, attacker: Party, request: AuthorizationRequest): Promise<string> {
    if (format === 'dc+sd-jwt') {
      const disclosures = Object.entries(DEATH).map(([name, value]) => base64url.encode(JSON.stringify([base64url.encode(crypto.getRandomValues(new Uint8Array(16))), name, value])))
      const issuerJwt = await new SignJWT({
        iss: attacker.did,
        vct: 'https://interop-lab.ca/credentials/death-registration',
        iat: Math.floor(Date.now() / 1000) - 60,
        cnf: { jwk: attacker.jwk },
        status: { status_list: { idx: 7, uri: statusUrl } },
        _sd_alg: 'sha-256',
        _sd: disclosures.map(sha256),
      })
        .setProtectedHeader({ alg: 'EdDSA', typ: 'dc+sd-jwt', kid: attacker.kid })
        .sign(attacker.privateKey)
      const presented = `${issuerJwt}~${disclosures.map((d) => `${d}~`).join('')}`
      const keyBinding = await new SignJWT({ nonce: request.nonce, aud: request.client_id, sd_hash: sha256(presented) })
        .setProtectedHeader({ alg: 'EdDSA', typ: 'kb+jwt' })
        .setIssuedAt()
        .sign(attacker.privateKey)
      return `${presented}${keyBinding}`
    }
    const now = Math.floor(Date.now() / 1000)
    const credential = await new SignJWT({
      sub: attacker.did,
      nbf: now - 60,
      vc: {
        '@context': ['https://www.w3.org/2018/credentials/v1'],
        type: ['VerifiableCredential', 'DeathRegistrationCredential'],
        issuer: attacker.did,
        issuanceDate: new Date((now - 60) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        credentialSubject: { id: attacker.did, ...DEATH },
        credentialStatus: { id: `${statusUrl}#7`, type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '7', statusListCredential: statusUrl },
      },
    })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: attacker.kid })
      .setIssuer(attacker.did)
      .sign(attacker.privateKey)
    return new SignJWT({ nonce: request.nonce, vp: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiablePresentation'], verifiableCredential: [credential] } })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: attacker.kid })
      .setIssuer(attacker.did)
      .setAudience(request.client_id)
      .setIssuedAt()
      .sign(attacker.privateKey)
  }

  it.each(['jwt_vc_json', 'dc+sd-jwt'] as const)('never asks the status URL of an untrusted issuer’s %s (no server-side request, no oracle)', async (format) => {
    const host = await oracle()
    try {
      const attacker = await ed25519Party()
      const { id, request } = await openOid4vpRequest(stack.verifier.url, 'estate-account-proof-of-death', format)
      await respond(request, { death: [await selfIssued(format, host.url, attacker, request)] })
      const decision = await decisionOf(id)
      expect(decision.outcome).toBe('rejected')
      expect(decision.failedChecks).toEqual(['trust-registry'])
      expect(decision.trace.filter((step) => step.check === 'status')).toEqual([])
      expect(JSON.stringify(decision)).not.toContain('oracle-answer')
      expect(host.hits()).toBe(0)
    } finally {
      await host.close()
    }
  })

  it('says only "status list unavailable" when a status list cannot be read (no fetch error, no body)', async () => {
    const host = await oracle()
    const attacker = await ed25519Party()
    const request = { client_id: 'x', nonce: 'n', state: 's', response_uri: 'http://127.0.0.1/' }
    const vp = await selfIssued('jwt_vc_json', host.url, attacker, request)
    const [credential] = (decodeJwt(vp) as { vp: { verifiableCredential: string[] } }).vp.verifiableCredential
    const status = await credentialChecks(stack.verifier.agent.context).status({ queryId: 'death', format: 'jwt_vc_json', issuer: attacker.did, claims: {}, proof: { kind: 'jws', jws: credential } })
    await host.close()
    expect(host.hits()).toBe(1)
    expect(status).toMatchObject({ check: 'status', passed: false, message: 'The status of death could not be established: status list unavailable' })
  })
})

describe('the lab’s own signer-is-issuer check, whatever the credential library concluded', () => {
  it.each(FORGERIES)('refuses a %s jwt_vc_json handed to it directly, and accepts the attacker’s own self-signed one as hers', async (forgery) => {
    const attacker = await ed25519Party()
    const request = { client_id: 'x', nonce: 'n', state: 's', response_uri: 'http://127.0.0.1/' }
    const checks = credentialChecks(stack.verifier.agent.context)
    const credentialIn = (vp: string) => (decodeJwt(vp) as { vp: { verifiableCredential: string[] } }).vp.verifiableCredential[0]
    const issuer = issuerDids['nl-vital-statistics']
    const forged = credentialIn(await jwtVcPresentation(forgery, issuer, 'DeathRegistrationCredential', DEATH, attacker, request))
    const refused = await checks.signerIsIssuer({ queryId: 'death', format: 'jwt_vc_json', issuer, claims: {}, proof: { kind: 'jws', jws: forged } })
    expect(refused.passed).toBe(false)
    expect(refused.message).toMatch(JWT_VC_CLAUSE)
    const own = credentialIn(await jwtVcPresentation('absolute-foreign-kid', attacker.did, 'DeathRegistrationCredential', DEATH, attacker, request))
    expect(await checks.signerIsIssuer({ queryId: 'death', format: 'jwt_vc_json', issuer: attacker.did, claims: {}, proof: { kind: 'jws', jws: own } })).toMatchObject({ passed: true })
  })
})
