import fc from 'fast-check'
import { CompactSign, exportJWK, generateKeyPair } from 'jose'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL_ADMIN_API_KEY } from '@interop-lab/common/config'
import { databaseConfigFor } from '@interop-lab/common/db'
import { type IssuerService, startIssuerService } from '@interop-lab/issuer'
import { loadScenarios } from '@interop-lab/scenarios/scenario'
import { loadPrograms } from '@interop-lab/verifier/programs'
import { loadPersonas } from '@interop-lab/wallet-sim'
import { documentedRoutes, isProtocolRoute, issuerApi, type OpenApiDocument, openApiDocument, type RouteName, trustRegistryApi, verifierApi, walletApi } from '@interop-lab/contracts'
import { routesOf } from './support/routes'
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

/**
 * Where the fuzzer starts from, per route: the path with its parameters filled (`{name}` is a value known once the stack
 * runs), a valid body or query, extra content types. The lab's routes, their admin key and error format come from the
 * services' OpenAPI documents (`documentedEndpoints`); the Credo OID4VC and DIDComm routes are listed here whole.
 */
function fuzzInputs(): Endpoint[] {
  const offer = { credentialType: 'BusinessRegistrationCredential', format: 'dc+sd-jwt', claims: businessClaims, txCode: false }
  return [
    // issuer: offers, registrars, certifiers, status, notifications, VC API
    { service: 'issuer', method: 'POST', path: '/issuers/:bc-registries/offers', sample: offer },
    { service: 'issuer', method: 'GET', path: `/issuers/:bc-registries/offers/:{offerId}` },
    { service: 'issuer', method: 'POST', path: '/certifiers/:nl-medical-examiner/certificates', sample: { certificate: { ...certificate, registrar: 'nl-vital-statistics' } } },
    { service: 'issuer', method: 'POST', path: '/registrars/:nl-vital-statistics/medical-certificates', sample: { certificate: 'eyJhbGciOiJFZERTQSJ9.e30.c2ln' } },
    { service: 'issuer', method: 'GET', path: `/registrars/:nl-vital-statistics/registrations/:{registrationId}` },
    {
      service: 'issuer',
      method: 'POST',
      path: `/registrars/:nl-vital-statistics/registrations/:{registrationId}/registration`,
      sample: { executor: { given_name: 'Marie', family_name: 'Gagnon' }, format: 'dc+sd-jwt' },
    },
    { service: 'issuer', method: 'POST', path: `/registrars/:nl-vital-statistics/registrations/:{registrationId}/correction`, sample: { reason: 'Wrong person' } },
    { service: 'issuer', method: 'GET', path: `/status/token/:{statusListId}` },
    { service: 'issuer', method: 'GET', path: `/status/token/:{statusListId}/:mdoc` },
    { service: 'issuer', method: 'GET', path: `/status/bitstring/:{statusListId}` },
    { service: 'issuer', method: 'GET', path: `/status/bitstring/:{statusListId}/suspension` },
    {
      service: 'issuer',
      method: 'POST',
      path: '/notifications/subscriptions',
      sample: { name: { en: 'Fuzz', fr: 'Fuzz' }, programKey: 'fuzz-program', callbackUrl: 'http://127.0.0.1:9/inbox', topics: ['death.registered'] },
    },
    { service: 'issuer', method: 'DELETE', path: `/notifications/subscriptions/:{subscriptionId}` },
    { service: 'issuer', method: 'GET', path: '/notifications/deliveries', sample: { state: 'pending', event_id: '{subscriptionId}' } },
    { service: 'issuer', method: 'POST', path: '/notifications/events', sample: { topic: 'death.registered', data: { registration_number: 'X' }, jurisdiction: 'CA-NL' } },
    {
      service: 'issuer',
      method: 'POST',
      path: '/credentials/issue',
      sample: { credential: { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'], issuer: '{issuerDid}', credentialSubject: { id: 'did:example:1' } } },
    },
    {
      service: 'issuer',
      method: 'POST',
      path: '/credentials/derive',
      sample: { verifiableCredential: { proof: { cryptosuite: 'ecdsa-sd-2023', proofValue: 'u2V0A' } }, options: { selectivePointers: ['/credentialSubject'] } },
    },
    {
      service: 'issuer',
      method: 'POST',
      path: '/credentials/status',
      sample: { credentialId: 'urn:uuid:1', credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation' }, status: true },
    },
    { service: 'issuer', method: 'GET', path: `/status-lists/:{statusListId}-revocation` },
    { service: 'issuer', method: 'POST', path: `/status-lists/:{statusListId}-revocation/publish` },
    {
      service: 'issuer',
      method: 'POST',
      path: '/didcomm',
      contentTypes: ['application/didcomm-envelope-enc', 'application/ssi-agent-wire'],
      sample: { protected: 'e30', iv: 'aXY', ciphertext: 'Y3Q', tag: 'dGFn' },
    },
    // issuer: Credo's OID4VCI routes
    { service: 'issuer', method: 'GET', path: '/.well-known/openid-credential-issuer/oid4vci/:bc-registries', errors: 'oauth' },
    { service: 'issuer', method: 'GET', path: '/.well-known/oauth-authorization-server/oid4vci/:bc-registries', errors: 'oauth' },
    { service: 'issuer', method: 'GET', path: '/oid4vci/:bc-registries/.well-known/oauth-authorization-server', errors: 'oauth' },
    // SD-JWT VC §5 issuer metadata, served by the lab
    { service: 'issuer', method: 'GET', path: '/.well-known/jwt-vc-issuer/oid4vci/:bc-registries', errors: 'oauth' },
    { service: 'issuer', method: 'GET', path: '/oid4vci/:bc-registries/.well-known/openid-credential-issuer', errors: 'oauth' },
    { service: 'issuer', method: 'GET', path: '/oid4vci/:bc-registries/jwks', errors: 'oauth' },
    { service: 'issuer', method: 'GET', path: '/oid4vci/:bc-registries/redirect', errors: 'oauth', sample: { code: 'x', state: 'y' } },
    { service: 'issuer', method: 'GET', path: `/oid4vci/:bc-registries/offers/:{offerId}`, errors: 'oauth' },
    {
      service: 'issuer',
      method: 'POST',
      path: '/oid4vci/:bc-registries/token',
      errors: 'oauth',
      form: true,
      sample: { grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': 'abc', tx_code: '123456' },
    },
    {
      service: 'issuer',
      method: 'POST',
      path: '/oid4vci/:bc-registries/credential',
      errors: 'oauth',
      sample: { credential_configuration_id: 'BusinessRegistrationCredential-sd-jwt', proofs: { jwt: ['a.b.c'] } },
    },
    { service: 'issuer', method: 'POST', path: '/oid4vci/:bc-registries/nonce', errors: 'oauth' },
    { service: 'issuer', method: 'POST', path: '/oid4vci/:bc-registries/deferred-credential', errors: 'oauth', sample: { transaction_id: 'x' } },
    { service: 'issuer', method: 'POST', path: '/oid4vci/:bc-registries/par', errors: 'oauth', form: true, sample: { response_type: 'code', client_id: 'x', redirect_uri: 'http://127.0.0.1/cb' } },
    { service: 'issuer', method: 'GET', path: '/oid4vci/:bc-registries/authorize', errors: 'oauth', sample: { request_uri: 'urn:x', client_id: 'x' } },
    { service: 'issuer', method: 'POST', path: '/oid4vci/:bc-registries/challenge', errors: 'oauth', form: true, sample: { client_id: 'x', auth_session: 'x' } },
    // verifier
    { service: 'verifier', method: 'POST', path: '/verifications', sample: { policyId: 'open-business-account', format: 'dc+sd-jwt', protocol: 'oid4vc' } },
    { service: 'verifier', method: 'GET', path: `/verifications/:{verificationId}` },
    ...loadPrograms().flatMap(({ key }): Endpoint[] => [
      { service: 'verifier', method: 'POST', path: `/programs/:${key}/inbox`, contentTypes: ['application/jose'], sample: { jws: 'eyJhbGciOiJFZERTQSJ9.e30.c2ln' } },
      { service: 'verifier', method: 'GET', path: `/programs/:${key}/inbox` },
    ]),
    { service: 'verifier', method: 'POST', path: '/credentials/verify', sample: { verifiableCredential: { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'] } } },
    {
      service: 'verifier',
      method: 'POST',
      path: '/presentations/verify',
      sample: { verifiablePresentation: { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiablePresentation'] }, options: { challenge: 'c' } },
    },
    { service: 'verifier', method: 'POST', path: '/didcomm', contentTypes: ['application/didcomm-envelope-enc'], sample: { protected: 'e30', iv: 'aXY', ciphertext: 'Y3Q', tag: 'dGFn' } },
    // verifier: Credo's OID4VP routes (the response endpoint takes direct_post form bodies)
    { service: 'verifier', method: 'POST', path: `/oid4vp/:{verifierId}/authorize`, errors: 'oauth', form: true, sample: { vp_token: '{"business":["a.b.c~"]}', state: 'state' } },
    { service: 'verifier', method: 'GET', path: `/oid4vp/:{verifierId}/authorization-requests/:{verificationId}`, errors: 'oauth' },
    // wallet simulator
    ...loadPersonas().map(
      ({ id }): Endpoint => ({
        service: 'wallet',
        method: 'POST',
        path: `/didcomm/:${id}`,
        contentTypes: ['application/didcomm-envelope-enc'],
        sample: { protected: 'e30', iv: 'aXY', ciphertext: 'Y3Q', tag: 'dGFn' },
      }),
    ),
    { service: 'wallet', method: 'GET', path: '/personas/:business-owner/credentials' },
    { service: 'wallet', method: 'DELETE', path: '/personas/:executor/credentials' },
    { service: 'wallet', method: 'POST', path: '/personas/:business-owner/offers', sample: { offerUri: '{issuerUrl}/no-such-offer', txCode: '123456' } },
    { service: 'wallet', method: 'POST', path: '/personas/:business-owner/presentations', sample: { requestUri: '{requestUri}', fault: { kind: 'withhold', claim: 'legal_name' } } },
    // trust registry
    {
      service: 'trustRegistry',
      method: 'GET',
      path: '/trqp/authorization',
      sample: { entity_id: 'did:web:x', authority_id: 'CA-BC', action: 'issue', resource: 'BusinessRegistrationCredential', time: '2026-01-01T00:00:00Z' },
    },
    {
      service: 'trustRegistry',
      method: 'POST',
      path: '/trqp/authorization',
      sample: { entity_id: 'did:web:x', authority_id: 'CA-BC', action: 'issue', resource: 'BusinessRegistrationCredential', context: { time: '2026-01-01T00:00:00Z' } },
    },
    { service: 'trustRegistry', method: 'GET', path: '/trqp/recognition', sample: { entity_id: 'CA-AB', authority_id: 'CA-BC', resource: 'BusinessRegistrationCredential' } },
    { service: 'trustRegistry', method: 'POST', path: '/trqp/recognition', sample: { entity_id: 'CA-AB', authority_id: 'CA-BC', action: 'recognize', resource: 'BusinessRegistrationCredential' } },
    { service: 'trustRegistry', method: 'GET', path: '/registry/entities', sample: { limit: '10', offset: '0' } },
    {
      service: 'trustRegistry',
      method: 'POST',
      path: '/admin/entities',
      sample: {
        key: 'fuzz-entity',
        name: { en: 'Fuzz', fr: 'Fuzz' },
        jurisdiction: 'CA-ON',
        authorizations: [{ action: 'issue', resource: 'VerifiedPersonCredential' }],
        entityId: 'did:web:fuzz.example',
      },
    },
    { service: 'trustRegistry', method: 'PUT', path: '/admin/entities/:fuzz-entity/did', sample: { did: 'did:web:fuzz2.example' } },
    { service: 'trustRegistry', method: 'PATCH', path: '/admin/entities/:fuzz-entity', sample: { status: 'suspended', validUntil: '2030-01-01T00:00:00Z' } },
    { service: 'trustRegistry', method: 'PUT', path: '/admin/recognitions/:CA-ON', sample: { resources: ['VerifiedPersonCredential'], maxAssuranceLevel: 2, validUntil: '2030-01-01T00:00:00Z' } },
    { service: 'trustRegistry', method: 'DELETE', path: '/admin/recognitions/:CA-ON', sample: { resource: 'VerifiedPersonCredential' } },
    { service: 'trustRegistry', method: 'PUT', path: '/admin/registries/:CA-ON', sample: { url: 'http://127.0.0.1:9/', key: 'A'.repeat(43) } },
    { service: 'trustRegistry', method: 'GET', path: '/admin/audit', sample: { limit: '5', target: 'fuzz-entity' } },
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
const segment = (value: string) => fc.oneof({ weight: 4, arbitrary: fc.constant(value) }, text.map(encodeURIComponent), fc.constantFrom('..', '%00', '%2e%2e', 'a'.repeat(2_000), '%', '%zz'))

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
  const flat = (value: unknown) =>
    new URLSearchParams(Object.entries(value && typeof value === 'object' ? value : { value }).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString()
  const bodies: fc.Arbitrary<Pick<FuzzRequest, 'contentType' | 'body'>> = fc.oneof(
    { weight: endpoint.form ? 1 : 4, arbitrary: data.map((value) => ({ contentType: 'application/json', body: JSON.stringify(value) })) },
    { weight: endpoint.form ? 4 : 1, arbitrary: data.map((value) => ({ contentType: 'application/x-www-form-urlencoded', body: flat(value) })) },
    { weight: 1, arbitrary: text.map((body) => ({ contentType: 'application/json', body })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/octet-stream', 'application/json; charset=utf-16', ...(endpoint.contentTypes ?? [])),
          fc.oneof(
            text,
            data.map((v) => JSON.stringify(v)),
          ),
        )
        .map(([contentType, body]) => ({ contentType, body })),
    },
    { weight: 1, arbitrary: fc.constant({}) },
  )
  const query = hasBody(endpoint.method) ? fc.constant('') : fc.option(data.map(flat), { nil: '' })
  return fc
    .record({
      path,
      query,
      body: hasBody(endpoint.method) ? bodies : fc.constant({}),
      auth: endpoint.admin ? fc.constantFrom('admin', 'admin', 'admin', 'none', 'wrong') : fc.constant('none'),
      bearer: fc.option(text, { nil: undefined }),
    })
    .map(({ body, ...rest }) => ({ ...rest, ...(body as Pick<FuzzRequest, 'contentType' | 'body'>) })) as fc.Arbitrary<FuzzRequest>
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
    const contentType = response.headers.get('content-type') ?? ''
    // a change feed (server-sent events) stays open: its first event is the answer
    if (contentType.startsWith('text/event-stream')) {
      const reader = response.body!.getReader()
      const { value } = await reader.read()
      await reader.cancel()
      return { status: response.status, contentType, text: new TextDecoder().decode(value) }
    }
    return { status: response.status, contentType, text: await response.text() }
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

const DOCUMENTS: Record<Service, OpenApiDocument> = {
  issuer: openApiDocument(issuerApi),
  verifier: openApiDocument(verifierApi(loadPrograms().map((program) => program.key))),
  wallet: openApiDocument(walletApi),
  trustRegistry: openApiDocument(trustRegistryApi),
}
const INPUTS = fuzzInputs()
const isProtocolInput = (input: Endpoint) => isProtocolRoute(`${input.method} ${input.path.replace(/\/:/g, '/')}`)

/** Every operation the services document, from its fuzz input when it has one (otherwise its parameters are `unknown`). */
function documentedEndpoints(): Endpoint[] {
  return (Object.keys(DOCUMENTS) as Service[]).flatMap((service) =>
    Object.entries(DOCUMENTS[service].paths).flatMap(([path, operations]) =>
      Object.entries(operations).map(([method, operation]): Endpoint => {
        const route: RouteName = `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`
        const input = INPUTS.find((candidate) => candidate.service === service && declares(candidate, route))
        const start = input ?? { service, method: method.toUpperCase() as Method, path: route.split(' ')[1].replace(/:\w+/g, ':unknown') }
        // the lab's errors are RFC 9457 problems (a VC API verifier's 400 also carries its verification result)
        return { ...start, admin: operation.security.length > 0, errors: 'problem' }
      }),
    ),
  )
}

const ENDPOINTS = [...documentedEndpoints(), ...INPUTS.filter(isProtocolInput)]

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

  it('starts from inputs that each name a documented route or a protocol endpoint', () => {
    const documented = (Object.keys(DOCUMENTS) as Service[]).flatMap((service) => documentedRoutes(DOCUMENTS[service]).map((route) => [service, route] as const))
    const stale = INPUTS.filter((input) => !isProtocolInput(input) && !documented.some(([service, route]) => service === input.service && declares(input, route)))
    expect(stale.map((input) => `${input.service}: ${input.method} ${input.path}`)).toEqual([])
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
        // in the endpoint's own error format: the lab's, or an RFC 9457 problem for the VC API
        const tooLarge = endpoint.errors === 'problem' ? { status: 413, detail: expect.stringMatching(/too large/) } : { error: expect.any(String), message: expect.stringMatching(/too large/) }
        expect(JSON.parse(answer.text), where).toMatchObject(tooLarge)
      }
    }
  })
})

// OID4VCI, protocol-aware: a valid token request and a valid credential request, each changed in one field at a time
// (wrong type, missing, extra, wrong alg or typ, expired, wrong aud, a reused or foreign nonce, huge values). Every answer
// is < 500 in the OAuth error format (RFC 6749 §5.2, OID4VCI 1.0 §8.3.1), or a success where the change is harmless.
describe.each(['sqlite', 'postgres'] as const)('OID4VCI requests with one field wrong, on %s', (engine) => {
  const PRE_AUTHORIZED_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code'
  const HUGE = 'x'.repeat(200_000)
  const dataDir = mkdtempSync(join(tmpdir(), 'interop-fuzz-oid4vci-'))
  let issuer: IssuerService
  beforeAll(async () => {
    const env = engine === 'postgres' ? { INTEROP_DATABASE_URL: postgres.url } : {}
    issuer = await startIssuerService({
      dataDir,
      database: databaseConfigFor('issuer_oid4vci_fuzz', dataDir, env),
      adminApiKeys: [LOCAL_ADMIN_API_KEY],
      anonCredsMaterialDir: join(import.meta.dirname, 'fixtures/anoncreds/issuers'),
    })
  })
  afterAll(async () => {
    await issuer?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  /** A fresh offer, opened as a wallet does; `token` also redeems its pre-authorized code. */
  async function exchange(format: 'dc+sd-jwt' | 'jwt_vc_json' = 'dc+sd-jwt') {
    const admin = { authorization: `Bearer ${LOCAL_ADMIN_API_KEY}`, 'content-type': 'application/json' }
    const created = (await (
      await fetch(`${issuer.url}/issuers/bc-registries/offers`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ credentialType: 'BusinessRegistrationCredential', format, claims: businessClaims }),
      })
    ).json()) as Json
    const offer = (await (await fetch(new URL(created.offerUri).searchParams.get('credential_offer_uri')!)).json()) as Json
    const credentialIssuer = offer.credential_issuer as string
    const tokenRequest: Record<string, string> = {
      grant_type: PRE_AUTHORIZED_CODE_GRANT,
      'pre-authorized_code': offer.grants[PRE_AUTHORIZED_CODE_GRANT]['pre-authorized_code'],
      tx_code: created.txCode,
    }
    const { privateKey, publicKey } = await generateKeyPair('ES256')
    const jwk = await exportJWK(publicKey)
    const nonce = async (issuerKey = 'bc-registries') => ((await (await fetch(`${issuer.url}/oid4vci/${issuerKey}/nonce`, { method: 'POST' })).json()) as Json).c_nonce as string
    /** A key proof with the header and payload given (null drops a member); signed with ES256 unless the alg is another. */
    const proof = async (header: Json = {}, payload: Json = {}) => {
      const fullHeader = Object.fromEntries(Object.entries({ alg: 'ES256', typ: 'openid4vci-proof+jwt', jwk, ...header }).filter(([, v]) => v !== null))
      const fullPayload = Object.fromEntries(Object.entries({ aud: credentialIssuer, iat: Math.floor(Date.now() / 1000), nonce: await nonce(), ...payload }).filter(([, v]) => v !== null))
      const bytes = new TextEncoder().encode(JSON.stringify(fullPayload))
      if (fullHeader.alg === 'ES256') return new CompactSign(bytes).setProtectedHeader(fullHeader as { alg: string }).sign(privateKey)
      const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
      return `${encode(fullHeader)}.${encode(fullPayload)}.${fullHeader.alg === 'none' ? '' : 'c2lnbmF0dXJl'}`
    }
    const token = async () => {
      const answer = await postForm(`${credentialIssuer}/token`, tokenRequest)
      expect(answer.status, answer.text).toBe(200)
      return JSON.parse(answer.text).access_token as string
    }
    return { credentialIssuer, configurationId: offer.credential_configuration_ids[0] as string, tokenRequest, nonce, proof, token, jwk }
  }
  type Exchange = Awaited<ReturnType<typeof exchange>>

  const postForm = async (url: string, params: Record<string, unknown>): Promise<Answer> => {
    const form = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]))
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form })
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', text: await response.text() }
  }
  const postCredential = async (x: Exchange, body: unknown, authorization?: string): Promise<Answer> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (authorization !== undefined) headers.authorization = authorization
    const response = await fetch(`${x.credentialIssuer}/credential`, { method: 'POST', headers, body: JSON.stringify(body) })
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', text: await response.text() }
  }
  const expectOAuthAnswer = (what: string, answer: Answer) => {
    const where = `${what} → ${answer.status} ${answer.text.slice(0, 300)}`
    expect(answer.status, where).toBeLessThan(500)
    if (answer.status < 400) return
    expect(answer.contentType, where).toMatch(/json/)
    expect(ERROR_SHAPES.oauth(JSON.parse(answer.text) as Json), where).toBe(true)
  }

  const tokenMutations: [string, (request: Record<string, string>) => Record<string, unknown>][] = [
    ['grant_type missing', ({ grant_type, ...rest }) => rest],
    ['grant_type authorization_code', (r) => ({ ...r, grant_type: 'authorization_code', code: 'x' })],
    ['grant_type refresh_token', (r) => ({ ...r, grant_type: 'refresh_token', refresh_token: 'x' })],
    ['grant_type huge', (r) => ({ ...r, grant_type: HUGE })],
    ['pre-authorized_code missing', ({ 'pre-authorized_code': _, ...rest }) => rest],
    ['pre-authorized_code wrong', (r) => ({ ...r, 'pre-authorized_code': 'not-a-code' })],
    ['pre-authorized_code huge', (r) => ({ ...r, 'pre-authorized_code': HUGE })],
    ['pre-authorized_code with a NUL', (r) => ({ ...r, 'pre-authorized_code': `${r['pre-authorized_code']}\u0000` })],
    ['tx_code missing', ({ tx_code, ...rest }) => rest],
    ['tx_code wrong', (r) => ({ ...r, tx_code: '000000' })],
    ['tx_code as user_pin (draft 11)', ({ tx_code, ...rest }) => ({ ...rest, user_pin: tx_code })],
    ['tx_code huge', (r) => ({ ...r, tx_code: HUGE })],
    ['authorization_details not JSON', (r) => ({ ...r, authorization_details: '[{' })],
    ['authorization_details an object', (r) => ({ ...r, authorization_details: { type: 'openid_credential' } })],
    ['authorization_details empty', (r) => ({ ...r, authorization_details: [] })],
    ['authorization_details of another type', (r) => ({ ...r, authorization_details: [{ type: 'payment_initiation' }] })],
    ['authorization_details without configuration', (r) => ({ ...r, authorization_details: [{ type: 'openid_credential', format: 'dc+sd-jwt' }] })],
    ['authorization_details with a configuration not offered', (r) => ({ ...r, authorization_details: [{ type: 'openid_credential', credential_configuration_id: 'Nope' }] })],
    ['authorization_details with null entries', (r) => ({ ...r, authorization_details: [null, 1, 'x'] })],
    ['an extra parameter', (r) => ({ ...r, scope: 'openid', client_id: 'x', redirect_uri: 'http://127.0.0.1/cb' })],
  ]

  it.each(tokenMutations)('token request, %s', async (name, mutate) => {
    const x = await exchange()
    expectOAuthAnswer(`token: ${name}`, await postForm(`${x.credentialIssuer}/token`, mutate(x.tokenRequest)))
  })

  const credentialMutations: [string, (x: Exchange) => Promise<{ body: unknown; authorization?: (token: string) => string | undefined }>][] = [
    ['no Authorization header', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof()] } }, authorization: () => undefined })],
    ['Authorization: Basic', async () => ({ body: {}, authorization: (t) => `Basic ${t}` })],
    ['Authorization: Bearer with no token', async () => ({ body: {}, authorization: () => 'Bearer' })],
    ['token altered', async (x) => ({ body: { credential_configuration_id: x.configurationId }, authorization: (t) => `Bearer ${t.slice(0, -4)}AAAA` })],
    ['token as DPoP without a DPoP proof', async (x) => ({ body: { credential_configuration_id: x.configurationId }, authorization: (t) => `DPoP ${t}` })],
    ['token huge', async () => ({ body: {}, authorization: () => `Bearer ${'a'.repeat(8_000)}` })],
    ['empty body', async () => ({ body: {} })],
    ['body an array', async () => ({ body: [] })],
    ['credential_configuration_id missing', async (x) => ({ body: { proofs: { jwt: [await x.proof()] } } })],
    ['credential_configuration_id a number', async (x) => ({ body: { credential_configuration_id: 7, proofs: { jwt: [await x.proof()] } } })],
    ['credential_configuration_id unknown', async (x) => ({ body: { credential_configuration_id: 'Nope_dc+sd-jwt', proofs: { jwt: [await x.proof()] } } })],
    ['credential_configuration_id not offered', async (x) => ({ body: { credential_configuration_id: 'BusinessRegistrationCredential_jwt_vc_json', proofs: { jwt: [await x.proof()] } } })],
    ['credential_configuration_id huge', async (x) => ({ body: { credential_configuration_id: HUGE, proofs: { jwt: [await x.proof()] } } })],
    ['credential_identifier instead', async (x) => ({ body: { credential_identifier: x.configurationId, proofs: { jwt: [await x.proof()] } } })],
    ['format (draft 13) instead', async (x) => ({ body: { format: 'vc+sd-jwt', vct: 'x', proofs: { jwt: [await x.proof()] } } })],
    ['proof and proofs', async (x) => ({ body: { credential_configuration_id: x.configurationId, proof: { proof_type: 'jwt', jwt: await x.proof() }, proofs: { jwt: [await x.proof()] } } })],
    ['proof (draft 13) only', async (x) => ({ body: { credential_configuration_id: x.configurationId, proof: { proof_type: 'jwt', jwt: await x.proof() } } })],
    ['proofs missing', async (x) => ({ body: { credential_configuration_id: x.configurationId } })],
    ['proofs empty', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: {} } })],
    ['proofs.jwt empty', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [] } } })],
    ['proofs.jwt a string', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: await x.proof() } } })],
    ['proofs.jwt of numbers', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [1, 2] } } })],
    ['proofs.jwt not a JWT', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: ['a.b.c'] } } })],
    ['proofs of type attestation', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { attestation: [await x.proof()] } } })],
    ['proofs of an unknown type', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { ldp_vp: [{}] } } })],
    ['proofs of two types', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof()], attestation: ['a.b.c'] } } })],
    [
      'credential_response_encryption garbage',
      async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof()] }, credential_response_encryption: { jwk: 1, alg: 2 } } }),
    ],
    ['an extra member', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof()] }, extra: { deep: [HUGE.slice(0, 1000)] } } })],
    ['proof alg none', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof({ alg: 'none' })] } } })],
    ['proof alg HS256', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof({ alg: 'HS256' })] } } })],
    ['proof alg RS256', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof({ alg: 'RS256' })] } } })],
    ['proof alg EdDSA with a P-256 key', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof({ alg: 'EdDSA' })] } } })],
    ['proof typ JWT', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof({ typ: 'JWT' })] } } })],
    ['proof typ missing', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof({ typ: null })] } } })],
    ['proof with no key', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof({ jwk: null })] } } })],
    ['proof with kid and jwk', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof({ kid: 'did:jwk:x#0' })] } } })],
    ['proof jwk with a private key', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof({ jwk: { ...x.jwk, d: 'AAAA' } })] } } })],
    ['proof jwk malformed', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof({ jwk: { kty: 'XX' } })] } } })],
    ['proof kid did:web', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof({ jwk: null, kid: 'did:web:attacker.example#0' })] } } })],
    ['proof kid no DID', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof({ jwk: null, kid: 'key-1' })] } } })],
    [
      'proof kid a did:jwk of another key',
      async (x) => ({
        body: {
          credential_configuration_id: x.configurationId,
          proofs: { jwt: [await x.proof({ jwk: null, kid: `did:jwk:${Buffer.from(JSON.stringify({ ...x.jwk, x: x.jwk.y })).toString('base64url')}#0` })] },
        },
      }),
    ],
    ['proof x5c', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof({ jwk: null, x5c: ['MIIB'] })] } } })],
    ['proof nonce missing', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof({}, { nonce: null })] } } })],
    ['proof nonce a number', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof({}, { nonce: 42 })] } } })],
    ['proof nonce garbage', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof({}, { nonce: 'not-a-nonce' })] } } })],
    [
      'proof nonce of another issuer',
      async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof({}, { nonce: await x.nonce('alberta-corporate-registry') })] } } }),
    ],
    ['proof nonce huge', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof({}, { nonce: HUGE })] } } })],
    ['proofs with two nonces', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof(), await x.proof()] } } })],
    ['proof aud wrong', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof({}, { aud: 'https://elsewhere.example' })] } } })],
    ['proof aud a number', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof({}, { aud: 1 })] } } })],
    ['proof aud missing', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof({}, { aud: null })] } } })],
    ['proof iat missing', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof({}, { iat: null })] } } })],
    ['proof iat a string', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof({}, { iat: 'yesterday' })] } } })],
    ['proof iat a day old', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof({}, { iat: Math.floor(Date.now() / 1000) - 86_400 })] } } })],
    ['proof iat in a year', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof({}, { iat: Math.floor(Date.now() / 1000) + 31_536_000 })] } } })],
    ['proof expired (exp)', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof({}, { exp: Math.floor(Date.now() / 1000) - 60 })] } } })],
    ['proof signature altered', async (x) => ({ body: { credential_configuration_id: x.configurationId, proofs: { jwt: [`${(await x.proof()).slice(0, -6)}AAAAAA`] } } })],
  ]

  it.each(credentialMutations)('credential request, %s', async (name, mutation) => {
    const x = await exchange()
    const token = await x.token()
    const { body, authorization } = await mutation(x)
    expectOAuthAnswer(`credential: ${name}`, await postCredential(x, body, authorization ? authorization(token) : `Bearer ${token}`))
  })

  it('credential request for a jwt_vc_json offer, with a bare jwk, then a reused nonce: refused, then issued, then denied', async () => {
    const x = await exchange('jwt_vc_json')
    const token = await x.token()
    const nonce = await x.nonce()
    const bare = await postCredential(x, { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof({}, { nonce })] } }, `Bearer ${token}`)
    expectOAuthAnswer('jwt_vc_json with a bare jwk', bare)
    expect(JSON.parse(bare.text).error).toBe('invalid_proof')
    const kid = `did:jwk:${Buffer.from(JSON.stringify(x.jwk)).toString('base64url')}#0`
    const issued = await postCredential(x, { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof({ jwk: null, kid }, { nonce })] } }, `Bearer ${token}`)
    expect(issued.status, issued.text).toBe(200)
    const again = await postCredential(x, { credential_configuration_id: x.configurationId, proofs: { jwt: [await x.proof({ jwk: null, kid }, { nonce })] } }, `Bearer ${token}`)
    expectOAuthAnswer('the same nonce again', again)
    expect(JSON.parse(again.text).error).toBe('credential_request_denied')
  })

  it('arbitrary JSON in one field of a valid credential request or of its key proof', async () => {
    let x = await exchange()
    let token = await x.token()
    const fields = ['credential_configuration_id', 'proofs', 'proof', 'credential_identifier', 'credential_response_encryption']
    const claims = ['aud', 'iat', 'nonce', 'iss', 'exp', 'nbf']
    const headers = ['alg', 'typ', 'kid', 'jwk', 'x5c', 'key_attestation']
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...fields, ...claims.map((c) => `payload.${c}`), ...headers.map((h) => `header.${h}`)), fc.jsonValue({ maxDepth: 2 }), async (field, value) => {
        const [part, name] = field.includes('.') ? field.split('.') : ['body', field]
        const jwt = await x.proof(part === 'header' ? { [name]: value } : {}, part === 'payload' ? { [name]: value } : {})
        const body: Json = { credential_configuration_id: x.configurationId, proofs: { jwt: [jwt] } }
        if (part === 'body') body[name] = value
        const answer = await postCredential(x, body, `Bearer ${token}`)
        expectOAuthAnswer(`credential: ${field} = ${JSON.stringify(value).slice(0, 200)}`, answer)
        if (answer.status === 200) {
          x = await exchange()
          token = await x.token()
        }
      }),
      { numRuns: Math.min(RUNS_PER_ENDPOINT, 60), endOnFailure: true },
    )
  })

  it('nonce endpoint: any body, any content type', async () => {
    const nonceEndpoint = `${issuer.url}/oid4vci/bc-registries/nonce`
    for (const [contentType, body] of [
      ['application/json', '{"c_nonce":"x"}'],
      ['application/json', '[1,2]'],
      ['application/json', '{'],
      ['application/x-www-form-urlencoded', 'a=b&a=c'],
      ['text/plain', HUGE.slice(0, 1000)],
      ['application/json', JSON.stringify({ deep: HUGE })],
    ]) {
      const response = await fetch(nonceEndpoint, { method: 'POST', headers: { 'content-type': contentType }, body })
      expectOAuthAnswer(`nonce: ${contentType} ${body.slice(0, 40)}`, { status: response.status, contentType: response.headers.get('content-type') ?? '', text: await response.text() })
    }
  })
})

