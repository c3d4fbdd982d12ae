import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AgentContext } from '@credo-ts/core'
import { base64url, type JWK, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL_ADMIN_API_KEY } from '@interop-lab/common/config'
import { loadCredentialTypes } from '@interop-lab/common/credentialTypes'
import { startTrustRegistry } from '@interop-lab/trust-registry'
import { credentialStatusCheck } from '@interop-lab/verifier/checks/credentialStatus'
import { signerIsIssuer } from '@interop-lab/verifier/checks/signerIsIssuer'
import { type AdapterOutcome, type CredentialResult, decide, finding, type PresentationChecks } from '@interop-lab/verifier/decision'
import { checkJwtVpPresentation } from '@interop-lab/verifier/oid4vp/jwtVp'
import { DEFAULT_HOLDER_PROOF_RULES, type KeyResolver } from '@interop-lab/verifier/oid4vp/rules'
import { checkSdJwtPresentation, processDisclosures } from '@interop-lab/verifier/oid4vp/sdJwt'
import { loadPolicies, loadPurposes } from '@interop-lab/verifier/policy'
import { trustRegistryCheck } from '@interop-lab/verifier/trust'
import { ed25519Party as party, type DidJwkParty as Party, disclosure, encode, sha256 } from './support/forging'
import { bindEntityDid } from '@interop-lab/scenarios/onboarding'
import { DEATH_REGISTRATION_CLAIMS as DEATH } from './support/pilotClaims'

/**
 * The decision core and the OID4VP adapters' checks, table-driven: real Ed25519 signatures (jose), a real trust
 * registry over HTTP, the lab's real signer-is-issuer check. A did:jwk is resolved as its method says: the DID is the key.
 */

const types = loadCredentialTypes()
const policies = loadPolicies()
const purposes = loadPurposes()
const policy = policies.get('estate-account-proof-of-death')!
const overAsking = policies.get('estate-account-overreach')!

/** did:jwk resolution (the method's own definition): the DID's identifier is the base64url JWK. */
const resolveDidJwk: KeyResolver = async (didUrl) => {
  const [did] = didUrl.split('#')
  if (!did.startsWith('did:jwk:')) throw new Error(`${didUrl} is not a did:jwk`)
  const { use: _use, ...jwk } = JSON.parse(Buffer.from(did.slice('did:jwk:'.length), 'base64url').toString('utf8')) as JWK
  return jwk
}

const DEATH_VCT = types.get('DeathRegistrationCredential')!.vct
const request = { nonce: 'n-0S6_WzA2Mj', clientId: 'decentralized_identifier:did:jwk:verifier' }
const tools = { types, resolveKey: resolveDidJwk, rules: DEFAULT_HOLDER_PROOF_RULES }

let issuer: Party
let stranger: Party
let holder: Party
let registry: Awaited<ReturnType<typeof startTrustRegistry>>
const dataDir = mkdtempSync(join(tmpdir(), 'decision-core-'))
let checks: PresentationChecks

