import BetterSqlite3 from 'better-sqlite3'
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose'
import { createHash, randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL_ADMIN_API_KEY } from '@interop-lab/common/config'
import { signWithDid } from '@interop-lab/common/didKeys'
import { type IssuerService, startIssuerService } from '@interop-lab/issuer'
import { loadScenarios } from '@interop-lab/scenarios/scenario'
import { startTestStack } from './support/stack'

// One offer, one credential; one request, one response; limits on what an attacker may repeat. Each race is run for
// real: concurrent HTTP requests against the real services, proofs signed with real keys.

const MATERIAL_DIR = join(import.meta.dirname, 'fixtures/anoncreds/issuers')
const admin = { 'content-type': 'application/json', authorization: `Bearer ${LOCAL_ADMIN_API_KEY}` }
const scenarios = loadScenarios()
const businessClaims = (scenarios.find((s) => s.id === 'business-banking')!.steps.find((s) => s.id === 'issue-business-registration') as { claims: Record<string, string> }).claims
const certificate = (scenarios.find((s) => s.id === 'death-notification')!.steps.find((s) => s.action === 'certify') as { certificate: Record<string, unknown> }).certificate

let stack: Awaited<ReturnType<typeof startTestStack>>
beforeAll(async () => {
  stack = await startTestStack({ anonCredsMaterialDir: MATERIAL_DIR })
})
afterAll(async () => {
  await stack?.close()
})

async function post(url: string, body: unknown, headers: Record<string, string> = admin) {
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) })
  return { status: response.status, body: (await response.json().catch(() => undefined)) as Record<string, any> }
}

interface Offer {
  offerId: string
  offerUri: string
  txCode?: string
}
const offer = async (issuerUrl: string, issuerKey: string, request: Record<string, unknown>): Promise<Offer> => {
  const created = await post(`${issuerUrl}/issuers/${issuerKey}/offers`, request)
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  return created.body as Offer
}
const businessOffer = (issuerUrl: string, businessNumber = `BC${Date.now()}`) =>
  offer(issuerUrl, 'bc-registries', { credentialType: 'BusinessRegistrationCredential', format: 'dc+sd-jwt', claims: { ...businessClaims, business_number: businessNumber } })

/** A wallet's side of the pre-authorized code flow, step by step (OID4VCI 1.0 §4.1, §6, §7, §8). */
async function openOffer(offerUri: string) {
  const params = new URL(offerUri).searchParams
  const credentialOffer = params.get('credential_offer') ? JSON.parse(params.get('credential_offer')!) : await (await fetch(params.get('credential_offer_uri')!)).json()
  const credentialIssuer = credentialOffer.credential_issuer as string
  const issuerMetadata = await (await fetch(`${credentialIssuer}/.well-known/openid-credential-issuer`)).json()
  const serverMetadata = await (await fetch(`${credentialIssuer}/.well-known/oauth-authorization-server`)).json()
  return {
    credentialIssuer,
    configurationId: credentialOffer.credential_configuration_ids[0] as string,
    preAuthorizedCode: credentialOffer.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code']['pre-authorized_code'] as string,
    tokenEndpoint: serverMetadata.token_endpoint as string,
    credentialEndpoint: issuerMetadata.credential_endpoint as string,
    nonceEndpoint: issuerMetadata.nonce_endpoint as string,
  }
}
type OpenedOffer = Awaited<ReturnType<typeof openOffer>>

async function requestToken(opened: OpenedOffer, txCode?: string) {
  const form = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': opened.preAuthorizedCode })
  if (txCode !== undefined) form.set('tx_code', txCode)
  const response = await fetch(opened.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form })
  return { status: response.status, body: (await response.json()) as Record<string, any> }
}
const wrongCode = (txCode: string) => String((Number(txCode) + 1) % 1_000_000).padStart(6, '0')

