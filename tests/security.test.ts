import { decodeJwt } from 'jose'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL_ADMIN_API_KEY } from '../common/config'
import { openDatabase } from '../common/db'
import { runVariant } from '../scenarios/runner'
import { loadScenarios } from '../scenarios/scenario'
import { type RouteName, routesOf } from './support/routes'
import { startTestStack } from './support/stack'

type Service = 'issuer' | 'verifier' | 'wallet' | 'trustRegistry'

/** Routes that change or reveal what only an operator may: each needs the admin API key. */
const ADMIN_ROUTES: Record<Service, RouteName[]> = {
  issuer: [
    'POST /issuers/:key/offers',
    'GET /issuers/:key/offers/:offerId',
    'POST /certifiers/:key/certificates',
    'GET /registrars/:key/registrations/:id',
    'POST /registrars/:key/registrations/:id/registration',
    'POST /registrars/:key/registrations/:id/correction',
    'GET /notifications/subscriptions',
    'POST /notifications/subscriptions',
    'DELETE /notifications/subscriptions/:id',
    'GET /notifications/deliveries',
    'POST /notifications/events',
    'POST /credentials/issue',
    'POST /credentials/derive',
    'POST /credentials/status',
    'POST /status-lists/:id/publish',
  ],
  verifier: [
    'GET /programs/canada-revenue-agency/inbox',
    'GET /programs/nl-medical-care-plan/inbox',
    'GET /programs/passport-program/inbox',
    'GET /programs/ramq/inbox',
    'GET /programs/service-canada-benefits/inbox',
    'GET /programs/sk-health-registration/inbox',
    'POST /credentials/verify',
    'POST /presentations/verify',
  ],
  wallet: [],
  trustRegistry: [
    'POST /admin/entities',
    'PUT /admin/entities/:key/did',
    'PATCH /admin/entities/:key',
    'PUT /admin/recognitions/:jurisdiction',
    'DELETE /admin/recognitions/:jurisdiction',
    'PUT /admin/registries/:jurisdiction',
    'GET /admin/audit',
  ],
}

/** Routes open to anyone on purpose, and why. */
const PUBLIC_ROUTES: Record<Service, { routes: RouteName[]; why: string }[]> = {
  issuer: [
    { routes: ['GET /health', 'GET /capabilities', 'GET /credential-types', 'GET /issuers', 'GET /vc-api/issuers', 'GET /notifications/topics'], why: 'what the service is and offers' },
    { routes: ['GET /status/token/:listId', 'GET /status/bitstring/:listId', 'GET /status/bitstring/:listId/suspension', 'GET /status-lists/:id'], why: 'status lists relying parties fetch' },
    { routes: ['GET /notifications/jwks.json'], why: 'the key subscribers check notifications with' },
    { routes: ['GET /contexts/credentials/v1'], why: 'the lab’s JSON-LD context, for peers that process its credentials' },
    { routes: ['POST /registrars/:key/medical-certificates'], why: 'a certifier’s signed certificate: the signature and the trust registry decide' },
  ],
  verifier: [
    { routes: ['GET /health', 'GET /capabilities', 'GET /policies', 'GET /programs'], why: 'what the service is and asks for' },
    { routes: ['POST /verifications', 'GET /verifications/:id'], why: 'a relying party’s front end starts a verification and reads its decision by its unguessable id' },
    {
      routes: ['canada-revenue-agency', 'nl-medical-care-plan', 'passport-program', 'ramq', 'service-canada-benefits', 'sk-health-registration'].map((key): RouteName => `POST /programs/${key}/inbox`),
      why: 'notifications arrive as JWS signed by the publisher, checked against its JWKS',
    },
    { routes: ['POST /oid4vp/*path'], why: 'admits one OID4VP response per open request and keeps it until the lab’s own checks decide, in front of Credo’s response endpoint' },
  ],
  wallet: [
    {
      routes: ['GET /health', 'GET /capabilities', 'GET /personas', 'GET /personas/:id/credentials', 'DELETE /personas/:id/credentials', 'POST /personas/:id/offers', 'POST /personas/:id/presentations'],
      why: 'the simulator stands for its holders’ own devices: a lab tool, never published beyond the lab network',
    },
  ],
  trustRegistry: [
    {
      routes: ['GET /health', 'GET /.well-known/jwks.json', 'GET /.well-known/trqp-configuration', 'GET /trqp/authorization', 'POST /trqp/authorization', 'GET /trqp/recognition', 'POST /trqp/recognition', 'GET /registry/entities', 'GET /registry/recognitions'],
      why: 'a trust registry answers anyone; its answers are signed',
    },
  ],
}

