import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL_ADMIN_API_KEY } from '../common/config'
import { loadScenarios } from '../scenarios/scenario'
import { loadPrograms } from '../verifier/programs'
import { loadPersonas } from '../wallet-sim/service'
import { type RouteName, routesOf } from './support/routes'
import { startPostgres } from './support/postgres'
import { startTestStack } from './support/stack'

// Every public endpoint of every service, fed arbitrary and mutated input: the answer is a 4xx with an
// error body the caller can read (or a success, when the input happens to be valid), never a 5xx, never a hang.

const RUNS_PER_ENDPOINT = Number(process.env.FUZZ_RUNS ?? 150)
const REQUEST_TIMEOUT_MS = 10_000
const OVER_LIMIT_BYTES = 300 * 1024

type Json = Record<string, any>
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
/** How the endpoint words its errors: ours `{error, message}`; OAuth 2.0 `{error, error_description?}`; RFC 9457 problem details. */
type ErrorShape = 'lab' | 'oauth' | 'problem'
type Service = 'issuer' | 'verifier' | 'wallet' | 'trustRegistry'

interface Endpoint {
  service: Service
  method: Method
  /** The path, `:param` segments filled with the known value or arbitrary text. */
  path: string
  admin?: boolean
  /** A valid body (or query), which the fuzzer mutates to reach past the first check. */
  sample?: unknown
  errors?: ErrorShape
  /** Form-encoded protocol endpoint (OAuth token, OID4VP direct_post). */
  form?: boolean
  /** Extra content types the route itself parses. */
  contentTypes?: string[]
}

interface FuzzRequest {
  path: string
  query: string
  contentType?: string
  body?: string
  auth: 'admin' | 'none' | 'wrong'
  bearer?: string
}

const scenarios = loadScenarios()
const businessClaims = (scenarios.find((s) => s.id === 'business-banking')!.steps[0] as { claims: Json }).claims
const certificate = (scenarios.find((s) => s.id === 'death-notification')!.steps.find((s) => s.action === 'certify') as { certificate: Json }).certificate

let stack: Awaited<ReturnType<typeof startTestStack>>
/** Values the endpoints' paths and samples name as `{name}`, known once the stack runs. */
let known: Record<string, string>

/** A stack on the engine, and the values its endpoints' placeholders stand for. */
async function startFuzzedStack(env: NodeJS.ProcessEnv): Promise<void> {
  stack = await startTestStack({ notificationRetryBaseMs: 60_000, env })
  const admin = { authorization: `Bearer ${LOCAL_ADMIN_API_KEY}`, 'content-type': 'application/json' }
  const post = async (url: string, body: unknown, headers: Json = admin) => (await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) })).json() as Promise<Json>
  const offer = await post(`${stack.issuer.url}/issuers/bc-registries/offers`, { credentialType: 'BusinessRegistrationCredential', format: 'dc+sd-jwt', claims: businessClaims })
  const verification = await post(`${stack.verifier.url}/verifications`, { policyId: 'open-business-account' }, { 'content-type': 'application/json' })
  const certified = await post(`${stack.issuer.url}/certifiers/nl-medical-examiner/certificates`, { certificate: { ...certificate, registrar: 'nl-vital-statistics' } })
  const subscriptions = (await (await fetch(`${stack.issuer.url}/notifications/subscriptions`, { headers: admin })).json()) as Json
  const issuers = (await (await fetch(`${stack.issuer.url}/vc-api/issuers`)).json()) as Json
  const [list] = await stack.issuer.status.store.listsOf(stack.issuer.identities.get('bc-registries')!.did)
  known = {
    issuerUrl: stack.issuer.url,
    offerId: offer.offerId,
    verificationId: verification.id,
    requestUri: verification.requestUri,
    verifierId: stack.verifier.policies.get('open-business-account')!.verifier,
    statusListId: list.id,
    registrationId: certified.registration.id,
    subscriptionId: subscriptions.subscriptions[0].id,
    issuerDid: issuers.issuers[0].did,
  }
}