/** A credential request with a proof of possession of a fresh holder key. */
async function credentialRequest(opened: OpenedOffer, nonce: string) {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const jwk = await exportJWK(publicKey)
  const proof = await new SignJWT({ nonce }).setProtectedHeader({ alg: 'ES256', typ: 'openid4vci-proof+jwt', jwk }).setAudience(opened.credentialIssuer).setIssuedAt().sign(privateKey)
  return { jwk, privateKey, body: { credential_configuration_id: opened.configurationId, proofs: { jwt: [proof] } } }
}
async function requestCredential(opened: OpenedOffer, accessToken: string, body: unknown) {
  const response = await fetch(opened.credentialEndpoint, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` }, body: JSON.stringify(body) })
  return { status: response.status, body: (await response.json().catch(() => undefined)) as Record<string, any> }
}

/** A dc+sd-jwt death registration issued over OID4VCI to a fresh holder key. */
async function issueDeathRegistration(registrationNumber: string) {
  const created = await offer(stack.issuer.url, 'nl-vital-statistics', {
    credentialType: 'DeathRegistrationCredential',
    format: 'dc+sd-jwt',
    claims: {
      registration_number: registrationNumber,
      deceased_given_name: 'Jean',
      deceased_family_name: 'Gagnon',
      deceased_birth_date: '1941-02-17',
      date_of_death: '2026-11-02',
      executor_given_name: 'Marie',
      executor_family_name: 'Gagnon',
      jurisdiction: 'CA-NL',
    },
  })
  const opened = await openOffer(created.offerUri)
  const token = await requestToken(opened, created.txCode)
  const { c_nonce: nonce } = (await (await fetch(opened.nonceEndpoint, { method: 'POST' })).json()) as { c_nonce: string }
  const request = await credentialRequest(opened, nonce)
  const issued = await requestCredential(opened, token.body.access_token, request.body)
  expect(issued.status, JSON.stringify(issued.body)).toBe(200)
  return { credential: (issued.body.credentials as { credential: string }[])[0].credential, privateKey: request.privateKey }
}

/** An OID4VP 1.0 direct_post response: the SD-JWT with every disclosure and a key-binding JWT (SD-JWT §4.3). */
async function presentationResponse(
  holder: Awaited<ReturnType<typeof issueDeathRegistration>>,
  request: { client_id: string; nonce: string; state: string; dcql_query: { credentials: { id: string }[] } },
) {
  const sdHash = createHash('sha256').update(holder.credential).digest('base64url')
  const keyBinding = await new SignJWT({ nonce: request.nonce, sd_hash: sdHash })
    .setProtectedHeader({ alg: 'ES256', typ: 'kb+jwt' })
    .setAudience(request.client_id)
    .setIssuedAt()
    .sign(holder.privateKey)
  const vpToken = { [request.dcql_query.credentials[0].id]: [`${holder.credential}${keyBinding}`] }
  return new URLSearchParams({ vp_token: JSON.stringify(vpToken), state: request.state })
}

describe('one pre-authorized offer yields exactly one credential', () => {
  it('answers 20 concurrent credential requests with one access token and 20 holder keys with one credential and 19 credential_request_denied', async () => {
    const created = await businessOffer(stack.issuer.url)
    const opened = await openOffer(created.offerUri)
    const token = await requestToken(opened, created.txCode)
    expect(token.status, JSON.stringify(token.body)).toBe(200)
    const { c_nonce: nonce } = (await (await fetch(opened.nonceEndpoint, { method: 'POST' })).json()) as { c_nonce: string }
    const requests = await Promise.all(Array.from({ length: 20 }, () => credentialRequest(opened, nonce)))

    const answers = await Promise.all(requests.map((r) => requestCredential(opened, token.body.access_token, r.body)))
    const statuses = answers.map((a) => a.status)
    expect(
      statuses.filter((s) => s === 200),
      JSON.stringify(statuses),
    ).toHaveLength(1)
    expect(
      statuses.filter((s) => s >= 500),
      'no 5xx',
    ).toEqual([])
    for (const refused of answers.filter((a) => a.status !== 200)) {
      expect(refused.status).toBe(400)
      expect(refused.body.error).toBe('credential_request_denied')
      expect(refused.body.error_description).toMatch(/exactly one credential.*OID4VCI 1\.0 §8\.3\.1\.2/)
    }

    // the one credential is bound to the key of the request that won
    const winner = answers.findIndex((a) => a.status === 200)
    const [credential] = answers[winner].body.credentials as { credential: string }[]
    const { cnf } = decodeJwt(credential.credential.split('~')[0]) as { cnf: { jwk: { x: string } } }
    expect(cnf.jwk.x).toBe(requests[winner].jwk.x)
    const state = await (await fetch(`${stack.issuer.url}/issuers/bc-registries/offers/${created.offerId}`, { headers: admin })).json()
    expect(state.state).toBe('Completed')

    // and the token redeems nothing more afterwards
    const late = await requestCredential(opened, token.body.access_token, (await credentialRequest(opened, nonce)).body)
    expect([late.status, late.body.error]).toEqual([400, 'credential_request_denied'])
  })
})

describe('one OID4VP request takes exactly one response', () => {
  const verifierDb = () => new BetterSqlite3(join(stack.dataDir, 'verifier.sqlite'), { readonly: true })
  const storedResponses = (state: string) => {
    const db = verifierDb()
    try {
      return db.prepare('SELECT vp_token, forgotten FROM verification_responses WHERE state = ?').all(state)
    } finally {
      db.close()
    }
  }

  it('accepts the first of ten concurrent direct_post responses, refuses the nine others with invalid_request, and decides on the first', async () => {
    // ten holders, each with its own death registration (a different registration number) bound to its own key
    const numbers = Array.from({ length: 10 }, (_, i) => `NL-2026-9${String(i).padStart(5, '0')}`)
    const held = []
    for (const number of numbers) held.push(await issueDeathRegistration(number))
    const verification = await post(`${stack.verifier.url}/verifications`, { policyId: 'estate-account-proof-of-death', format: 'dc+sd-jwt' })
    expect(verification.status).toBe(201)
    const requestObject = decodeJwt(await (await fetch(new URL(verification.body.requestUri).searchParams.get('request_uri')!)).text()) as {
      client_id: string
      nonce: string
      state: string
      response_uri: string
      dcql_query: { credentials: { id: string }[] }
    }

    const responses = await Promise.all(held.map((holder) => presentationResponse(holder, requestObject)))
    const answers = await Promise.all(
      responses.map((form) =>
        fetch(requestObject.response_uri, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form }).then(async (r) => ({
          status: r.status,
          body: (await r.json()) as Record<string, string>,
        })),
      ),
    )
    const statuses = answers.map((a) => a.status)
    expect(
      statuses.filter((s) => s === 200),
      JSON.stringify(answers),
    ).toHaveLength(1)
    for (const refused of answers.filter((a) => a.status !== 200)) {
      expect(refused.status, JSON.stringify(refused.body)).toBe(400)
      expect(refused.body.error).toBe('invalid_request')
      expect(refused.body.error_description).toMatch(/already (received a response|answered).*one response \(OID4VP 1\.0 §8\.2\)/)
    }
    const winner = statuses.indexOf(200)
    const { decision } = await (await fetch(`${stack.verifier.url}/verifications/${verification.body.id}`)).json()
    expect(decision.outcome, decision.reasons.join('; ')).toBe('accepted')
    expect(decision.disclosed.death.registration_number).toBe(numbers[winner])
    // decided: the raw response is forgotten, its row kept as the marker that the request was answered (verifier/responses.ts, forgetResponse)
    expect(storedResponses(requestObject.state)).toEqual([{ vp_token: '', forgotten: 1 }])
    // so a response after the decision is refused as well: a request takes one response (OID4VP 1.0 §8.2)
    const late = await fetch(requestObject.response_uri, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: responses[winner] })
    expect(late.status).toBe(400)
    expect(((await late.json()) as Record<string, string>).error_description).toMatch(/already (received a response|answered).*one response \(OID4VP 1\.0 §8\.2\)/)
    // and its request object is no longer served (OID4VP 1.0 §5.10: the request_uri names an open request)
    const refetched = await fetch(new URL(verification.body.requestUri).searchParams.get('request_uri')!)
    expect([refetched.status, ((await refetched.json()) as Record<string, string>).error]).toEqual([400, 'invalid_request'])
  })

  it('refuses a response whose state matches no request of the verifier, before storing it', async () => {
    const state = `unknown-${randomUUID()}`
    const bulky = 'A'.repeat(200_000)
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        fetch(`${stack.verifier.url}/oid4vp/northern-bank/authorize`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ vp_token: JSON.stringify({ death: [bulky] }), state }),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, string> })),
      ),
    )
    for (const answer of answers) {
      expect(answer.status).toBe(400)
      expect(answer.body.error).toBe('invalid_request')
      expect(answer.body.error_description).toMatch(/No presentation request of this verifier has this state.*OID4VP 1\.0 §8\.2/)
    }
    expect(storedResponses(state)).toEqual([])
    const db = verifierDb()
    try {
      expect((db.prepare('SELECT COUNT(*) AS n FROM verification_responses WHERE length(vp_token) > 100000').get() as { n: number }).n).toBe(0)
    } finally {
      db.close()
    }
  })
})

describe('a transaction code can be guessed 5 times, not more', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'interop-txcode-'))
  const database = { engine: 'sqlite' as const, file: join(dataDir, 'issuer.sqlite') }
  let issuer: IssuerService
  const start = (port?: number) => startIssuerService({ port, dataDir, database, adminApiKeys: [LOCAL_ADMIN_API_KEY], anonCredsMaterialDir: MATERIAL_DIR })
  beforeAll(async () => {
    issuer = await start()
  })
  afterAll(async () => {
    await issuer?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('counts wrong codes and still accepts the right one before the limit', async () => {
    const created = await businessOffer(issuer.url)
    const opened = await openOffer(created.offerUri)
    for (const left of [4, 3, 2, 1]) {
      const wrong = await requestToken(opened, wrongCode(created.txCode!))
      expect([wrong.status, wrong.body.error]).toEqual([400, 'invalid_grant'])
      expect(wrong.body.error_description).toMatch(new RegExp(`Wrong transaction code \\(tx_code\\): ${left} attempts? left before the offer is locked \\(RFC 6749 §5\\.2`))
    }
    const right = await requestToken(opened, created.txCode)
    expect(right.status, JSON.stringify(right.body)).toBe(200)
    expect(right.body.access_token).toEqual(expect.any(String))
  })

  it('locks the offer after the fifth wrong code, across a restart of the issuer, for good', async () => {
    const created = await businessOffer(issuer.url)
    const opened = await openOffer(created.offerUri)
    for (let i = 0; i < 3; i++) expect((await requestToken(opened, wrongCode(created.txCode!))).status).toBe(400)

    const port = Number(new URL(issuer.url).port)
    await issuer.close()
    issuer = await start(port)

    expect((await requestToken(opened, wrongCode(created.txCode!))).body.error_description).toMatch(/1 attempt left/)
    const fifth = await requestToken(opened, wrongCode(created.txCode!))
    expect([fifth.status, fifth.body.error]).toEqual([400, 'invalid_grant'])
    expect(fifth.body.error_description).toMatch(/locked after 5 wrong transaction codes.*RFC 6749 §5\.2 invalid_grant/)
    const right = await requestToken(opened, created.txCode)
    expect([right.status, right.body.error]).toEqual([400, 'invalid_grant'])
    expect(right.body.error_description).toMatch(/locked after 5 wrong transaction codes/)
    const state = await (await fetch(`${issuer.url}/issuers/bc-registries/offers/${created.offerId}`, { headers: admin })).json()
    expect([state.state, state.errorMessage]).toEqual(['Error', 'Locked after 5 wrong transaction codes'])
  })

  it('counts 20 concurrent wrong codes, so that the right one comes too late', async () => {
    const created = await businessOffer(issuer.url)
    const opened = await openOffer(created.offerUri)
    const wrong = await Promise.all(Array.from({ length: 20 }, () => requestToken(opened, wrongCode(created.txCode!))))
    expect(wrong.map((w) => w.body.error)).toEqual(Array(20).fill('invalid_grant'))
    expect((await requestToken(opened, created.txCode)).body.error_description).toMatch(/locked after 5 wrong transaction codes/)
  })
})

describe('a medical certificate registers one death', () => {
  const sign = (payload: Record<string, unknown>) => {
    const kid = stack.issuer.identities.get('nl-medical-examiner')!.kid
    return signWithDid(stack.issuer.agent, kid, { ...certificate, registrar: 'nl-vital-statistics', iat: Math.floor(Date.now() / 1000), ...payload }, { typ: 'mccd+jwt' })
  }
  const submit = (jws: string) => post(`${stack.issuer.url}/registrars/nl-vital-statistics/medical-certificates`, { certificate: jws })

  it('registers a captured certificate once and refuses its replays (409 replayed_certificate)', async () => {
    const jws = await sign({ jti: randomUUID() })
    const [first, second, third] = [await submit(jws), await submit(jws), await submit(jws)]
    expect(first.status, JSON.stringify(first.body)).toBe(201)
    for (const replay of [second, third]) {
      expect([replay.status, replay.body.error]).toEqual([409, 'replayed_certificate'])
      expect(replay.body.message).toMatch(/already received from its certifier.*replay refused/)
    }
    // a new certificate (its own jti) from the same certifier is registered
    expect((await submit(await sign({ jti: randomUUID() }))).status).toBe(201)
  })

  it('refuses a certificate without a jti (RFC 7519 §4.1.7)', async () => {
    const refused = await submit(await sign({}))
    expect([refused.status, refused.body.error]).toEqual([400, 'missing_jti'])
    expect(refused.body.message).toMatch(/jti, RFC 7519 §4\.1\.7/)
  })
})
