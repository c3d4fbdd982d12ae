import { LOCAL_ADMIN_API_KEY } from '@interop-lab/common/config'
import {
  adminRoutes,
  createdVerificationSchema,
  documentedRoutes,
  isProtocolRoute,
  issuersAnswerSchema,
  type OpenApiDocument,
  personasAnswerSchema,
  PROBLEM_MEDIA_TYPE,
  problemSchema,
  signedAuthorizationAnswerSchema,
  verificationSchema,
} from '@interop-lab/contracts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { routesOf } from './support/routes'
import { startTestStack } from './support/stack'

// Each service serves the OpenAPI document generated from contracts/, and registers exactly the routes it documents;
// request bodies are parsed with the contracts (RFC 9457 problem on failure), and answers parse with them.

type Service = 'issuer' | 'verifier' | 'wallet' | 'trustRegistry'
const SERVICES: Service[] = ['issuer', 'verifier', 'wallet', 'trustRegistry']
const admin = { authorization: `Bearer ${LOCAL_ADMIN_API_KEY}` }

let stack: Awaited<ReturnType<typeof startTestStack>>
beforeAll(async () => {
  stack = await startTestStack({ federated: false })
})
afterAll(async () => {
  await stack?.close()
})

const serviceOf = (service: Service) => ({ issuer: stack.issuer, verifier: stack.verifier, wallet: stack.wallet, trustRegistry: stack.trustRegistry })[service]

async function call(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: text && /json/.test(response.headers.get('content-type') ?? '') ? JSON.parse(text) : text }
}

/** The answer is an RFC 9457 problem (§3.1 members, `application/problem+json`) with the lab's code. */
function expectProblem(answer: Awaited<ReturnType<typeof call>>, status: number, code: string) {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status)
  expect(answer.contentType).toContain(PROBLEM_MEDIA_TYPE)
  const problem = problemSchema.parse(answer.body)
  expect([problem.status, problem.code]).toEqual([status, code])
  expect(problem.type).toBe(`https://interop-lab.ca/problems#${code}`)
  return problem
}

