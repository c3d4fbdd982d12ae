import { DidJwk, Kms } from '@credo-ts/core'
import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MultibaseEncoding, multibaseEncode, resolveDIDFromLog } from 'didwebvh-ts'
import { canonicalize } from 'json-canonicalize'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL_ADMIN_API_KEY } from '@interop-lab/common/config'
import { createAgent } from '@interop-lab/common/agent'
import { webvhUrl } from '@interop-lab/common/net/webvhDidResolver'
import { loadPersonas, startWalletService, type WalletService } from '@interop-lab/wallet-sim'
import { webvhLocation } from '@interop-lab/issuer/anoncreds/webvh'
import { call } from './support/call'
import { BUSINESS_CLAIMS, PERSON_CLAIMS } from './support/pilotClaims'
import { startTestStack } from './support/stack'

// Each jurisdiction's AnonCreds objects under its did:webvh (issue 17): the log and the attested resources served by the
// issuer over HTTP, checked here with didwebvh-ts and node:crypto, and resolved over HTTP by a wallet and a verifier that
// hold no copy of them.

let stack: Awaited<ReturnType<typeof startTestStack>>
/** A wallet of its own data directory: no file registry, no copy of any AnonCreds object. */
let wallet: WalletService
let walletDir: string
let issuers: { key: string; did: string; webvhDid: string }[]

/** The anoncreds offer attached to a DIDComm offer URL: its schema and credential definition ids. */
function attachedAnonCredsOffer(offerUri: string): { schema_id: string; cred_def_id: string } {
  const decode = (base64: string) => JSON.parse(Buffer.from(base64, 'base64').toString('utf8')) as Record<string, unknown>
  const invitation = JSON.parse(Buffer.from(new URL(offerUri).searchParams.get('oob')!, 'base64url').toString('utf8')) as { 'requests~attach': { data: { base64: string } }[] }
  const offer = decode(invitation['requests~attach'][0]!.data.base64) as { 'offers~attach': { data: { base64: string } }[] }
  return decode(offer['offers~attach'][0]!.data.base64) as { schema_id: string; cred_def_id: string }
}

/** An Ed25519 signature check with node:crypto, for didwebvh-ts. */
const nodeVerifier = {
  async verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) {
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' })
    return verifySignature(null, message, key, signature)
  },
}

const issuer = (key: string) => issuers.find((i) => i.key === key)!

beforeAll(async () => {
  stack = await startTestStack()
  walletDir = mkdtempSync(join(tmpdir(), 'interop-webvh-wallet-'))
  wallet = await startWalletService({ dataDir: walletDir, personas: loadPersonas().filter((p) => p.id === 'business-owner') })
  ;({ issuers } = (await call('GET', `${stack.issuer.url}/issuers`)).body as { issuers: typeof issuers })
}, 120_000)
afterAll(async () => {
  await wallet?.close()
  await stack?.close()
  if (walletDir) rmSync(walletDir, { recursive: true, force: true })
})