describe('OID4VP responses with one field wrong (direct_post, OID4VP 1.0 §8.2)', () => {
  const HUGE = 'x'.repeat(200_000)
  let vpStack: Awaited<ReturnType<typeof startTestStack>>
  beforeAll(async () => {
    vpStack = await startTestStack({ notificationRetryBaseMs: 60_000 })
  }, 120_000)
  afterAll(async () => {
    await vpStack?.close()
  })

  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

  /** A fresh request, and a valid-looking SD-JWT VC presentation for it (our own issuer and holder keys). */
  async function opened() {
    const created = (await (
      await fetch(`${vpStack.verifier.url}/verifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ policyId: 'estate-account-proof-of-death' }) })
    ).json()) as Json
    const requestObject = await (await fetch(new URL(created.requestUri).searchParams.get('request_uri')!)).text()
    const request = JSON.parse(Buffer.from(requestObject.split('.')[1], 'base64url').toString()) as { state: string; nonce: string; client_id: string; response_uri: string }
    const { privateKey, publicKey } = await generateKeyPair('ES256')
    const jwk = await exportJWK(publicKey)
    const sign = (header: Json, payload: Json) => new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'ES256', ...header }).sign(privateKey)
    const disclosure = encode(['salt', 'registration_number', 'NL-1'])
    const issuerJwt = await sign(
      { typ: 'dc+sd-jwt', kid: `did:jwk:${encode(jwk)}#0` },
      { iss: `did:jwk:${encode(jwk)}`, vct: 'https://interop-lab.ca/credentials/death-registration', cnf: { jwk }, _sd: ['x'] },
    )
    const kb = await sign({ typ: 'kb+jwt' }, { nonce: request.nonce, aud: request.client_id, iat: Math.floor(Date.now() / 1000), sd_hash: 'x' })
    return { id: created.id as string, request, presentation: `${issuerJwt}~${disclosure}~${kb}` }
  }
  type Opened = Awaited<ReturnType<typeof opened>>

  const mutations: [string, (o: Opened) => Record<string, unknown> | string][] = [
    ['vp_token not JSON', (o) => ({ vp_token: '{', state: o.request.state })],
    ['vp_token a JSON array', (o) => ({ vp_token: JSON.stringify([o.presentation]), state: o.request.state })],
    ['vp_token null', (o) => ({ vp_token: 'null', state: o.request.state })],
    ['vp_token empty object', (o) => ({ vp_token: '{}', state: o.request.state })],
    ['vp_token for an unasked query', (o) => ({ vp_token: JSON.stringify({ other: [o.presentation] }), state: o.request.state })],
    ['presentation a number', (o) => ({ vp_token: '{"death":[42]}', state: o.request.state })],
    ['presentation nested arrays', (o) => ({ vp_token: JSON.stringify({ death: [[o.presentation]] }), state: o.request.state })],
    ['presentation empty', (o) => ({ vp_token: '{"death":[""]}', state: o.request.state })],
    ['presentation only tildes', (o) => ({ vp_token: JSON.stringify({ death: ['~~~~'] }), state: o.request.state })],
    ['presentation with 5000 empty disclosures', (o) => ({ vp_token: JSON.stringify({ death: [`${o.presentation.split('~')[0]}${'~'.repeat(5000)}`] }), state: o.request.state })],
    [
      'issuer JWT header not JSON',
      (o) => ({ vp_token: JSON.stringify({ death: [`${Buffer.from('{').toString('base64url')}.e30.x~${o.presentation.split('~').slice(1).join('~')}`] }), state: o.request.state }),
    ],
    ['disclosure not base64url JSON', (o) => ({ vp_token: JSON.stringify({ death: [o.presentation.replace(/~[^~]+~/, '~%%%~')] }), state: o.request.state })],
    [
      'disclosure of invalid UTF-8',
      (o) => ({ vp_token: JSON.stringify({ death: [o.presentation.replace(/~[^~]+~/, `~${Buffer.from([0xff, 0xfe, 0x5b]).toString('base64url')}~`)] }), state: o.request.state }),
    ],
    ['key-binding JWT garbage', (o) => ({ vp_token: JSON.stringify({ death: [`${o.presentation.split('~').slice(0, -1).join('~')}~a.b.c`] }), state: o.request.state })],
    ['a JWT VP that is not a JWT', (o) => ({ vp_token: '{"death":["a.b"]}', state: o.request.state })],
    ['a JWT VP whose vp is a string', (o) => ({ vp_token: JSON.stringify({ death: [`${encode({ alg: 'ES256', kid: 'did:jwk:x#0' })}.${encode({ vp: 'x' })}.c2ln`] }), state: o.request.state })],
    ['vp_token huge', (o) => ({ vp_token: JSON.stringify({ death: [HUGE] }), state: o.request.state })],
    ['vp_token repeated', (o) => `vp_token=${encodeURIComponent('{}')}&vp_token=${encodeURIComponent('{}')}&state=${o.request.state}`],
    ['state missing', (o) => ({ vp_token: JSON.stringify({ death: [o.presentation] }) })],
    ['state empty', (o) => ({ vp_token: JSON.stringify({ death: [o.presentation] }), state: '' })],
    ['state repeated', (o) => `vp_token=${encodeURIComponent(JSON.stringify({ death: [o.presentation] }))}&state=${o.request.state}&state=${o.request.state}`],
    ['state of no request', (o) => ({ vp_token: JSON.stringify({ death: [o.presentation] }), state: 'no-such-state' })],
    ['state with a NUL', (o) => ({ vp_token: JSON.stringify({ death: [o.presentation] }), state: `${o.request.state}\u0000` })],
    ['a wallet error with state', (o) => ({ error: 'access_denied', error_description: 'the user declined', state: o.request.state })],
    ['a wallet error without state', () => ({ error: 'access_denied' })],
    ['a wallet error with a huge description', (o) => ({ error: 'access_denied', error_description: HUGE, state: o.request.state })],
  ]

  const postResponse = async (o: Opened, body: Record<string, unknown> | string, contentType = 'application/x-www-form-urlencoded'): Promise<Answer> => {
    const form = typeof body === 'string' ? body : new URLSearchParams(Object.entries(body).map(([k, v]) => [k, String(v)])).toString()
    const response = await fetch(o.request.response_uri, { method: 'POST', headers: { 'content-type': contentType }, body: form })
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', text: await response.text() }
  }
  /** The POST answered < 500 in OAuth's error format, and the verification still answers (its decision made, if any). */
  const expectNoServerError = async (what: string, o: Opened, answer: Answer) => {
    const where = `${what} → ${answer.status} ${answer.text.slice(0, 300)}`
    expect(answer.status, where).toBeLessThan(500)
    if (answer.status >= 400) expect(ERROR_SHAPES.oauth(JSON.parse(answer.text) as Json) || ERROR_SHAPES.lab(JSON.parse(answer.text) as Json), where).toBe(true)
    const verification = await fetch(`${vpStack.verifier.url}/verifications/${o.id}`)
    expect(verification.status, `${what}: GET /verifications/${o.id} → ${verification.status} ${await verification.clone().text()}`).toBe(200)
    const { decision } = (await verification.json()) as { decision?: { outcome: string } }
    if (decision) expect(decision.outcome, what).toBe('rejected')
  }

  it.each(mutations)('%s: no 5xx, from the response endpoint or from GET /verifications/{id}', async (name, mutate) => {
    const o = await opened()
    await expectNoServerError(name, o, await postResponse(o, mutate(o)))
  })

  it('a JSON body instead of a form', async () => {
    const o = await opened()
    await expectNoServerError('json body', o, await postResponse(o, JSON.stringify({ vp_token: { death: [o.presentation] }, state: o.request.state }), 'application/json'))
  })

  it('arbitrary JSON as the presentation, and as the vp_token', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), fc.boolean(), async (value, asPresentation) => {
        const o = await opened()
        const vpToken = asPresentation ? JSON.stringify({ death: [value] }) : JSON.stringify(value)
        await expectNoServerError(`vp_token ${vpToken.slice(0, 80)}`, o, await postResponse(o, { vp_token: vpToken, state: o.request.state }))
      }),
      { numRuns: Math.min(RUNS_PER_ENDPOINT, 40), endOnFailure: true },
    )
  })
})
