import { readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { createHmac } from 'node:crypto'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '@interop-lab/common/db'
import type { Decision } from '@interop-lab/verifier/decision'
import { forgetStaleResponses } from '@interop-lab/verifier/responses'
import { verificationMigrations } from '@interop-lab/verifier/sessions'
import { type AuthorizationRequest, openOid4vpRequest } from './support/oid4vpRequest'
import { startTestStack } from './support/stack'
import { ed25519Party as party, type DidJwkParty as Party, disclosure, encode, sha256 } from './support/forging'
import { bindEntityDid } from '@interop-lab/scenarios/onboarding'

/**
 * Every step of RFC 9901 §7 and SD-JWT VC, over real HTTP against the real verifier. The test issuer is a key pair of
 * our own, bound in the real trust registry as the NL vital statistics registrar, so a well-formed presentation is
 * accepted and each attack differs from it by exactly one fault, which the decision must name with its clause.
 */

let stack: Awaited<ReturnType<typeof startTestStack>>

let issuer: Party
const DEATH_VCT = 'https://interop-lab.ca/credentials/death-registration'
const DEATH = {
  registration_number: 'NL-2026-0042',
  deceased_given_name: 'Agnes',
  deceased_family_name: 'Whelan',
  date_of_death: '2026-03-01',
  deceased_birth_date: '1931-05-09',
  jurisdiction: 'CA-NL',
}

/** What an attack changes in an otherwise well-formed presentation. */
interface Variation {
  issuerHeader?: Record<string, unknown>
  /** Changes the issuer-signed payload (after the digests are in). */
  payload?: (payload: Record<string, unknown>) => void
  /** Changes the list of disclosures presented (after the issuer signed). */
  presented?: (disclosures: string[]) => string[]
  kbHeader?: Record<string, unknown>
  kbPayload?: (payload: Record<string, unknown>) => void
  /** Signs the key-binding JWT some other way than with the holder's key. */
  kbSign?: (header: Record<string, unknown>, payload: Record<string, unknown>) => string
}

async function presentation(request: AuthorizationRequest, holder: Party, variation: Variation = {}): Promise<string> {
  const disclosures = Object.entries(DEATH).map(([name, value]) => disclosure(name, value))
  const payload: Record<string, unknown> = { iss: issuer.did, vct: DEATH_VCT, iat: Math.floor(Date.now() / 1000) - 60, cnf: { jwk: holder.jwk }, _sd_alg: 'sha-256', _sd: disclosures.map(sha256) }
  variation.payload?.(payload)
  const issuerJwt = await new SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', typ: 'dc+sd-jwt', kid: issuer.kid, ...variation.issuerHeader }).sign(issuer.privateKey)
  const presented = `${issuerJwt}~${(variation.presented?.(disclosures) ?? disclosures).map((d) => `${d}~`).join('')}`
  const kbPayload: Record<string, unknown> = { nonce: request.nonce, aud: request.client_id, sd_hash: sha256(presented), iat: Math.floor(Date.now() / 1000) }
  variation.kbPayload?.(kbPayload)
  const kbHeader = { alg: 'EdDSA', typ: 'kb+jwt', ...variation.kbHeader }
  const keyBinding = variation.kbSign ? variation.kbSign(kbHeader, kbPayload) : await new SignJWT(kbPayload).setProtectedHeader(kbHeader as { alg: string }).sign(holder.privateKey)
  return `${presented}${keyBinding}`
}

async function respond(request: AuthorizationRequest, vpToken: string): Promise<Response> {
  return fetch(request.response_uri, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ vp_token: JSON.stringify({ death: [vpToken] }), state: request.state }).toString(),
  })
}

async function decisionOf(id: string): Promise<Decision> {
  const answer = await fetch(`${stack.verifier.url}/verifications/${id}`)
  expect(answer.status).toBe(200)
  return ((await answer.json()) as { decision: Decision }).decision
}

async function decide(variation: Variation = {}): Promise<Decision> {
  const holder = await party()
  const { id, request } = await openOid4vpRequest(stack.verifier.url, 'estate-account-proof-of-death', 'dc+sd-jwt')
  await respond(request, await presentation(request, holder, variation))
  return decisionOf(id)
}

beforeAll(async () => {
  stack = await startTestStack()
  issuer = await party()
  // our test issuer becomes the registrar the registry vouches for: a well-formed presentation is then accepted
  const bound = await bindEntityDid(stack.registries!.get('CA-NL')!.url, 'nl-vital-statistics', issuer.did, stack.endpoints.adminApiKey)
  expect(bound.ok).toBe(true)
}, 120_000)
afterAll(async () => {
  await stack?.close()
})

const minutes = (n: number) => Math.floor(Date.now() / 1000) + n * 60

