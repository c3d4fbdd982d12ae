import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Decision } from '@interop-lab/verifier/decision'
import { type AuthorizationRequest, openOid4vpRequest } from './support/oid4vpRequest'
import { startTestStack } from './support/stack'
import { ed25519Party as party, type DidJwkParty as Party } from './support/forging'
import { bindEntityDid } from '@interop-lab/scenarios/onboarding'

/**
 * OID4VP 1.0 final at the real verifier, over real HTTP: the request object it signs, and how it judges W3C JWT VPs
 * and wallet mistakes. The test issuer is bound in the real trust registry as the NL registrar, so a well-formed
 * presentation is accepted and each fault below is the only thing wrong.
 */

let stack: Awaited<ReturnType<typeof startTestStack>>

let issuer: Party
const DEATH = { registration_number: 'NL-2026-0077', deceased_given_name: 'Agnes', deceased_family_name: 'Whelan', date_of_death: '2026-03-01', jurisdiction: 'CA-NL' }

interface VpVariation {
  nonce?: string
  aud?: string
  iat?: number
  exp?: number
  /** Who signs the credential (default the NL registrar bound in the trust registry). */
  signer?: Party
  /** The credential's subject claims (default DEATH). */
  claims?: Record<string, string>
}

async function jwtVp(request: AuthorizationRequest, holder: Party, variation: VpVariation = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  const signer = variation.signer ?? issuer
  const credential = await new SignJWT({
    sub: holder.did,
    vc: {
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      type: ['VerifiableCredential', 'DeathRegistrationCredential'],
      issuer: signer.did,
      issuanceDate: new Date((now - 60) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      credentialSubject: { id: holder.did, ...(variation.claims ?? DEATH) },
    },
  })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: signer.kid })
    .setIssuer(signer.did)
    .setNotBefore(now - 60)
    .sign(signer.privateKey)
  const vp = new SignJWT({
    nonce: variation.nonce ?? request.nonce,
    vp: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiablePresentation'], holder: holder.did, verifiableCredential: [credential] },
  })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: holder.kid })
    .setIssuer(holder.did)
    .setAudience(variation.aud ?? request.client_id)
    .setIssuedAt(variation.iat ?? now)
  if (variation.exp !== undefined) vp.setExpirationTime(variation.exp)
  return vp.sign(holder.privateKey)
}

const post = (request: AuthorizationRequest, form: Record<string, string>) =>
  fetch(request.response_uri, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() })

async function verification(id: string): Promise<{ status: number; body: { state: string; decision?: Decision } }> {
  const answer = await fetch(`${stack.verifier.url}/verifications/${id}`)
  return { status: answer.status, body: await answer.json() }
}

beforeAll(async () => {
  stack = await startTestStack()
  issuer = await party()
  const bound = await bindEntityDid(stack.registries!.get('CA-NL')!.url, 'nl-vital-statistics', issuer.did, stack.endpoints.adminApiKey)
  expect(bound.ok).toBe(true)
}, 120_000)
afterAll(async () => {
  await stack?.close()
})

describe('the request object (OID4VP 1.0)', () => {
  it('is addressed to https://self-issued.me/v2 (§5.8, static discovery: the wallet fetched it with GET)', async () => {
    const { request, header } = await openOid4vpRequest(stack.verifier.url, 'estate-account-proof-of-death', 'jwt_vc_json')
    expect(header.typ).toBe('oauth-authz-req+jwt')
    expect(request.aud).toBe('https://self-issued.me/v2')
  })

  it.each(['jwt_vc_json', 'dc+sd-jwt'] as const)('advertises for %s only fully specified asymmetric algorithms, each once (no HS*, not EdDSA beside Ed25519)', async (format) => {
    const { request } = await openOid4vpRequest(stack.verifier.url, 'estate-account-proof-of-death', format)
    const parameters = request.client_metadata.vp_formats_supported[format]
    expect(Object.keys(parameters).length).toBeGreaterThan(0)
    for (const [name, algorithms] of Object.entries(parameters)) {
      if (!name.endsWith('alg_values')) continue
      expect(
        algorithms.filter((alg) => /^HS|^none$|^EdDSA$/.test(alg)),
        name,
      ).toEqual([])
      expect(new Set(algorithms).size, name).toBe(algorithms.length)
      expect(algorithms, name).toContain('Ed25519')
    }
  })
})