describe('OpenAPI per service', () => {
  it.each(SERVICES)('the %s registers exactly the routes its OpenAPI document lists (protocol endpoints aside)', async (service) => {
    const answer = await call('GET', `${serviceOf(service).url}/openapi.json`)
    expect(answer.status).toBe(200)
    const document = answer.body as OpenApiDocument
    expect(document.openapi).toBe('3.1.0')
    const registered = routesOf(serviceOf(service).app).filter((route) => !isProtocolRoute(route))
    expect(registered).toEqual(documentedRoutes(document))
  })

  it.each(SERVICES)('the %s docs page lists every operation, with no outside asset', async (service) => {
    const document = (await call('GET', `${serviceOf(service).url}/openapi.json`)).body as OpenApiDocument
    const page = await call('GET', `${serviceOf(service).url}/docs`)
    expect(page.contentType).toContain('text/html')
    for (const route of documentedRoutes(document)) expect(page.body).toContain(`<code>${route.split(' ')[1].replace(/\{(\w+)\}/g, ':$1')}</code>`)
    expect(page.body).not.toMatch(/<script|src=|href="(https?:)?\/\//)
  })

  it('marks the admin routes with the bearer scheme, and only those refuse a caller without the key', async () => {
    const document = (await call('GET', `${stack.trustRegistry.url}/openapi.json`)).body as OpenApiDocument
    expect(adminRoutes(document)).toContain('POST /admin/entities')
    expect(adminRoutes(document)).not.toContain('POST /trqp/authorization')
    expectProblem(await call('POST', `${stack.trustRegistry.url}/admin/entities`, {}), 401, 'unauthorized')
  })
})

describe('requests parsed with the contracts', () => {
  it('the verifier refuses a verification request that is not the contract: 400 problem naming each field', async () => {
    const problem = expectProblem(await call('POST', `${stack.verifier.url}/verifications`, { policyId: '', format: 'mp4', extra: 1 }), 400, 'invalid_request')
    expect(problem.errors?.map((e) => e.path).sort()).toEqual(['(root)', 'format', 'policyId'])
  })

  it('the issuer refuses an offer without claims (createOffer contract)', async () => {
    const problem = expectProblem(
      await call('POST', `${stack.issuer.url}/issuers/bc-registries/offers`, { credentialType: 'BusinessRegistrationCredential', format: 'dc+sd-jwt' }, admin),
      400,
      'invalid_request',
    )
    expect(problem.errors?.map((e) => e.path)).toEqual(['claims'])
  })

  it('the wallet refuses a presentation request with an unknown fault', async () => {
    const problem = expectProblem(await call('POST', `${stack.wallet.url}/personas/business-owner/presentations`, { requestUri: 'openid4vp://x', fault: { kind: 'explode' } }), 400, 'invalid_request')
    expect(problem.errors?.map((e) => e.path)).toEqual(['fault.kind'])
  })

  it('the trust registry refuses a TRQP query without a resource', async () => {
    const problem = expectProblem(await call('POST', `${stack.trustRegistry.url}/trqp/authorization`, { entity_id: 'did:web:x', authority_id: 'CA-BC', action: 'issue' }), 400, 'invalid_request')
    expect(problem.errors?.map((e) => e.path)).toEqual(['resource'])
  })
})

describe('answers parsed with the contracts', () => {
  it('a verification, the issuers, the personas and a TRQP answer are what the contracts say', async () => {
    const created = createdVerificationSchema.parse((await call('POST', `${stack.verifier.url}/verifications`, { policyId: 'open-business-account' })).body)
    const read = verificationSchema.parse((await call('GET', `${stack.verifier.url}/verifications/${created.id}`)).body)
    expect([read.id, read.policyId, read.format, read.protocol, read.decision]).toEqual([created.id, 'open-business-account', 'dc+sd-jwt', 'oid4vc', undefined])
    const { issuers } = issuersAnswerSchema.parse((await call('GET', `${stack.issuer.url}/issuers`)).body)
    expect(personasAnswerSchema.parse((await call('GET', `${stack.wallet.url}/personas`)).body).personas.length).toBeGreaterThan(0)
    const bc = issuers.find((i) => i.key === 'bc-registries')!
    const answer = signedAuthorizationAnswerSchema.parse(
      (await call('POST', `${stack.trustRegistry.url}/trqp/authorization`, { entity_id: bc.did, authority_id: 'CA-BC', action: 'issue', resource: 'BusinessRegistrationCredential' })).body,
    )
    expect(answer.authorized).toBe(true)
  })
})

describe('one error model: RFC 9457 problem details with a code', () => {
  it('issuer: unknown issuer (404), missing admin key (401)', async () => {
    expectProblem(await call('POST', `${stack.issuer.url}/issuers/nobody/offers`, { credentialType: 'X', format: 'dc+sd-jwt', claims: {} }, admin), 404, 'unknown_issuer')
    expectProblem(await call('GET', `${stack.issuer.url}/notifications/subscriptions`), 401, 'unauthorized')
  })

  it('issuer: the death registry’s domain errors, mapped at the edge (unknown registrar 404, a certificate that is no JWS 400)', async () => {
    const submit = (registrar: string) => call('POST', `${stack.issuer.url}/registrars/${registrar}/medical-certificates`, { certificate: 'this-is-not-a-compact-jws' })
    expectProblem(await submit('nobody'), 404, 'unknown_registrar')
    // RFC 7515 §7.1: a compact JWS is three base64url parts
    expect(expectProblem(await submit('nl-vital-statistics'), 400, 'invalid_certificate').detail).toMatch(/not a compact JWS/)
  })

  it('verifier: unknown policy (404), unknown verification (404), a body that is not JSON (400)', async () => {
    expectProblem(await call('POST', `${stack.verifier.url}/verifications`, { policyId: 'no-such-policy' }), 404, 'unknown_policy')
    expectProblem(await call('GET', `${stack.verifier.url}/verifications/no-such-id`), 404, 'unknown_verification')
    expectProblem(await call('POST', `${stack.verifier.url}/verifications`, '{not json'), 400, 'entity.parse.failed')
  })

  it('verifier: a notification that is no JWS, refused by the inbox’s verifier (RFC 7515 §7.1 compact serialization)', async () => {
    expectProblem(await call('POST', `${stack.verifier.url}/programs/ramq/inbox`, { jws: 'not-a-jws' }), 400, 'invalid_jws')
  })

  it('wallet: unknown persona (404); a route that does not exist (404)', async () => {
    expectProblem(await call('GET', `${stack.wallet.url}/personas/nobody/credentials`), 404, 'unknown_persona')
    expectProblem(await call('GET', `${stack.wallet.url}/no-such-route`), 404, 'not_found')
  })

  it('trust registry: unknown entity (404) and a duplicate entity (409) from the registry store', async () => {
    expectProblem(await call('PATCH', `${stack.trustRegistry.url}/admin/entities/no-such-entity`, { status: 'suspended' }, admin), 404, 'not_found')
    const entity = { key: 'contracts-test-entity', name: { en: 'Test', fr: 'Test' }, jurisdiction: 'CA-ON', authorizations: [] }
    expect((await call('POST', `${stack.trustRegistry.url}/admin/entities`, entity, admin)).status).toBe(201)
    expectProblem(await call('POST', `${stack.trustRegistry.url}/admin/entities`, entity, admin), 409, 'conflict')
  })
})