beforeAll(async () => {
  issuer = await party()
  stranger = await party()
  holder = await party()
  registry = await startTrustRegistry({ dataDir, adminApiKeys: [LOCAL_ADMIN_API_KEY], host: '127.0.0.1' })
  const bound = await bindEntityDid(registry.url, 'nl-vital-statistics', issuer.did, LOCAL_ADMIN_API_KEY)
  expect(bound.ok).toBe(true)
  checks = {
    trust: trustRegistryCheck(registry.url),
    signerIsIssuer: (credential) =>
      signerIsIssuer(credential, {
        issuerKey: async (_issuer, didUrl) => resolveDidJwk(didUrl),
        definitionIssuer: async () => {
          throw new Error('no AnonCreds registry in this test')
        },
        verifyLdpProof: async () => ({ isValid: false, error: 'no JSON-LD in this test' }),
        x509Anchors: async () => [],
      }),
    // the credentials here point to no status list: the real check answers that without any agent
    status: (credential) => credentialStatusCheck(undefined as unknown as AgentContext, credential),
  }
}, 60_000)
afterAll(async () => {
  await registry?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

interface SdJwtVariation {
  signer?: Party
  payload?: (payload: Record<string, unknown>) => void
  presented?: (disclosures: string[]) => string[]
  kb?: (payload: Record<string, unknown>) => void
  kbHeader?: Record<string, unknown>
  withoutKb?: boolean
}

async function sdJwt(variation: SdJwtVariation = {}): Promise<string> {
  const signer = variation.signer ?? issuer
  const disclosures = Object.entries(DEATH).map(([name, value]) => disclosure(name, value))
  const payload: Record<string, unknown> = { iss: signer.did, vct: DEATH_VCT, iat: Math.floor(Date.now() / 1000), cnf: { jwk: holder.jwk }, _sd_alg: 'sha-256', _sd: disclosures.map(sha256) }
  variation.payload?.(payload)
  const issuerJwt = await new SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', typ: 'dc+sd-jwt', kid: signer.kid }).sign(signer.privateKey)
  const presented = `${issuerJwt}~${(variation.presented?.(disclosures) ?? disclosures).map((d) => `${d}~`).join('')}`
  if (variation.withoutKb) return presented
  const kb: Record<string, unknown> = { nonce: request.nonce, aud: request.clientId, sd_hash: sha256(presented), iat: Math.floor(Date.now() / 1000) }
  variation.kb?.(kb)
  return `${presented}${await new SignJWT(kb).setProtectedHeader({ alg: 'EdDSA', typ: 'kb+jwt', ...variation.kbHeader }).sign(holder.privateKey)}`
}

const failedOf = (result: CredentialResult) => result.findings.filter((f) => !f.passed).map((f) => [f.check, f.reason.en])

describe('the SD-JWT VC adapter (RFC 9901 §7, SD-JWT VC, OID4VP 1.0 Appendix B.3)', () => {
  it('passes a well-formed presentation, every finding in English and French', async () => {
    const result = await checkSdJwtPresentation('death', await sdJwt(), request, new Date(), tools)
    expect(failedOf(result)).toEqual([])
    expect(result.findings.map((f) => f.check)).toEqual(['format', 'disclosures', 'holder-binding', 'nonce', 'nonce', 'freshness'])
    for (const f of result.findings) expect(f.reason.fr).not.toBe(f.reason.en)
    expect(result.credential).toMatchObject({ issuer: issuer.did, credentialType: 'DeathRegistrationCredential', claims: DEATH })
  })

  const minutes = (n: number) => Math.floor(Date.now() / 1000) + n * 60
  it.each([
    ['an unreferenced disclosure', { presented: (d: string[]) => [...d, disclosure('extra', 1)] }, 'disclosures', /RFC 9901 §7\.1: 1 disclosure\(s\) not referenced by any digest/],
    ['a duplicate disclosure', { presented: (d: string[]) => [...d, d[1]] }, 'disclosures', /presented twice/],
    ['a duplicate digest', { payload: (p: Record<string, unknown>) => (p._sd = [...(p._sd as string[]), (p._sd as string[])[2]]) }, 'disclosures', /same digest appears twice/],
    ['no key-binding JWT', { withoutKb: true }, 'holder-binding', /RFC 9901 §7\.3: the presentation carries no Key Binding JWT/],
    ['a KB-JWT typ JWT', { kbHeader: { typ: 'JWT' } }, 'holder-binding', /RFC 9901 §4\.3: .*typ is 'JWT', not kb\+jwt/],
    [
      'a KB-JWT by another key',
      { signer: undefined, payload: (p: Record<string, unknown>) => (p.cnf = { jwk: { ...holder.jwk, x: base64url.encode(new Uint8Array(32).fill(7)) } }) },
      'holder-binding',
      /not signed by the key the credential is bound to \(cnf\)/,
    ],
    ['a KB-JWT without sd_hash', { kb: (p: Record<string, unknown>) => delete p.sd_hash }, 'holder-binding', /has no sd_hash/],
    ['a KB-JWT with another sd_hash', { kb: (p: Record<string, unknown>) => (p.sd_hash = sha256('x')) }, 'holder-binding', /sd_hash does not match/],
    ['a KB-JWT for another nonce', { kb: (p: Record<string, unknown>) => (p.nonce = 'other') }, 'nonce', /answers another request \(nonce other\)/],
    ['a KB-JWT for another audience', { kb: (p: Record<string, unknown>) => (p.aud = 'x') }, 'nonce', /addressed to "x", not to this verifier's client_id/],
    ['a KB-JWT 6 minutes old (5 min ± 60 s)', { kb: (p: Record<string, unknown>) => (p.iat = minutes(-6.5)) }, 'freshness', /iat is too old \(window 300 s, ± 60 s\)/],
    ['a KB-JWT 2 minutes ahead', { kb: (p: Record<string, unknown>) => (p.iat = minutes(2)) }, 'freshness', /iat is in the future/],
    ['no cnf', { payload: (p: Record<string, unknown>) => delete p.cnf }, 'holder-binding', /SD-JWT VC §3\.2\.2\.2 \(cnf\): the credential has no cnf key/],
    ['no vct', { payload: (p: Record<string, unknown>) => delete p.vct }, 'format', /SD-JWT VC §3\.2\.2\.1 \(vct\)/],
  ] as [string, SdJwtVariation, string, RegExp][])('names %s', async (_name, variation, check, reason) => {
    const result = await checkSdJwtPresentation('death', await sdJwt(variation), request, new Date(), tools)
    const failed = failedOf(result)
    expect(failed.map(([c]) => c)).toContain(check)
    expect(
      failed
        .filter(([c]) => c === check)
        .map(([, en]) => en)
        .join('\n'),
    ).toMatch(reason)
  })

  it('accepts a KB-JWT 5 minutes old: within the window and the skew', async () => {
    const result = await checkSdJwtPresentation('death', await sdJwt({ kb: (p) => (p.iat = minutes(-5.5)) }), request, new Date(), tools)
    expect(failedOf(result)).toEqual([])
  })

  it.each([
    ['a 2-element disclosure referenced from _sd', () => ({ payload: { _sd: [sha256(encode(['salt', 'v']))] }, disclosures: [encode(['salt', 'v'])] }), /other kind/],
    ['a disclosure naming _sd', () => ({ payload: { _sd: [sha256(encode(['salt', '_sd', 1]))] }, disclosures: [encode(['salt', '_sd', 1])] }), /reserved claim '_sd'/],
    ['a claim disclosed beside itself', () => ({ payload: { a: 1, _sd: [sha256(encode(['salt', 'a', 2]))] }, disclosures: [encode(['salt', 'a', 2])] }), /already exists/],
    ['a disclosure that is not JSON', () => ({ payload: {}, disclosures: ['bm90IGpzb24'] }), /not base64url-encoded JSON/],
  ])('processDisclosures refuses %s (RFC 9901 §7.1)', (_name, make, reason) => {
    const { payload, disclosures } = make()
    expect(() => processDisclosures(payload, disclosures)).toThrow(reason)
  })

  it('processDisclosures puts array elements and nested disclosures in place', () => {
    const element = encode(['s1', 'CA-NL'])
    const nested = encode(['s2', 'street', '1 Water St'])
    const address = encode(['s3', 'address', { _sd: [sha256(nested)] }])
    const { claims } = processDisclosures({ regions: [{ '...': sha256(element) }, { '...': sha256('decoy') }], _sd: [sha256(address)] }, [element, nested, address])
    expect(claims).toEqual({ regions: ['CA-NL'], address: { street: '1 Water St' } })
  })
})

async function jwtVp(options: { vpSigner?: Party; subject?: string; nonce?: string; aud?: string; iat?: number; alg?: string } = {}): Promise<string> {
  const vpSigner = options.vpSigner ?? holder
  const credential = await new SignJWT({
    sub: options.subject ?? holder.did,
    vc: { type: ['VerifiableCredential', 'DeathRegistrationCredential'], issuer: issuer.did, credentialSubject: { id: options.subject ?? holder.did, ...DEATH } },
  })
    .setProtectedHeader({ alg: 'EdDSA', kid: issuer.kid })
    .setIssuer(issuer.did)
    .sign(issuer.privateKey)
  return new SignJWT({ nonce: options.nonce ?? request.nonce, vp: { type: ['VerifiablePresentation'], verifiableCredential: [credential] } })
    .setProtectedHeader({ alg: 'EdDSA', kid: vpSigner.kid })
    .setIssuer(vpSigner.did)
    .setAudience(options.aud ?? request.clientId)
    .setIssuedAt(options.iat ?? Math.floor(Date.now() / 1000))
    .sign(vpSigner.privateKey)
}

describe('the JWT VP adapter (VCDM 1.1 §6.3.1, OID4VP 1.0 Appendix B.1.3)', () => {
  it('passes a well-formed presentation', async () => {
    const [result] = await checkJwtVpPresentation('death', await jwtVp(), request, new Date(), tools)
    expect(failedOf(result)).toEqual([])
    expect(result.findings.map((f) => f.check)).toEqual(['nonce', 'nonce', 'freshness', 'holder-binding'])
    expect(result.credential).toMatchObject({ issuer: issuer.did, credentialType: 'DeathRegistrationCredential', claims: DEATH })
  })

  it.each([
    ['a VP by someone other than the subject', () => jwtVp({ vpSigner: stranger }), 'holder-binding', /not signed by the credential's subject/],
    ['another nonce', () => jwtVp({ nonce: 'replayed' }), 'nonce', /another request \(nonce replayed\)/],
    ['another audience', () => jwtVp({ aud: 'https://rp.example' }), 'nonce', /addressed to "https:\/\/rp\.example"/],
    ['an old iat', () => jwtVp({ iat: Math.floor(Date.now() / 1000) - 3600 }), 'freshness', /iat is too old/],
    ['alg none', async () => `${encode({ alg: 'none', kid: holder.kid })}.${(await jwtVp()).split('.')[1]}.`, 'holder-binding', /alg 'none'.*never none, never HMAC/],
    ['a forged holder signature', async () => `${(await jwtVp()).slice(0, -4)}AAAA`, 'holder-binding', /not signed by did:jwk:.*#0, the key it names/],
  ] as [string, () => Promise<string>, string, RegExp][])('names %s', async (_name, make, check, reason) => {
    const results = await checkJwtVpPresentation('death', await make(), request, new Date(), tools)
    const failed = results.flatMap(failedOf)
    expect(failed.map(([c]) => c)).toContain(check)
    expect(
      failed
        .filter(([c]) => c === check)
        .map(([, en]) => en)
        .join('\n'),
    ).toMatch(reason)
  })
})

/** One decision from the SD-JWT adapter's result, through the core. */
async function decision(result: CredentialResult | undefined, options: { engineError?: string; response?: AdapterOutcome['response']; policyOf?: typeof policy } = {}) {
  return decide(options.policyOf ?? policy, purposes, { response: options.response ?? [], credentials: result ? [result] : [], engineError: options.engineError }, checks)
}

describe('the decision core: decide(policy, results, trust)', () => {
  it('accepts when every finding and every core check passes, and keeps only the claims the policy needs', async () => {
    const d = await decision(await checkSdJwtPresentation('death', await sdJwt(), request, new Date(), tools))
    expect(d.outcome, d.reasons.join('; ')).toBe('accepted')
    expect(d.trace.map((s) => s.check)).toEqual(['minimization', 'format', 'disclosures', 'holder-binding', 'nonce', 'nonce', 'freshness', 'claims', 'signature', 'trust-registry'])
    expect(d.disclosed).toEqual({ death: { registration_number: 'NL-2026-0099', deceased_given_name: 'Agnes', deceased_family_name: 'Whelan', date_of_death: '2026-03-01', jurisdiction: 'CA-NL' } })
    for (const step of d.trace) expect(step.messageFr, step.message).toMatch(/\S/)
  })

  it.each([
    ['an adapter finding that failed', async () => decision(await checkSdJwtPresentation('death', await sdJwt({ kb: (p) => (p.nonce = 'x') }), request, new Date(), tools)), ['nonce']],
    ['no credential for a query', async () => decision(undefined), ['claims']],
    ['a credential that could not be read', async () => decision({ queryId: 'death', findings: [finding('format', false, { en: 'unreadable', fr: 'illisible' })] }), ['format']],
    ['an issuer the registry does not know', async () => decision(await checkSdJwtPresentation('death', await sdJwt({ signer: stranger }), request, new Date(), tools)), ['trust-registry']],
    [
      'an issuer JWT signed by another key than its kid',
      async () => {
        const result = await checkSdJwtPresentation('death', await sdJwt(), request, new Date(), tools)
        const { proof } = result.credential!
        const forged = { ...result, credential: { ...result.credential!, proof: { kind: 'jws' as const, jws: `${(proof as { jws: string }).jws.slice(0, -4)}AAAA` } } }
        return decision(forged)
      },
      ['signature'],
    ],
    [
      'an expired credential',
      async () => decision(await checkSdJwtPresentation('death', await sdJwt({ payload: (p) => (p.exp = Math.floor(Date.now() / 1000) - 60) }), request, new Date(), tools)),
      ['expiry'],
    ],
    [
      'a library refusal none of the checks explains',
      async () => decision(await checkSdJwtPresentation('death', await sdJwt(), request, new Date(), tools), { engineError: 'estate of the session is unknown' }),
      ['response'],
    ],
    [
      'an over-asking policy (what it should not have asked is not kept)',
      async () => {
        const d = await decision(await checkSdJwtPresentation('death', await sdJwt({ payload: (p) => (p.cause_of_death = 'natural') }), request, new Date(), tools), { policyOf: overAsking })
        expect(d.disclosed.death).not.toHaveProperty('cause_of_death')
        return d
      },
      ['minimization', 'claims'],
    ],
  ] as [string, () => Promise<Awaited<ReturnType<typeof decision>>>, string[]][])('rejects on %s, naming exactly that check', async (_name, run, failedChecks) => {
    const d = await run()
    expect(d.outcome).toBe('rejected')
    expect(d.failedChecks).toEqual(failedChecks)
    expect(d.reasonsFr).toHaveLength(d.reasons.length)
  })

  it('quotes a library refusal as a response line (never classified from its words: "estate" is not a nonce)', async () => {
    const d = await decision(await checkSdJwtPresentation('death', await sdJwt(), request, new Date(), tools), { engineError: 'estate of the session is unknown' })
    expect(d.trace[0]).toMatchObject({ check: 'response', passed: false, message: 'The protocol library refused the response: estate of the session is unknown' })
    expect(d.engineError).toBe('estate of the session is unknown')
  })

  it('adds no line of its own for a library refusal when one of the lab’s checks already failed', async () => {
    const d = await decision(await checkSdJwtPresentation('death', await sdJwt({ kb: (p) => delete p.sd_hash }), request, new Date(), tools), { engineError: 'sd_hash missing' })
    expect(d.failedChecks).toEqual(['holder-binding'])
  })

  it('writes no line the adapters did not compute: no holder-binding or nonce line without a finding', async () => {
    const result = await checkSdJwtPresentation('death', await sdJwt(), request, new Date(), tools)
    const d = await decision({ ...result, findings: [] })
    expect(d.trace.map((s) => s.check)).toEqual(['minimization', 'claims', 'signature', 'trust-registry'])
  })
})
