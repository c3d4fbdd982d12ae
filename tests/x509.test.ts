import { createHash, webcrypto, X509Certificate as NodeX509Certificate } from 'node:crypto'
import * as x509 from '@peculiar/x509'
import { decodeSDJWT, verifySDJWT } from '@meeco/sd-jwt'
import { compactVerify, decodeJwt, decodeProtectedHeader, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databaseConfigFor } from '@interop-lab/common/db'
import { startIssuerService } from '@interop-lab/issuer'
import { makeHolderKey, redeemWithSphereon } from '@interop-lab/scenarios/drivers/sphereonWallet'
import { bindEntityIssuerUrl, listX509Anchor } from '@interop-lab/scenarios/onboarding'
import type { Decision } from '@interop-lab/verifier/decision'
import { type DidJwkParty, disclosure, ed25519Party, sha256 } from './support/forging'
import { openOid4vpRequest } from './support/oid4vpRequest'
import { startTestStack } from './support/stack'

/**
 * X.509 trust over real HTTP: the lab issuer signs SD-JWT VCs with ES256 under its jurisdiction's root (x5c, https `iss`),
 * the trust registry lists the roots per credential type, and the verifier validates the chain to them. A test CA of our
 * own, listed in the real registry as a CA-NL root for death registrations, makes presentations that differ from an
 * accepted one by exactly one fault, each refused on the signature check with its clause.
 */

const crypto = webcrypto as Crypto
const ES256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
const CLAUSE = /SD-JWT VC §3\.5 \/ RFC 5280 §6/
const DEATH_VCT = 'https://interop-lab.ca/credentials/death-registration'
const DEATH = {
  registration_number: 'NL-2026-0107',
  deceased_given_name: 'Agnes',
  deceased_family_name: 'Whelan',
  date_of_death: '2026-03-01',
  deceased_birth_date: '1931-05-09',
  jurisdiction: 'CA-NL',
}
/** The URL our test issuer's certificates certify, bound in the registry to the NL registrar. */
const TEST_ISSUER = 'https://registrar.nl.test.example/oid4vci/nl-vital-statistics'

let stack: Awaited<ReturnType<typeof startTestStack>>
/** The registry authoritative for CA-NL (the stack runs one per jurisdiction, the verifier asking the federal one). */
const nlRegistry = () => stack.registries!.get('CA-NL')!.url

interface Authority {
  keys: CryptoKeyPair
  certificate: x509.X509Certificate
}
const der = (certificate: x509.X509Certificate) => Buffer.from(certificate.rawData).toString('base64')
const generateKeys = () => crypto.subtle.generateKey(ES256, true, ['sign', 'verify']) as Promise<CryptoKeyPair>
const days = (n: number) => new Date(Date.now() + n * 86_400_000)

async function testRoot(name: string): Promise<Authority> {
  const keys = await generateKeys()
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: `CN=${name}, C=CA`,
      notBefore: days(-1),
      notAfter: days(365),
      keys,
      signingAlgorithm: ES256,
      extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
    },
    crypto,
  )
  return { keys, certificate }
}

const leafExtensions = (san: string) => [
  new x509.BasicConstraintsExtension(false, undefined, true),
  new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
  new x509.SubjectAlternativeNameExtension([{ type: 'url', value: san }]),
]

/** A certificate signed by `issuer`: a leaf by default, an intermediate CA with `ca` (or, with `ca: false` and `subject`, a leaf that goes on to sign). */
async function leafUnder(issuer: Authority, options: { san?: string; notAfter?: Date; ca?: boolean; subject?: string } = {}): Promise<Authority> {
  const keys = await generateKeys()
  const certificate = await x509.X509CertificateGenerator.create(
    {
      issuer: issuer.certificate.subject,
      subject: options.subject ?? 'CN=NL Vital Statistics (test), C=CA',
      notBefore: days(-30),
      notAfter: options.notAfter ?? days(90),
      signingKey: issuer.keys.privateKey,
      publicKey: keys.publicKey,
      signingAlgorithm: ES256,
      extensions: options.ca
        ? [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)]
        : leafExtensions(options.san ?? TEST_ISSUER),
    },
    crypto,
  )
  return { keys, certificate }
}