describe('AnonCreds under did:webvh, served by the lab issuer', () => {
  it("gives each jurisdiction a did:webvh whose log, served at the path the DID maps to, verifies and names the jurisdiction's own key", async () => {
    const { port } = new URL(stack.issuer.url)
    for (const { key, did, webvhDid } of issuers) {
      // did:webvh allows no IP host: the lab on loopback names itself localhost
      expect(webvhDid).toMatch(new RegExp(`^did:webvh:[1-9A-HJ-NP-Za-km-z]+:localhost%3A${port}:issuers:${key}$`))
      const response = await fetch(`${stack.issuer.url}/issuers/${key}/did.jsonl`)
      expect(response.headers.get('content-type')).toMatch(/^text\/jsonl/)
      const log = (await response.text())
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Parameters<typeof resolveDIDFromLog>[0][number])
      const { doc, meta } = await resolveDIDFromLog(log, { verifier: nodeVerifier, scid: webvhDid.split(':')[2], requestedDid: webvhDid })
      expect(meta.error, JSON.stringify(meta.problemDetails)).toBeUndefined()
      expect(doc.id).toBe(webvhDid)
      // the key the trust registry binds through the jurisdiction's did:jwk
      const [assertion] = doc.assertionMethod as string[]
      const method = (doc.verificationMethod as { id: string; publicKeyMultibase: string }[]).find((m) => m.id === assertion)!
      expect(method.publicKeyMultibase).toBe(DidJwk.fromDid(did).publicJwk.fingerprint)
    }
  })

  it('offers under credential definitions published as attested resources of the did:webvh, whose content the id digests', async () => {
    const { webvhDid } = issuer('bc-registries')
    const offer = await call(
      'POST',
      `${stack.issuer.url}/issuers/bc-registries/offers`,
      { credentialType: 'BusinessRegistrationCredential', claims: BUSINESS_CLAIMS, format: 'anoncreds', protocol: 'didcomm' },
      LOCAL_ADMIN_API_KEY,
    )
    expect(offer.status).toBe(201)
    const { schema_id, cred_def_id } = attachedAnonCredsOffer(String(offer.body.offerUri))
    for (const [id, kind] of [
      [schema_id, 'anonCredsSchema'],
      [cred_def_id, 'anonCredsCredDef'],
    ] as const) {
      expect(id.startsWith(`${webvhDid}/resources/`)).toBe(true)
      const digest = id.split('/').at(-1)!
      const resource = (await call('GET', `${stack.issuer.url}/issuers/bc-registries/resources/${digest}`)).body as {
        type: string[]
        id: string
        content: { issuerId: string }
        metadata: { resourceType: string }
        proof: { cryptosuite: string; verificationMethod: string }
      }
      expect(resource).toMatchObject({ type: ['AttestedResource'], id, metadata: { resourceType: kind }, proof: { cryptosuite: 'eddsa-jcs-2022' } })
      expect(resource.content.issuerId).toBe(webvhDid)
      expect(resource.proof.verificationMethod.startsWith(`${webvhDid}#`)).toBe(true)
      // DID Attested Resources: the resource id is the multibase SHA-256 multihash of the JCS-canonical content
      const multihash = new Uint8Array([0x12, 0x20, ...createHash('sha256').update(canonicalize(resource.content)).digest()])
      expect(multibaseEncode(multihash, MultibaseEncoding.BASE58_BTC)).toBe(digest)
    }
    expect((await call('GET', `${stack.issuer.url}/issuers/bc-registries/resources/zQmUnknown`)).status).toBe(404)
  })

  it('a wallet with no copy of any AnonCreds object resolves them over HTTP, and the verifier accepts, asking the registry about the same key', async () => {
    for (const [key, credentialType, claims] of [
      ['bc-registries', 'BusinessRegistrationCredential', BUSINESS_CLAIMS],
      ['bc-person-credential', 'VerifiedPersonCredential', PERSON_CLAIMS],
    ] as const) {
      const offer = await call('POST', `${stack.issuer.url}/issuers/${key}/offers`, { credentialType, claims, format: 'anoncreds', protocol: 'didcomm' }, LOCAL_ADMIN_API_KEY)
      const accepted = await call('POST', `${wallet.url}/personas/business-owner/offers`, { offerUri: offer.body.offerUri })
      expect(accepted.status, JSON.stringify(accepted.body)).toBe(201)
    }
    // nothing was read from, or written to, a file registry in the wallet's data directory
    const registryDir = join(walletDir, 'anoncreds-registry')
    expect(existsSync(registryDir) ? readdirSync(registryDir, { recursive: true }) : []).toEqual([])
    const { credentials } = (await call('GET', `${wallet.url}/personas/business-owner/credentials`)).body as { credentials: { format: string; issuer: string }[] }
    expect(
      credentials
        .filter((c) => c.format === 'anoncreds')
        .map((c) => c.issuer.split('/resources/')[0])
        .sort(),
    ).toEqual([issuer('bc-person-credential').webvhDid, issuer('bc-registries').webvhDid].sort())

    const verification = await call('POST', `${stack.verifier.url}/verifications`, { policyId: 'open-business-account', format: 'anoncreds', protocol: 'didcomm' })
    expect(verification.status).toBe(201)
    for (const requestUri of verification.body.requestUris as string[]) {
      const answer = await call('POST', `${wallet.url}/personas/business-owner/presentations`, { requestUri })
      expect(answer.body, JSON.stringify(answer.body)).toMatchObject({ submitted: true })
    }
    const decided = (await call('GET', `${stack.verifier.url}/verifications/${verification.body.id}`)).body
    const decision = decided.decision as { outcome: string; trace: { check: string; subject?: string; passed: boolean; message: string; clause?: string }[] }
    expect(decision.outcome, JSON.stringify(decision.trace, null, 1)).toBe('accepted')
    const definers = decision.trace.filter((step) => step.clause === 'AnonCreds v1.0, Credential Definition (issuerId)')
    expect(definers.map((step) => step.message)).toEqual([
      `The issuer's signature on business verifies: AnonCreds v1.0, Credential Definition (issuerId): the credential definition is published by the issuer ${issuer('bc-registries').webvhDid}`,
      `The issuer's signature on person verifies: AnonCreds v1.0, Credential Definition (issuerId): the credential definition is published by the issuer ${issuer('bc-person-credential').webvhDid}`,
    ])
    expect(decision.trace.filter((step) => step.check === 'trust-registry').map((step) => step.passed)).toEqual([true, true])
  })

  it('resolves the did:webvh over HTTP with a fresh agent, and refuses a DID whose SCID the log does not bear (did:webvh v1.0, SCID verification)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'interop-webvh-agent-'))
    const { agent, shutdown } = await createAgent({ database: { engine: 'sqlite', file: join(dataDir, 'agent.sqlite') }, dataDir, modules: {}, allowInsecureHttp: true })
    try {
      const { webvhDid, did } = issuer('nl-vital-statistics')
      const resolved = await agent.dids.resolve(webvhDid)
      expect(resolved.didResolutionMetadata.error).toBeUndefined()
      const [method] = resolved.didDocument!.verificationMethod ?? []
      expect(Kms.PublicJwk.fromFingerprint(method!.publicKeyMultibase!).equals(DidJwk.fromDid(did).publicJwk)).toBe(true)
      // the same log, under another SCID: the first entry's SCID check fails
      const [, , scid, ...rest] = webvhDid.split(':')
      const forged = ['did', 'webvh', `${scid!.slice(0, -4)}AAAA`, ...rest].join(':')
      const refused = await agent.dids.resolve(forged)
      expect(refused.didDocument).toBeNull()
      expect(refused.didResolutionMetadata).toMatchObject({ error: 'notFound', message: expect.stringMatching(/does not verify|SCID/i) })
    } finally {
      await shutdown()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})

describe('did:webvh locations (did:webvh v1.0, The DID to HTTPS Transformation)', () => {
  it('maps a DID, its log and its resources to URLs: https, a port from %3A, path segments, localhost read at 127.0.0.1', () => {
    expect(webvhUrl('did:webvh:QmScid:example.ca').href).toBe('https://example.ca/.well-known/did.jsonl')
    expect(webvhUrl('did:webvh:QmScid:example.ca%3A8443:issuers:bc-registries').href).toBe('https://example.ca:8443/issuers/bc-registries/did.jsonl')
    expect(webvhUrl('did:webvh:QmScid:example.ca:issuers:bc/resources/zQmDigest').href).toBe('https://example.ca/issuers/bc/resources/zQmDigest')
    expect(webvhUrl('did:webvh:QmScid:localhost%3A4200:issuers:bc').href).toBe('http://127.0.0.1:4200/issuers/bc/did.jsonl')
    // plain http only for a service that takes http URLs itself (one served over http)
    expect(webvhUrl('did:webvh:QmScid:issuer%3A4200:issuers:bc', true).href).toBe('http://issuer:4200/issuers/bc/did.jsonl')
    expect(() => webvhUrl('did:web:example.ca')).toThrow(/not a did:webvh DID/)
    expect(() => webvhUrl('did:webvh:QmScid:example.ca:..:secret')).toThrow(/names no plain host and path/)
  })

  it("places a jurisdiction's DID under the issuer's public URL, and refuses an IP address host, saying what to do", () => {
    expect(webvhLocation('http://127.0.0.1:4200', 'bc-registries')).toEqual({ domain: 'localhost%3A4200', paths: ['issuers', 'bc-registries'] })
    expect(webvhLocation('https://lab.gov.bc.ca/interop', 'bc-registries')).toEqual({ domain: 'lab.gov.bc.ca', paths: ['interop', 'issuers', 'bc-registries'] })
    expect(webvhLocation('http://10.0.0.5:4200', 'bc-registries')).toEqual({ unsupported: expect.stringMatching(/did:webvh allows no IP address as a host.*--public-url with a host name/) })
  })
})