/** OID4VCI, OID4VP and DIDComm endpoints: open by their specifications (pre-authorized codes, nonces, encryption protect them). */
const isProtocolRoute = (route: RouteName) => /^\w+ \/(oid4vci|oid4vp|didcomm|\.well-known\/(openid-credential-issuer|oauth-authorization-server)\/oid4vci)\//.test(route) || /^POST \/didcomm$/.test(route)

let stack: Awaited<ReturnType<typeof startTestStack>>
beforeAll(async () => {
  stack = await startTestStack()
})
afterAll(async () => {
  await stack?.close()
})

const appOf = (service: Service) => ({ issuer: stack.issuer, verifier: stack.verifier, wallet: stack.wallet, trustRegistry: stack.trustRegistry })[service]
const SERVICES: Service[] = ['issuer', 'verifier', 'wallet', 'trustRegistry']

async function call(service: Service, route: RouteName, authorization?: string) {
  const [method, path] = route.split(' ')
  const url = `${appOf(service).url}${path.replace(/:\w+/g, 'unknown')}`
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: method === 'GET' || method === 'DELETE' ? undefined : '{}',
  })
  return { status: response.status, body: (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined }
}

describe('authentication', () => {
  it.each(SERVICES)('classifies every route of the %s as admin, public on purpose, or a protocol endpoint', (service) => {
    const classified = new Set<RouteName>([...ADMIN_ROUTES[service], ...PUBLIC_ROUTES[service].flatMap((group) => group.routes)])
    const routes = routesOf(appOf(service).app)
    expect(routes.filter((route) => !classified.has(route) && !isProtocolRoute(route))).toEqual([])
    // and the lists name no route that no longer exists
    expect([...classified].filter((route) => !routes.includes(route))).toEqual([])
  })

  it.each(SERVICES.flatMap((service) => ADMIN_ROUTES[service].map((route) => [service, route] as const)))('%s %s refuses a caller without the admin key', async (service, route) => {
    for (const authorization of [undefined, 'Bearer wrong-key', `Bearer ${LOCAL_ADMIN_API_KEY}x`, LOCAL_ADMIN_API_KEY, `Basic ${Buffer.from(`admin:${LOCAL_ADMIN_API_KEY}`).toString('base64')}`]) {
      const answer = await call(service, route, authorization)
      expect(answer.status, `${route} with ${authorization}`).toBe(401)
      // our error, or an RFC 9457 problem on the VC API routes
      expect(typeof (answer.body?.error ?? answer.body?.title), route).toBe('string')
    }
    expect((await call(service, route, `Bearer ${LOCAL_ADMIN_API_KEY}`)).status).not.toBe(401)
  })
})

describe('single-use nonces', () => {
  it('refuses a second POST to an answered OID4VP request, and keeps the first decision', async () => {
    const scenario = loadScenarios().find((s) => s.id === 'business-banking')!
    const result = await runVariant(stack.endpoints, scenario, undefined, 'dc+sd-jwt')
    expect(result.passed).toBe(true)

    // once decided, the verifier keeps no raw response (verifier/responses.ts): the replay answers the same request's state
    const verifierDb = await openDatabase({ engine: 'sqlite', file: join(stack.dataDir, 'verifier.sqlite') })
    const responses = await verifierDb.query<{ state: string }>('SELECT state FROM verification_responses')
    const verifications = await verifierDb.query<{ id: string }>('SELECT id FROM verifications')
    const [session] = await verifierDb.query<{ value: string }>("SELECT value FROM credo_records WHERE type = 'OpenId4VcVerificationSessionRecord'")
    await verifierDb.close()
    expect([responses.length, verifications.length]).toEqual([0, 1])
    const [{ id: verificationId }] = verifications
    const { authorizationRequestJwt } = JSON.parse(session.value) as { authorizationRequestJwt: string }
    const state = String(decodeJwt(authorizationRequestJwt).state)
    const vpToken = JSON.stringify({ business: ['replayed'], person: ['replayed'] })

    const verifierId = stack.verifier.policies.get('open-business-account')!.verifier
    const replay = await fetch(`${stack.verifier.url}/oid4vp/${verifierId}/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ vp_token: vpToken, state }).toString(),
    })
    expect(replay.status).toBeGreaterThanOrEqual(400)
    expect(replay.status).toBeLessThan(500)
    expect(await replay.json()).toMatchObject({ error: expect.any(String) })

    const after = (await (await fetch(`${stack.verifier.url}/verifications/${verificationId}`)).json()) as { state: string; decision: { outcome: string } }
    expect(after.decision.outcome).toBe('accepted')
    expect(after.state).toBe('ResponseVerified')
  })
})