describe('a well-formed SD-JWT VC presentation', () => {
  it('is accepted, every step of RFC 9901 §7 and SD-JWT VC named in the trace, in English and French', async () => {
    const decision = await decide()
    expect(decision.outcome, decision.reasons.join('; ')).toBe('accepted')
    const checks = decision.trace.map((step) => step.check)
    for (const check of ['format', 'disclosures', 'holder-binding', 'nonce', 'freshness', 'signature', 'trust-registry']) expect(checks).toContain(check)
    expect(decision.trace.find((s) => s.check === 'disclosures')).toMatchObject({ passed: true, clause: 'RFC 9901 §7.1' })
    for (const step of decision.trace) expect(step.messageFr.length).toBeGreaterThan(0)
    // only what the policy asked for and its purpose needs: the birth date (not asked) is not kept
    expect(decision.disclosed.death).toEqual({ registration_number: 'NL-2026-0042', deceased_given_name: 'Agnes', deceased_family_name: 'Whelan', date_of_death: '2026-03-01', jurisdiction: 'CA-NL' })
  })
})

const ATTACKS: [string, Variation, string, RegExp, RegExp][] = [
  [
    'a disclosure no digest references',
    { presented: (d) => [...d, disclosure('cause_of_death', 'none of your business')] },
    'disclosures',
    /^RFC 9901 §7\.1: 1 disclosure\(s\) not referenced by any digest/,
    /^RFC 9901 §7\.1 : 1 divulgation/,
  ],
  ['the same disclosure twice', { presented: (d) => [...d, d[0]] }, 'disclosures', /^RFC 9901 §7\.1: the same disclosure is presented twice/, /deux fois/],
  [
    'the same digest twice in the signed payload',
    { payload: (p) => (p._sd = [...(p._sd as string[]), (p._sd as string[])[0]]) },
    'disclosures',
    /^RFC 9901 §7\.1: the same digest appears twice/,
    /deux fois/,
  ],
  ['no vct', { payload: (p) => delete p.vct }, 'format', /^SD-JWT VC §3\.2\.2\.1 \(vct\): the credential has no vct/, /vct/],
  ['an unsupported _sd_alg', { payload: (p) => (p._sd_alg = 'md5') }, 'disclosures', /^RFC 9901 §7\.1: _sd_alg 'md5' is not supported/, /md5/],
  ['a key-binding JWT made 10 minutes ago', { kbPayload: (p) => (p.iat = minutes(-10)) }, 'freshness', /^RFC 9901 §7\.3: the Key Binding JWT's iat is too old \(window 300 s, ± 60 s\)/, /trop ancien/],
  ['a key-binding JWT dated 10 minutes ahead', { kbPayload: (p) => (p.iat = minutes(10)) }, 'freshness', /^RFC 9901 §7\.3: the Key Binding JWT's iat is in the future/, /futur/],
  ['a key-binding JWT without iat', { kbPayload: (p) => delete p.iat }, 'freshness', /^RFC 9901 §7\.3: the Key Binding JWT has no iat/, /iat/],
  ['a key-binding JWT without sd_hash', { kbPayload: (p) => delete p.sd_hash }, 'holder-binding', /^RFC 9901 §7\.3: the Key Binding JWT has no sd_hash/, /sd_hash/],
  [
    'a key-binding JWT over other disclosures (sd_hash mismatch)',
    { kbPayload: (p) => (p.sd_hash = sha256('something else~')) },
    'holder-binding',
    /^RFC 9901 §7\.3: the Key Binding JWT sd_hash does not match/,
    /ne correspond pas/,
  ],
  ['a key-binding JWT typed JWT', { kbHeader: { typ: 'JWT' } }, 'holder-binding', /^RFC 9901 §4\.3: the Key Binding JWT's typ is 'JWT', not kb\+jwt/, /kb\+jwt/],
  [
    'a key-binding JWT with alg none',
    { kbSign: (h, p) => `${encode({ ...h, alg: 'none' })}.${encode(p)}.` },
    'holder-binding',
    /^RFC 9901 §7\.3: the Key Binding JWT is signed with alg 'none'.*never none, never HMAC/,
    /jamais none ni HMAC/,
  ],
  [
    'a key-binding JWT MACed with HS256 over the holder’s public key',
    {
      kbSign: (h, p) => {
        const input = `${encode({ ...h, alg: 'HS256' })}.${encode(p)}`
        return `${input}.${createHmac('sha256', 'public').update(input).digest('base64url')}`
      },
    },
    'holder-binding',
    /alg 'HS256'/,
    /HS256/,
  ],
  [
    'a key-binding JWT for another audience',
    { kbPayload: (p) => (p.aud = 'https://elsewhere.example') },
    'nonce',
    /^OID4VP 1\.0 Appendix B\.3 \(key binding: nonce, aud\): the Key Binding JWT is addressed to "https:\/\/elsewhere\.example", not to this verifier's client_id/,
    /adressé/,
  ],
  [
    'a key-binding JWT for another request (nonce)',
    { kbPayload: (p) => (p.nonce = 'another-nonce') },
    'nonce',
    /^OID4VP 1\.0 Appendix B\.3 \(key binding: nonce, aud\): the Key Binding JWT answers another request \(nonce another-nonce\)/,
    /autre demande/,
  ],
  [
    'a credential bound (cnf) to another key than the one signing the key-binding JWT',
    // RFC 8037 Appendix A.2's Ed25519 public key: not the holder's
    { payload: (p) => (p.cnf = { jwk: { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' } }) },
    'holder-binding',
    /^RFC 9901 §7\.3: the Key Binding JWT is not signed by the key the credential is bound to \(cnf\)/,
    /n’est pas signé par la clé/,
  ],
  ['a credential without cnf', { payload: (p) => delete p.cnf }, 'holder-binding', /^SD-JWT VC §3\.2\.2\.2 \(cnf\): the credential has no cnf key/, /cnf/],
  [
    'an issuer JWT typed vc+sd-jwt (an older SD-JWT VC draft)',
    { issuerHeader: { typ: 'vc+sd-jwt' } },
    'spec-version',
    /^SD-JWT VC §3\.1 \(typ dc\+sd-jwt\): typ is vc\+sd-jwt \(SD-JWT VC drafts up to 05\)/,
    /brouillons/,
  ],
  ['an issuer JWT typed JWT', { issuerHeader: { typ: 'JWT' } }, 'format', /^SD-JWT VC §3\.1 \(typ dc\+sd-jwt\): typ is 'JWT', not dc\+sd-jwt/, /pas dc\+sd-jwt/],
]

describe.each(ATTACKS)('an SD-JWT VC presentation with %s', (_name, variation, check, reason, reasonFr) => {
  it(`is refused on the ${check} check, naming the clause in English and French`, async () => {
    const decision = await decide(variation)
    expect(decision.outcome).toBe('rejected')
    expect(decision.failedChecks).toContain(check)
    const failed = decision.trace.filter((step) => step.check === check && !step.passed)
    expect(failed.map((s) => s.message).join('\n')).toMatch(reason)
    expect(failed.map((s) => s.messageFr).join('\n')).toMatch(reasonFr)
    expect(decision.reasonsFr.length).toBe(decision.reasons.length)
  })
})

describe('the status disclosure case', () => {
  it('is refused even when the status disclosure is presented (never selectively disclosed)', async () => {
    let statusDisclosure = ''
    const decision = await decide({
      payload: (p) => {
        statusDisclosure = disclosure('status', { status_list: { idx: 0, uri: 'https://x' } })
        ;(p._sd as string[]).push(sha256(statusDisclosure))
      },
      presented: (d) => [...d, statusDisclosure],
    })
    expect(decision.failedChecks).toContain('disclosures')
    expect(decision.reasons.join('\n')).toMatch(/SD-JWT VC §3\.2\.2\.2 .*'status' is selectively disclosed/)
  })
})

describe('privacy: the raw response is kept only until the decision', () => {
  it('leaves no trace of the vp_token in the verifier database file once decided', async () => {
    const holder = await party()
    const { id, request } = await openOid4vpRequest(stack.verifier.url, 'estate-account-proof-of-death', 'dc+sd-jwt')
    const vpToken = await presentation(request, holder)
    expect((await respond(request, vpToken)).status).toBe(200)
    const decision = await decisionOf(id)
    expect(decision.outcome, decision.reasons.join('; ')).toBe('accepted')
    // the key-binding JWT's signature and an undisclosed-by-policy claim's disclosure are unique to this response
    const kbSignature = vpToken.split('~').at(-1)!.split('.')[2]
    const birthDisclosure = vpToken.split('~').find((part) => !part.includes('.') && Buffer.from(part, 'base64url').toString().includes('deceased_birth_date'))
    const file = join(stack.dataDir, 'verifier.sqlite')
    const bytes = Buffer.concat([file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f)))
    expect(bytes.includes(kbSignature)).toBe(false)
    expect(birthDisclosure).toBeDefined()
    expect(bytes.includes(birthDisclosure!)).toBe(false)
    expect(bytes.includes('1931-05-09')).toBe(false)
    // and the minimization line's promise holds: what was not needed is not in the decision either
    expect(JSON.stringify(decision)).not.toContain('1931-05-09')
  })
})

describe('retention: an undecided response is not kept forever', () => {
  it('forgets the responses older than the retention limit, and only those, each row kept as its request’s marker', async () => {
    const db = await openDatabase({ engine: 'sqlite', file: join(stack.dataDir, 'retention.sqlite') }, verificationMigrations)
    try {
      const now = new Date('2026-12-04T12:00:00Z')
      const at = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * 60_000).toISOString()
      for (const [state, minutesAgo] of [
        ['old', 61],
        ['fresh', 59],
      ] as const) {
        await db.run('INSERT INTO verification_responses (state, vp_token, received_at) VALUES (?, ?, ?)', [state, '{"death":["x~"]}', at(minutesAgo)])
      }
      expect(await forgetStaleResponses(db, 60 * 60_000, now)).toBe(1)
      expect(await db.query('SELECT state, vp_token, forgotten FROM verification_responses ORDER BY state')).toEqual([
        { state: 'fresh', vp_token: '{"death":["x~"]}', forgotten: 0 },
        { state: 'old', vp_token: '', forgotten: 1 },
      ])
    } finally {
      await db.close()
    }
  })
})