/** A leaf under an intermediate under our CA-NL root: the intermediate a CA (beyond the root's path length 0) or not a CA at all. */
async function twoLevelChain(intermediateIsCa: boolean): Promise<Signing> {
  const intermediate = await leafUnder(nlRoot, { ca: intermediateIsCa, subject: 'CN=NL Intermediate (test), C=CA' })
  const leaf = await leafUnder(intermediate)
  return { x5c: [leaf.certificate, intermediate.certificate], signer: leaf.keys.privateKey }
}

async function selfSignedLeaf(): Promise<Authority> {
  const keys = await generateKeys()
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    { name: 'CN=NL Vital Statistics (self-signed), C=CA', notBefore: days(-1), notAfter: days(90), keys, signingAlgorithm: ES256, extensions: leafExtensions(TEST_ISSUER) },
    crypto,
  )
  return { keys, certificate }
}

async function decisionOf(id: string): Promise<Decision> {
  const answer = await fetch(`${stack.verifier.url}/verifications/${id}`)
  expect(answer.status).toBe(200)
  return ((await answer.json()) as { decision: Decision }).decision
}

/** How a presentation's issuer JWT is made: its header's x5c, its iss, the key it is signed with, extra header fields. */
interface Signing {
  x5c: x509.X509Certificate[]
  signer: CryptoKey
  iss?: string
  header?: Record<string, unknown>
}

/** A death registration SD-JWT VC signed as `signing` says, presented with a key binding JWT for a fresh request; its decision. */
async function present(signing: Signing): Promise<Decision> {
  const holder: DidJwkParty = await ed25519Party()
  const { id, request } = await openOid4vpRequest(stack.verifier.url, 'estate-account-proof-of-death', 'dc+sd-jwt')
  const disclosures = Object.entries(DEATH).map(([name, value]) => disclosure(name, value))
  const payload = { iss: signing.iss ?? TEST_ISSUER, vct: DEATH_VCT, iat: Math.floor(Date.now() / 1000) - 60, cnf: { jwk: holder.jwk }, _sd_alg: 'sha-256', _sd: disclosures.map(sha256) }
  const issuerJwt = await new SignJWT(payload).setProtectedHeader({ alg: 'ES256', typ: 'dc+sd-jwt', x5c: signing.x5c.map(der), ...signing.header }).sign(signing.signer)
  const presented = `${issuerJwt}~${disclosures.map((d) => `${d}~`).join('')}`
  const kb = await new SignJWT({ nonce: request.nonce, aud: request.client_id, sd_hash: sha256(presented), iat: Math.floor(Date.now() / 1000) })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'kb+jwt' })
    .sign(holder.privateKey)
  await fetch(request.response_uri, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ vp_token: JSON.stringify({ death: [`${presented}${kb}`] }), state: request.state }).toString(),
  })
  return decisionOf(id)
}

const signatureStep = (decision: Decision) => decision.trace.find((step) => step.check === 'signature')

let nlRoot: Authority
let bcRoot: Authority
let nlLeaf: Authority

beforeAll(async () => {
  stack = await startTestStack()
  const admin = stack.endpoints.adminApiKey
  nlRoot = await testRoot('Test CA-NL Root')
  bcRoot = await testRoot('Test CA-BC Root')
  nlLeaf = await leafUnder(nlRoot)
  // our CA-NL root in NL's own registry; a CA-BC root, for business registrations only, in the federal one the verifier asks first
  const nl = { jurisdiction: 'CA-NL', kind: 'root' as const, certificate: nlRoot.certificate.toString('pem'), credentialTypes: ['DeathRegistrationCredential'] }
  expect((await listX509Anchor(nlRegistry(), nl, admin)).status).toBe(200)
  const bc = { jurisdiction: 'CA-BC', kind: 'root' as const, certificate: der(bcRoot.certificate), credentialTypes: ['BusinessRegistrationCredential'] }
  expect((await listX509Anchor(stack.trustRegistry.url, bc, admin)).status).toBe(200)
  const bound = await bindEntityIssuerUrl(nlRegistry(), 'nl-vital-statistics', TEST_ISSUER, admin)
  expect(bound.status, await bound.clone().text()).toBe(200)
}, 120_000)
afterAll(async () => {
  await stack?.close()
})