describe('a W3C JWT VP (jwt_vc_json)', () => {
  it('well formed, is accepted with nonce, aud and freshness named in the trace', async () => {
    const { id, request } = await openOid4vpRequest(stack.verifier.url, 'estate-account-proof-of-death', 'jwt_vc_json')
    expect((await post(request, { vp_token: JSON.stringify({ death: [await jwtVp(request, await party())] }), state: request.state })).status).toBe(200)
    const { body } = await verification(id)
    expect(body.decision!.outcome, body.decision!.reasons.join('; ')).toBe('accepted')
    expect(
      body
        .decision!.trace.filter((s) => s.check === 'nonce')
        .map((s) => s.message)
        .join(' '),
    ).toMatch(/\(nonce\).*\(aud\)/)
    expect(body.decision!.trace.find((s) => s.check === 'freshness')).toMatchObject({ passed: true })
  })

  const minutes = (n: number) => Math.floor(Date.now() / 1000) + n * 60
  it.each([
    ['for another request (nonce)', { nonce: 'another-nonce' }, 'nonce', /OID4VP 1\.0 Appendix B\.1\.3 \(JWT VP: nonce, aud\): the presentation answers another request \(nonce another-nonce\)/],
    [
      'for another verifier (aud)',
      { aud: 'https://elsewhere.example' },
      'nonce',
      /OID4VP 1\.0 Appendix B\.1\.3 \(JWT VP: nonce, aud\): the presentation is addressed to "https:\/\/elsewhere\.example", not to this verifier's client_id/,
    ],
    ['expired (exp)', { exp: minutes(-5) }, 'freshness', /RFC 7519 §4\.1\.4\/§4\.1\.6 \(exp, iat\): the presentation expired at/],
    ['made an hour ago (iat)', { iat: minutes(-60) }, 'freshness', /RFC 7519 .*: the presentation's iat is too old \(window 300 s, ± 60 s\)/],
    ['dated in the future (iat)', { iat: minutes(30) }, 'freshness', /RFC 7519 .*: the presentation's iat is in the future/],
  ] as const)('made %s is refused with a reason naming the fault and its clause', async (_name, variation, check, reason) => {
    const { id, request } = await openOid4vpRequest(stack.verifier.url, 'estate-account-proof-of-death', 'jwt_vc_json')
    const answer = await post(request, { vp_token: JSON.stringify({ death: [await jwtVp(request, await party(), variation)] }), state: request.state })
    expect(answer.status).toBeLessThan(500)
    const { status, body } = await verification(id)
    expect(status).toBe(200)
    expect(body.decision!.outcome).toBe('rejected')
    expect(body.decision!.failedChecks).toContain(check)
    expect(body.decision!.reasons.join('\n')).toMatch(reason)
    expect(body.decision!.reasons.join('\n')).not.toMatch(/Error occured during verification/)
  })
})

describe('a valid presentation the verifier refuses: the response endpoint answers 200, having processed it (OID4VP 1.0 §8.2), and the decision says why', () => {
  const { date_of_death: _omitted, ...withoutDateOfDeath } = DEATH
  it.each([
    [
      'signed by an issuer the trust registry does not list',
      async () => ({ signer: await party() }),
      'trust-registry',
      /Issuer is not authorized to issue DeathRegistrationCredential in CA-NL: The entity is not registered/,
    ],
    ['without a claim the policy asks for (date_of_death)', async () => ({ claims: withoutDateOfDeath }), 'claims', /DeathRegistrationCredential is missing required claim\(s\): date_of_death/],
  ] as const)('%s', async (_name, variation, check, reason) => {
    const { id, request } = await openOid4vpRequest(stack.verifier.url, 'estate-account-proof-of-death', 'jwt_vc_json')
    const answer = await post(request, { vp_token: JSON.stringify({ death: [await jwtVp(request, await party(), await variation())] }), state: request.state })
    expect(answer.status, JSON.stringify(await answer.clone().json())).toBe(200)
    expect(await answer.json()).toEqual({})
    const { body } = await verification(id)
    expect(body.decision!.outcome).toBe('rejected')
    expect(body.decision!.failedChecks).toEqual([check])
    expect(body.decision!.reasons.join('\n')).toMatch(reason)
  })
})

describe('a vp_token that does not answer the request’s DCQL query: the lab’s own checks refuse it (the response endpoint answers 400, the decision names the fault)', () => {
  it.each([
    [
      'a presentation for a query the request did not make, beside the asked one',
      async (r: AuthorizationRequest) => ({ death: [await jwtVp(r, await party())], unasked: [await jwtVp(r, await party())] }),
      'response',
      /OID4VP 1\.0 §8\.1 \(vp_token: its keys are the ids of the request’s credential queries\): the vp_token answers unasked, a query the request did not make/,
    ],
    [
      'two presentations for a query that asks for one',
      async (r: AuthorizationRequest) => ({ death: [await jwtVp(r, await party()), await jwtVp(r, await party())] }),
      'response',
      /OID4VP 1\.0 §6\.1 \(multiple: omitted or false, a credential query takes one presentation\): 2 presentations answer death, which asks for one/,
    ],
    [
      'an SD-JWT for a jwt_vc_json query',
      async (r: AuthorizationRequest) => ({ death: [`${(await jwtVp(r, await party())).split('.').slice(0, 2).join('.')}.sig~`] }),
      'format',
      /OID4VP 1\.0 §6\.1 \(format: a presentation is in the format its credential query names\): death asks for jwt_vc_json; a presentation for it is encoded as dc\+sd-jwt/,
    ],
    ['no presentation for the query the request requires', async () => ({}), 'claims', /No DeathRegistration\w* was presented/],
  ] as const)('%s is refused, naming the check and its clause', async (_name, vpToken, check, reason) => {
    const { id, request } = await openOid4vpRequest(stack.verifier.url, 'estate-account-proof-of-death', 'jwt_vc_json')
    const answer = await post(request, { vp_token: JSON.stringify(await vpToken(request)), state: request.state })
    expect(answer.status).toBe(400)
    expect(((await answer.json()) as { error_description: string }).error_description).toMatch(/does not answer this request’s DCQL query/)
    const { body } = await verification(id)
    expect(body.decision!.outcome).toBe('rejected')
    expect(body.decision!.failedChecks).toContain(check)
    expect(body.decision!.reasons.join('\n')).toMatch(reason)
  })
})

describe('wallet mistakes (OID4VP 1.0 §8.2, §8.5): 4xx, and the verification still answers', () => {
  it.each([
    ['a vp_token that is not JSON', (r: AuthorizationRequest) => ({ vp_token: '{not json', state: r.state })],
    ['a vp_token that is a JSON array', (r: AuthorizationRequest) => ({ vp_token: '["a.b.c"]', state: r.state })],
    ['a vp_token whose presentation is a number', (r: AuthorizationRequest) => ({ vp_token: '{"death":[42]}', state: r.state })],
    ['a vp_token whose presentation is not a JWT', (r: AuthorizationRequest) => ({ vp_token: '{"death":["not-a-jwt"]}', state: r.state })],
    ['a vp_token for a query the request did not make', (r: AuthorizationRequest) => ({ vp_token: '{"unasked":["a.b.c~"]}', state: r.state })],
  ])('%s is answered 4xx and GET /verifications/{id} decides it (rejected, not 500)', async (_name, form) => {
    const { id, request } = await openOid4vpRequest(stack.verifier.url, 'estate-account-proof-of-death', 'jwt_vc_json')
    const answer = await post(request, form(request))
    expect(answer.status).toBeGreaterThanOrEqual(400)
    expect(answer.status).toBeLessThan(500)
    const { status, body } = await verification(id)
    expect(status).toBe(200)
    if (body.decision) expect(body.decision.outcome).toBe('rejected')
  })

  it('a response without state is answered 4xx, and the request stays open for the real answer', async () => {
    const { id, request } = await openOid4vpRequest(stack.verifier.url, 'estate-account-proof-of-death', 'jwt_vc_json')
    const missing = await post(request, { vp_token: JSON.stringify({ death: [await jwtVp(request, await party())] }) })
    expect(missing.status).toBeGreaterThanOrEqual(400)
    expect(missing.status).toBeLessThan(500)
    expect((await verification(id)).status).toBe(200)
  })

  it('a response with a state of no request is answered 4xx and not stored', async () => {
    const { request } = await openOid4vpRequest(stack.verifier.url, 'estate-account-proof-of-death', 'jwt_vc_json')
    const stray = await post(request, { vp_token: JSON.stringify({ death: [await jwtVp(request, await party())] }), state: 'no-such-state' })
    expect(stray.status).toBe(400)
    expect(((await stray.json()) as { error: string }).error).toBe('invalid_request')
  })
})