/** Every route a caller can reach, by service (the Credo OID4VC and DIDComm routes included); `{name}` is a value known once the stack runs. */
function endpoints(): Endpoint[] {
  const offer = { credentialType: 'BusinessRegistrationCredential', format: 'dc+sd-jwt', claims: businessClaims, txCode: false }
  return [
    // issuer: offers, registrars, certifiers, status, notifications, VC API
    { service: 'issuer', method: 'GET', path: '/health' },
    { service: 'issuer', method: 'GET', path: '/capabilities' },
    { service: 'issuer', method: 'GET', path: '/credential-types' },
    { service: 'issuer', method: 'GET', path: '/issuers' },
    { service: 'issuer', method: 'POST', path: '/issuers/:bc-registries/offers', admin: true, sample: offer },
    { service: 'issuer', method: 'GET', path: `/issuers/:bc-registries/offers/:{offerId}`, admin: true },
    { service: 'issuer', method: 'POST', path: '/certifiers/:nl-medical-examiner/certificates', admin: true, sample: { certificate: { ...certificate, registrar: 'nl-vital-statistics' } } },
    { service: 'issuer', method: 'POST', path: '/registrars/:nl-vital-statistics/medical-certificates', sample: { certificate: 'eyJhbGciOiJFZERTQSJ9.e30.c2ln' } },
    { service: 'issuer', method: 'GET', path: `/registrars/:nl-vital-statistics/registrations/:{registrationId}`, admin: true },
    {
      service: 'issuer',
      method: 'POST',
      path: `/registrars/:nl-vital-statistics/registrations/:{registrationId}/registration`,
      admin: true,
      sample: { executor: { given_name: 'Marie', family_name: 'Gagnon' }, format: 'dc+sd-jwt' },
    },
    { service: 'issuer', method: 'POST', path: `/registrars/:nl-vital-statistics/registrations/:{registrationId}/correction`, admin: true, sample: { reason: 'Wrong person' } },
    { service: 'issuer', method: 'GET', path: `/status/token/:{statusListId}` },
    { service: 'issuer', method: 'GET', path: `/status/bitstring/:{statusListId}` },
    { service: 'issuer', method: 'GET', path: `/status/bitstring/:{statusListId}/suspension` },
    { service: 'issuer', method: 'GET', path: '/notifications/jwks.json' },
    { service: 'issuer', method: 'GET', path: '/notifications/topics' },
    { service: 'issuer', method: 'GET', path: '/notifications/subscriptions', admin: true },
    {
      service: 'issuer',
      method: 'POST',
      path: '/notifications/subscriptions',
      admin: true,
      sample: { name: { en: 'Fuzz', fr: 'Fuzz' }, programKey: 'fuzz-program', callbackUrl: 'http://127.0.0.1:9/inbox', topics: ['death.registered'] },
    },
    { service: 'issuer', method: 'DELETE', path: `/notifications/subscriptions/:{subscriptionId}`, admin: true },
    { service: 'issuer', method: 'GET', path: '/notifications/deliveries', admin: true, sample: { state: 'pending', event_id: '{subscriptionId}' } },
    { service: 'issuer', method: 'POST', path: '/notifications/events', admin: true, sample: { topic: 'death.registered', data: { registration_number: 'X' }, jurisdiction: 'CA-NL' } },
    { service: 'issuer', method: 'POST', path: '/credentials/issue', admin: true, errors: 'problem', sample: { credential: { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'], issuer: '{issuerDid}', credentialSubject: { id: 'did:example:1' } } } },
    { service: 'issuer', method: 'POST', path: '/credentials/status', admin: true, errors: 'problem', sample: { credentialId: 'urn:uuid:1', credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation' }, status: true } },
    { service: 'issuer', method: 'GET', path: `/status-lists/:{statusListId}-revocation`, errors: 'problem' },
    { service: 'issuer', method: 'POST', path: `/status-lists/:{statusListId}-revocation/publish`, admin: true, errors: 'problem' },
    { service: 'issuer', method: 'GET', path: '/vc-api/issuers' },
    { service: 'issuer', method: 'POST', path: '/didcomm', contentTypes: ['application/didcomm-envelope-enc', 'application/ssi-agent-wire'], sample: { protected: 'e30', iv: 'aXY', ciphertext: 'Y3Q', tag: 'dGFn' } },
    // issuer: Credo's OID4VCI routes
    { service: 'issuer', method: 'GET', path: '/.well-known/openid-credential-issuer/oid4vci/:bc-registries', errors: 'oauth' },
    { service: 'issuer', method: 'GET', path: '/.well-known/oauth-authorization-server/oid4vci/:bc-registries', errors: 'oauth' },
    { service: 'issuer', method: 'GET', path: '/oid4vci/:bc-registries/.well-known/oauth-authorization-server', errors: 'oauth' },
    { service: 'issuer', method: 'GET', path: '/oid4vci/:bc-registries/.well-known/openid-credential-issuer', errors: 'oauth' },
    { service: 'issuer', method: 'GET', path: '/oid4vci/:bc-registries/jwks', errors: 'oauth' },
    { service: 'issuer', method: 'GET', path: '/oid4vci/:bc-registries/redirect', errors: 'oauth', sample: { code: 'x', state: 'y' } },
    { service: 'issuer', method: 'GET', path: `/oid4vci/:bc-registries/offers/:{offerId}`, errors: 'oauth' },
    { service: 'issuer', method: 'POST', path: '/oid4vci/:bc-registries/token', errors: 'oauth', form: true, sample: { grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': 'abc', tx_code: '123456' } },
    { service: 'issuer', method: 'POST', path: '/oid4vci/:bc-registries/credential', errors: 'oauth', sample: { credential_configuration_id: 'BusinessRegistrationCredential-sd-jwt', proofs: { jwt: ['a.b.c'] } } },
    { service: 'issuer', method: 'POST', path: '/oid4vci/:bc-registries/nonce', errors: 'oauth' },
    { service: 'issuer', method: 'POST', path: '/oid4vci/:bc-registries/deferred-credential', errors: 'oauth', sample: { transaction_id: 'x' } },
    { service: 'issuer', method: 'POST', path: '/oid4vci/:bc-registries/par', errors: 'oauth', form: true, sample: { response_type: 'code', client_id: 'x', redirect_uri: 'http://127.0.0.1/cb' } },
    { service: 'issuer', method: 'GET', path: '/oid4vci/:bc-registries/authorize', errors: 'oauth', sample: { request_uri: 'urn:x', client_id: 'x' } },
    { service: 'issuer', method: 'POST', path: '/oid4vci/:bc-registries/challenge', errors: 'oauth', form: true, sample: { client_id: 'x', auth_session: 'x' } },
    // verifier
    { service: 'verifier', method: 'GET', path: '/health' },
    { service: 'verifier', method: 'GET', path: '/capabilities' },
    { service: 'verifier', method: 'GET', path: '/policies' },
    { service: 'verifier', method: 'GET', path: '/programs' },
    { service: 'verifier', method: 'POST', path: '/verifications', sample: { policyId: 'open-business-account', format: 'dc+sd-jwt', protocol: 'oid4vc' } },
    { service: 'verifier', method: 'GET', path: `/verifications/:{verificationId}` },
    ...loadPrograms().flatMap(({ key }): Endpoint[] => [
      { service: 'verifier', method: 'POST', path: `/programs/:${key}/inbox`, contentTypes: ['application/jose'], sample: { jws: 'eyJhbGciOiJFZERTQSJ9.e30.c2ln' } },
      { service: 'verifier', method: 'GET', path: `/programs/:${key}/inbox`, admin: true },
    ]),
    { service: 'verifier', method: 'POST', path: '/credentials/verify', admin: true, errors: 'problem', sample: { verifiableCredential: { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'] } } },
    { service: 'verifier', method: 'POST', path: '/presentations/verify', admin: true, errors: 'problem', sample: { verifiablePresentation: { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiablePresentation'] }, options: { challenge: 'c' } } },
    { service: 'verifier', method: 'POST', path: '/didcomm', contentTypes: ['application/didcomm-envelope-enc'], sample: { protected: 'e30', iv: 'aXY', ciphertext: 'Y3Q', tag: 'dGFn' } },
    // verifier: Credo's OID4VP routes (the response endpoint takes direct_post form bodies)
    { service: 'verifier', method: 'POST', path: `/oid4vp/:{verifierId}/authorize`, errors: 'oauth', form: true, sample: { vp_token: '{"business":["a.b.c~"]}', state: 'state' } },
    { service: 'verifier', method: 'GET', path: `/oid4vp/:{verifierId}/authorization-requests/:{verificationId}`, errors: 'oauth' },
    // wallet simulator
    { service: 'wallet', method: 'GET', path: '/health' },
    { service: 'wallet', method: 'GET', path: '/capabilities' },
    { service: 'wallet', method: 'GET', path: '/personas' },
    ...loadPersonas().map(({ id }): Endpoint => ({ service: 'wallet', method: 'POST', path: `/didcomm/:${id}`, contentTypes: ['application/didcomm-envelope-enc'], sample: { protected: 'e30', iv: 'aXY', ciphertext: 'Y3Q', tag: 'dGFn' } })),
    { service: 'wallet', method: 'GET', path: '/personas/:business-owner/credentials' },
    { service: 'wallet', method: 'DELETE', path: '/personas/:executor/credentials' },
    { service: 'wallet', method: 'POST', path: '/personas/:business-owner/offers', sample: { offerUri: '{issuerUrl}/no-such-offer', txCode: '123456' } },
    { service: 'wallet', method: 'POST', path: '/personas/:business-owner/presentations', sample: { requestUri: '{requestUri}', fault: { kind: 'withhold', claim: 'legal_name' } } },
    // trust registry
    { service: 'trustRegistry', method: 'GET', path: '/health' },
    { service: 'trustRegistry', method: 'GET', path: '/.well-known/jwks.json' },
    { service: 'trustRegistry', method: 'GET', path: '/.well-known/trqp-configuration' },
    { service: 'trustRegistry', method: 'GET', path: '/trqp/authorization', sample: { entity_id: 'did:web:x', authority_id: 'CA-BC', action: 'issue', resource: 'BusinessRegistrationCredential', time: '2026-01-01T00:00:00Z' } },
    { service: 'trustRegistry', method: 'POST', path: '/trqp/authorization', sample: { entity_id: 'did:web:x', authority_id: 'CA-BC', action: 'issue', resource: 'BusinessRegistrationCredential', context: { time: '2026-01-01T00:00:00Z' } } },
    { service: 'trustRegistry', method: 'GET', path: '/trqp/recognition', sample: { entity_id: 'CA-AB', authority_id: 'CA-BC', resource: 'BusinessRegistrationCredential' } },
    { service: 'trustRegistry', method: 'POST', path: '/trqp/recognition', sample: { entity_id: 'CA-AB', authority_id: 'CA-BC', action: 'recognize', resource: 'BusinessRegistrationCredential' } },
    { service: 'trustRegistry', method: 'GET', path: '/registry/entities', sample: { limit: '10', offset: '0' } },
    { service: 'trustRegistry', method: 'GET', path: '/registry/recognitions' },
    {
      service: 'trustRegistry',
      method: 'POST',
      path: '/admin/entities',
      admin: true,
      sample: { key: 'fuzz-entity', name: { en: 'Fuzz', fr: 'Fuzz' }, jurisdiction: 'CA-ON', authorizations: [{ action: 'issue', resource: 'VerifiedPersonCredential' }], entityId: 'did:web:fuzz.example' },
    },
    { service: 'trustRegistry', method: 'PUT', path: '/admin/entities/:fuzz-entity/did', admin: true, sample: { did: 'did:web:fuzz2.example' } },
    { service: 'trustRegistry', method: 'PATCH', path: '/admin/entities/:fuzz-entity', admin: true, sample: { status: 'suspended', validUntil: '2030-01-01T00:00:00Z' } },
    { service: 'trustRegistry', method: 'GET', path: '/admin/audit', admin: true, sample: { limit: '5', target: 'fuzz-entity' } },
  ]
}

const baseUrl = (service: Service) => ({ issuer: stack.issuer.url, verifier: stack.verifier.url, wallet: stack.wallet.url, trustRegistry: stack.trustRegistry.url })[service]
const hasBody = (method: Method) => method === 'POST' || method === 'PUT' || method === 'PATCH'

/** A variation of a valid value: each part kept, dropped, or replaced by arbitrary JSON, recursively. */
function mutate(value: unknown, depth = 0): fc.Arbitrary<unknown> {
  const anything = fc.jsonValue({ maxDepth: 2 })
  if (depth > 3) return fc.oneof(fc.constant(value), anything)
  if (Array.isArray(value)) return fc.oneof(fc.tuple(...value.map((item) => mutate(item, depth + 1))), anything, fc.constant([]))
  if (value && typeof value === 'object') {
    const parts = Object.fromEntries(Object.entries(value).map(([key, child]) => [key, fc.option(mutate(child, depth + 1), { nil: undefined, freq: 12 })]))
    // an unknown field now and then (most schemas are strict, so not too often)
    const addsExtra = fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) })
    const mutated = fc.tuple(fc.record(parts), fc.dictionary(fc.string({ maxLength: 8 }), anything, { maxKeys: 2 }), addsExtra).map(([kept, extra, addExtra]) => {
      const result: Json = addExtra ? { ...kept, ...extra } : { ...kept }
      for (const key of Object.keys(result)) if (result[key] === undefined) delete result[key]
      return result
    })
    return fc.oneof({ weight: 8, arbitrary: mutated }, { weight: 1, arbitrary: anything })
  }
  // mostly kept, so that a request often gets past the first field to the deeper checks
  return fc.oneof({ weight: 16, arbitrary: fc.constant(value) }, anything, fc.string({ maxLength: 300 }), fc.integer(), fc.constant(null))
}

const text = fc.string({ unit: 'binary', maxLength: 200 })
/** A path segment: the real one, or arbitrary text (URL-encoded, so it stays one segment). */
const segment = (value: string) =>
  fc.oneof({ weight: 4, arbitrary: fc.constant(value) }, text.map(encodeURIComponent), fc.constantFrom('..', '%00', '%2e%2e', 'a'.repeat(2_000), '%', '%zz'))

/** The endpoint with its `{name}` placeholders filled in. */
function resolved(endpoint: Endpoint): Endpoint {
  const fill = (text: string) => text.replace(/\{(\w+)\}/g, (placeholder, name: string) => known[name] ?? placeholder)
  return { ...endpoint, path: fill(endpoint.path), sample: endpoint.sample === undefined ? undefined : JSON.parse(fill(JSON.stringify(endpoint.sample))) }
}

function requests(endpoint: Endpoint): fc.Arbitrary<FuzzRequest> {
  const pieces = endpoint.path.split('/').map((piece) => (piece.startsWith(':') ? segment(piece.slice(1)) : fc.constant(piece)))
  const path = fc.tuple(...pieces).map((parts) => parts.join('/'))
  const sample = endpoint.sample ?? {}
  const data = fc.oneof({ weight: 3, arbitrary: mutate(sample) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) })
  const flat = (value: unknown) => new URLSearchParams(Object.entries(value && typeof value === 'object' ? value : { value }).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString()
  const bodies: fc.Arbitrary<Pick<FuzzRequest, 'contentType' | 'body'>> = fc.oneof(
    { weight: endpoint.form ? 1 : 4, arbitrary: data.map((value) => ({ contentType: 'application/json', body: JSON.stringify(value) })) },
    { weight: endpoint.form ? 4 : 1, arbitrary: data.map((value) => ({ contentType: 'application/x-www-form-urlencoded', body: flat(value) })) },
    { weight: 1, arbitrary: text.map((body) => ({ contentType: 'application/json', body })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/octet-stream', 'application/json; charset=utf-16', ...(endpoint.contentTypes ?? [])), fc.oneof(text, data.map((v) => JSON.stringify(v))))
        .map(([contentType, body]) => ({ contentType, body })),
    },
    { weight: 1, arbitrary: fc.constant({}) },
  )
  const query = hasBody(endpoint.method) ? fc.constant('') : fc.option(data.map(flat), { nil: '' })
  return fc.record({
    path,
    query,
    body: hasBody(endpoint.method) ? bodies : fc.constant({}),
    auth: endpoint.admin ? fc.constantFrom('admin', 'admin', 'admin', 'none', 'wrong') : fc.constant('none'),
    bearer: fc.option(text, { nil: undefined }),
  }).map(({ body, ...rest }) => ({ ...rest, ...(body as Pick<FuzzRequest, 'contentType' | 'body'>) })) as fc.Arbitrary<FuzzRequest>
}

const ERROR_SHAPES: Record<ErrorShape, (body: Json) => boolean> = {
  lab: (body) => typeof body.error === 'string' && typeof body.message === 'string',
  oauth: (body) => typeof body.error === 'string' && ['string', 'undefined'].includes(typeof body.error_description),
  // a VC API verifier answers a credential that does not verify with the verification result and its problems
  problem: (body) => (typeof body.type === 'string' && typeof body.title === 'string') || (body.verified === false && Array.isArray(body.errors)),
}

interface Answer {
  status: number
  contentType: string
  text: string
}

async function send(endpoint: Endpoint, request: FuzzRequest): Promise<Answer> {
  const headers: Record<string, string> = {}
  if (request.contentType) headers['content-type'] = request.contentType
  if (request.auth === 'admin') headers.authorization = `Bearer ${LOCAL_ADMIN_API_KEY}`
  else if (request.auth === 'wrong' || request.bearer !== undefined) headers.authorization = `Bearer ${encodeURIComponent(request.bearer ?? 'wrong')}`
  const url = `${baseUrl(endpoint.service)}${request.path}${request.query ? `?${request.query}` : ''}`
  const started = Date.now()
  try {
    const response = await fetch(url, { method: endpoint.method, headers, body: request.body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), redirect: 'manual' })
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', text: await response.text() }
  } catch (error) {
    throw new Error(`${endpoint.method} ${url} got no answer after ${Date.now() - started} ms: ${String(error)}`)
  }
}

/** The answer is a success, or a 4xx whose body says what was wrong, in the endpoint's own error format. */
function expectClientAnswer(endpoint: Endpoint, request: FuzzRequest, answer: Answer) {
  const where = `${endpoint.method} ${request.path}?${request.query} [${request.contentType}] ${String(request.body).slice(0, 300)} → ${answer.status} ${answer.text.slice(0, 300)}`
  expect(answer.status, where).toBeLessThan(500)
  if (answer.status < 400) return
  expect(answer.contentType, where).toMatch(/json/)
  const body = JSON.parse(answer.text) as Json
  // errors raised before a route is chosen (a body that does not parse, a path no route takes) are in the app's own format
  expect(ERROR_SHAPES.lab(body) || ERROR_SHAPES[endpoint.errors ?? 'lab'](body), where).toBe(true)
}

const ENDPOINTS = endpoints()

/** Whether a declared endpoint is the route express lists (`:name` segments match anything, `*path` the rest). */
function declares(endpoint: Endpoint, route: RouteName): boolean {
  const [method, path] = route.split(' ')
  if (method !== endpoint.method) return false
  const declared = endpoint.path.split('/').map((segment) => segment.replace(/^:/, ''))
  const listed = path.split('/')
  if (listed.at(-1)?.startsWith('*')) return declared.slice(0, listed.length - 1).join('/') === listed.slice(0, -1).join('/')
  return listed.length === declared.length && listed.every((segment, i) => segment.startsWith(':') || segment === declared[i])
}

const postgres = await startPostgres()
afterAll(async () => {
  await postgres.stop()
})

// PostgreSQL refuses some text SQLite takes (a NUL character): both engines, as deployments run either
describe.each(['sqlite', 'postgres'] as const)('arbitrary input to every endpoint, on %s', (engine) => {
  beforeAll(async () => {
    await startFuzzedStack(engine === 'postgres' ? { INTEROP_DATABASE_URL: postgres.url } : {})
  })
  afterAll(async () => {
    await stack?.close()
  })

  it('fuzzes every route the four services answer', () => {
    const services: [Service, RouteName[]][] = [
      ['issuer', routesOf(stack.issuer.app)],
      ['verifier', routesOf(stack.verifier.app)],
      ['wallet', routesOf(stack.wallet.app)],
      ['trustRegistry', routesOf(stack.trustRegistry.app)],
    ]
    const missing = services.flatMap(([service, routes]) => routes.filter((route) => !ENDPOINTS.some((e) => e.service === service && declares(e, route))).map((route) => `${service}: ${route}`))
    expect(missing).toEqual([])
  })

  it.each(ENDPOINTS.map((endpoint) => [`${endpoint.method} ${endpoint.path.replace(/\/:/g, '/')}`, endpoint] as const))('%s answers < 500, with a readable error', async (_name, declared) => {
    const endpoint = resolved(declared)
    await fc.assert(
      fc.asyncProperty(requests(endpoint), async (request) => {
        expectClientAnswer(endpoint, request, await send(endpoint, request))
      }),
      { numRuns: RUNS_PER_ENDPOINT, endOnFailure: true },
    )
  })

  it('refuses a body over 256 kB with 413 on every endpoint that takes one', async () => {
    const big = JSON.stringify({ padding: 'x'.repeat(OVER_LIMIT_BYTES) })
    for (const endpoint of ENDPOINTS.filter((e) => hasBody(e.method)).map(resolved)) {
      const path = endpoint.path.replace(/\/:/g, '/')
      for (const [contentType, body] of [
        ['application/json', big],
        ['application/x-www-form-urlencoded', `padding=${'x'.repeat(OVER_LIMIT_BYTES)}`],
      ]) {
        const answer = await send(endpoint, { path, query: '', contentType, body, auth: endpoint.admin ? 'admin' : 'none' })
        const where = `${endpoint.method} ${path} (${contentType})`
        expect(answer.status, where).toBe(413)
        expect(JSON.parse(answer.text), where).toMatchObject({ error: expect.any(String), message: expect.stringMatching(/too large/) })
      }
    }
  })
})