describe('the lab issuer signs an SD-JWT VC under X.509 (signing: x509)', () => {
  const offer = async () => {
    const response = await fetch(`${stack.issuer.url}/issuers/nl-vital-statistics/offers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.endpoints.adminApiKey}` },
      body: JSON.stringify({ credentialType: 'DeathRegistrationCredential', format: 'dc+sd-jwt', signing: 'x509', claims: DEATH }),
    })
    expect(response.status).toBe(201)
    return (await response.json()) as { offerUri: string; txCode: string }
  }
  const issuerUrl = () => `${stack.issuer.url}/oid4vci/nl-vital-statistics`

  it('is ES256 with x5c and an iss that is the issuer URL, checked independently: @peculiar/x509 chains it to the root the registry lists, @meeco/sd-jwt verifies it with the leaf key', async () => {
    const holder = await makeHolderKey()
    const { offerUri, txCode } = await offer()
    const [received] = await redeemWithSphereon(offerUri, txCode, holder)
    const credential = received.credential as string
    const issuerJwt = credential.split('~')[0]
    const header = decodeProtectedHeader(issuerJwt)
    expect(header).toMatchObject({ alg: 'ES256', typ: 'dc+sd-jwt' })
    expect(header.kid).toBeUndefined()
    expect(decodeJwt(issuerJwt).iss).toBe(issuerUrl())

    // the chain, by @peculiar/x509 alone, to the CA-NL root the registry lists for death registrations
    const anchors = (await (await fetch(`${nlRegistry()}/x509/anchors?credential_type=DeathRegistrationCredential`)).json()) as {
      anchors: { jurisdiction: string; kind: string; certificate: string }[]
    }
    // NL's IACA is listed for death registrations too (their mdocs' document signers chain to it)
    const labRoot = anchors.anchors.find((a) => a.jurisdiction === 'CA-NL' && a.kind === 'root' && a.certificate !== der(nlRoot.certificate))!
    const leaf = new x509.X509Certificate(header.x5c![0])
    const built = await new x509.X509ChainBuilder({ certificates: [new x509.X509Certificate(labRoot.certificate)] }).build(leaf, crypto)
    expect(built).toHaveLength(2)
    expect(await leaf.verify({ publicKey: built[1].publicKey, date: new Date() }, crypto)).toBe(true)
    expect(leaf.getExtension(x509.SubjectAlternativeNameExtension)!.names.items.map((n) => n.value)).toContain(issuerUrl())

    // the SD-JWT, by @meeco/sd-jwt with the leaf's key (Node's own X.509 parser reads it)
    const leafKey = new NodeX509Certificate(Buffer.from(header.x5c![0], 'base64')).publicKey
    const sha256Hasher = async (alg: string) => {
      if (alg !== 'sha-256') throw new Error(`unexpected _sd_alg ${alg}`)
      return (data: string) => createHash('sha256').update(data).digest('base64url')
    }
    const claims = (await verifySDJWT(credential, async (jwt) => Boolean(await compactVerify(jwt, leafKey)), sha256Hasher)) as Record<string, unknown>
    expect(claims).toMatchObject({ registration_number: DEATH.registration_number, iss: issuerUrl() })
    expect(decodeSDJWT(credential).disclosures.length).toBe(Object.keys(DEATH).length)

    // SD-JWT VC §5 issuer metadata names the same issuer and key
    const metadata = (await (await fetch(`${stack.issuer.url}/.well-known/jwt-vc-issuer/oid4vci/nl-vital-statistics`)).json()) as { issuer: string; jwks: { keys: { x: string; x5c: string[] }[] } }
    expect(metadata.issuer).toBe(issuerUrl())
    expect(metadata.jwks.keys[0].x5c[0]).toBe(header.x5c![0])
  })

  it("is kept by the lab wallet and accepted by the lab verifier, the trace naming the chain to the CA-NL root of NL's registry", async () => {
    const { offerUri, txCode } = await offer()
    const accepted = await fetch(`${stack.wallet.url}/personas/executor/offers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ offerUri, txCode }) })
    expect(accepted.status, await accepted.clone().text()).toBe(201)
    const { id, requestUri } = await openOid4vpRequest(stack.verifier.url, 'estate-account-proof-of-death', 'dc+sd-jwt')
    const presented = await fetch(`${stack.wallet.url}/personas/executor/presentations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ requestUri }) })
    expect(presented.status).toBe(200)
    const decision = await decisionOf(id)
    expect(decision.outcome, JSON.stringify(decision.reasons)).toBe('accepted')
    expect(signatureStep(decision)?.message).toMatch(/certified for http:\/\/127\.0\.0\.1:\d+\/oid4vci\/nl-vital-statistics under CA-NL's root/)
    expect(decision.trace.find((step) => step.check === 'trust-registry')).toMatchObject({ passed: true })
  })

  it('keeps the same root and signing certificate across a restart of the issuer', async () => {
    const before = (await (await fetch(`${stack.issuer.url}/.well-known/jwt-vc-issuer/oid4vci/nl-vital-statistics`)).json()) as { jwks: unknown }
    const rootOf = async () => {
      const { issuers } = (await (await fetch(`${stack.issuer.url}/issuers`)).json()) as { issuers: { key: string; x509: { anchors: { certificate: string }[] } }[] }
      return issuers.find((i) => i.key === 'nl-vital-statistics')!.x509.anchors[0].certificate
    }
    const root = await rootOf()
    const port = Number(new URL(stack.issuer.url).port)
    await stack.issuer.close()
    stack.issuer = await startIssuerService({
      port,
      host: '127.0.0.1',
      dataDir: stack.dataDir,
      database: databaseConfigFor('issuer', stack.dataDir, {}),
      adminApiKeys: [stack.endpoints.adminApiKey],
      trustRegistryUrl: stack.trustRegistry.url,
    })
    expect(await rootOf()).toBe(root)
    expect(await (await fetch(`${stack.issuer.url}/.well-known/jwt-vc-issuer/oid4vci/nl-vital-statistics`)).json()).toEqual(before)
  }, 120_000)
})

describe('the verifier checks an x5c chain against the roots the trust registry lists', () => {
  it('accepts a well-formed credential from a root listed for its type (the baseline the refusals differ from)', async () => {
    const decision = await present({ x5c: [nlLeaf.certificate], signer: nlLeaf.keys.privateKey })
    expect(decision.outcome, JSON.stringify(decision.reasons)).toBe('accepted')
    expect(signatureStep(decision)).toMatchObject({ passed: true, clause: expect.stringMatching(CLAUSE) })
  })

  const refusals: [string, () => Promise<Signing>, RegExp][] = [
    ['a self-signed leaf', async () => selfSignedLeaf().then((leaf) => ({ x5c: [leaf.certificate], signer: leaf.keys.privateKey })), /x5c chain not anchored in a trusted root/],
    [
      "a chain to another jurisdiction's root not authorised for the type",
      async () => leafUnder(bcRoot).then((leaf) => ({ x5c: [leaf.certificate], signer: leaf.keys.privateKey })),
      /anchored in CA-BC's root .*lists for BusinessRegistrationCredential under CA-BC, not for DeathRegistrationCredential under CA-NL/,
    ],
    [
      'an expired leaf',
      async () => leafUnder(nlRoot, { notAfter: days(-1) }).then((leaf) => ({ x5c: [leaf.certificate], signer: leaf.keys.privateKey })),
      /the signing certificate .* expired at .*RFC 5280 §6\.1\.3 \(a\)\(2\)/,
    ],
    [
      'an iss that is not a SAN of the leaf',
      async () => leafUnder(nlRoot, { san: 'https://someone-else.test.example/issuer' }).then((leaf) => ({ x5c: [leaf.certificate], signer: leaf.keys.privateKey })),
      /iss https:\/\/registrar\.nl\.test\.example\/oid4vci\/nl-vital-statistics is not a SAN URI of its certificate/,
    ],
    ['an intermediate that is not a CA', () => twoLevelChain(false), /NL Intermediate \(test\).* signs a certificate but is not a CA \(basicConstraints cA, RFC 5280 §6\.1\.4 \(k\)\)/],
    ['a chain longer than the root allows', () => twoLevelChain(true), /Test CA-NL Root.* allows 0 CA\(s\) below it, the chain has 1 \(RFC 5280 §6\.1\.4 \(l\), \(m\)\)/],
    [
      'a listed chain but a signature by another key',
      async () => ({ x5c: [nlLeaf.certificate], signer: (await generateKeys()).privateKey }),
      /the signature does not verify with the key of its x5c certificate/,
    ],
    [
      'a listed chain and a DID kid beside it',
      async () => ({ x5c: [nlLeaf.certificate], signer: nlLeaf.keys.privateKey, header: { kid: `${(await ed25519Party()).did}#0` } }),
      /names two signers, its x5c chain and the DID key/,
    ],
  ]

  it.each(refusals)('refuses %s on the signature check, naming the clause, and never asks the registry about its issuer', async (_name, signing, reason) => {
    const decision = await present(await signing())
    expect(decision.outcome).toBe('rejected')
    const step = signatureStep(decision)!
    expect(step.passed).toBe(false)
    expect(step.clause).toMatch(CLAUSE)
    expect(step.message).toMatch(reason)
    expect(decision.trace.some((s) => s.check === 'trust-registry')).toBe(false)
  })

  it('audits each anchor listed and issuer URL bound, and refuses an issuer URL bound to another entity', async () => {
    const admin = { authorization: `Bearer ${stack.endpoints.adminApiKey}` }
    const { audit } = (await (await fetch(`${nlRegistry()}/admin/audit?target=nl-vital-statistics`, { headers: admin })).json()) as { audit: { action: string; actor: string; after?: unknown }[] }
    expect(audit).toContainEqual(expect.objectContaining({ action: 'bind-issuer-url', actor: expect.stringMatching(/^api-key:/), after: { issuerUrl: TEST_ISSUER, entityKey: 'nl-vital-statistics' } }))
    const listed = (await (await fetch(`${nlRegistry()}/admin/audit?target=${createHash('sha256').update(Buffer.from(nlRoot.certificate.rawData)).digest('hex')}`, { headers: admin })).json()) as {
      audit: { action: string }[]
    }
    expect(listed.audit.map((entry) => entry.action)).toEqual(['list-x509-anchor'])
    const taken = await bindEntityIssuerUrl(nlRegistry(), 'nl-medical-examiner', TEST_ISSUER, stack.endpoints.adminApiKey)
    expect(taken.status).toBe(409)
    expect(await taken.text()).toMatch(/already bound to 'nl-vital-statistics'/)
  })

  it('refuses a root listed only as a CA: a leaf certificate is not a trust anchor (RFC 5280 §4.2.1.9)', async () => {
    const response = await listX509Anchor(
      nlRegistry(),
      { jurisdiction: 'CA-NL', kind: 'root', certificate: der(nlLeaf.certificate), credentialTypes: ['DeathRegistrationCredential'] },
      stack.endpoints.adminApiKey,
    )
    expect(response.status).toBe(400)
    expect(await response.text()).toMatch(/not a CA certificate/)
  })
})
