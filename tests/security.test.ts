import { decodeJwt } from 'jose'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL_ADMIN_API_KEY } from '@interop-lab/common/config'
import { openDatabase } from '@interop-lab/common/db'
import { runVariant } from '@interop-lab/scenarios/runner'
import { loadScenarios } from '@interop-lab/scenarios/scenario'
import { adminRoutes, documentedRoutes, isProtocolRoute, issuerApi, type OpenApiDocument, openApiDocument, type RouteName, trustRegistryApi, verifierApi, walletApi } from '@interop-lab/contracts'
import { loadPrograms } from '@interop-lab/verifier/programs'
import { routesOf } from './support/routes'
import { startTestStack } from './support/stack'

type Service = 'issuer' | 'verifier' | 'wallet' | 'trustRegistry'

/**
 * The route inventory is each service's OpenAPI document (contracts/api-*.ts): an operation needs the admin API key,
 * or says why it is open to anyone (`x-open-because`); the OID4VCI, OID4VP and DIDComm endpoints are open by their
 * specifications (pre-authorized codes, nonces, encryption protect them).
 */
const DOCUMENTS: Record<Service, OpenApiDocument> = {
  issuer: openApiDocument(issuerApi),
  // the test stack's verifier hosts every program's inbox
  verifier: openApiDocument(verifierApi(loadPrograms().map((program) => program.key))),
  wallet: openApiDocument(walletApi),
  trustRegistry: openApiDocument(trustRegistryApi),
}
const ADMIN_ROUTES = (service: Service) => adminRoutes(DOCUMENTS[service])

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
  it.each(SERVICES)('classifies every route of the %s as admin, public on purpose, or a protocol endpoint', async (service) => {
    // the inventory is the document the service serves
    expect(await (await fetch(`${appOf(service).url}/openapi.json`)).json()).toEqual(JSON.parse(JSON.stringify(DOCUMENTS[service])))
    const documented = documentedRoutes(DOCUMENTS[service])
    const routes = routesOf(appOf(service).app)
    expect(routes.filter((route) => !documented.includes(route) && !isProtocolRoute(route))).toEqual([])
    // and the document names no route that no longer exists
    expect(documented.filter((route) => !routes.includes(route))).toEqual([])
    const openWithoutReason = Object.entries(DOCUMENTS[service].paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, operation]) => !operation.security.length && !String(operation['x-open-because'] ?? '').trim())
        .map(([method]) => `${method} ${path}`),
    )
    expect(openWithoutReason).toEqual([])
  })

  it.each(SERVICES.flatMap((service) => ADMIN_ROUTES(service).map((route) => [service, route] as const)))('%s %s refuses a caller without the admin key', async (service, route) => {
    for (const authorization of [undefined, 'Bearer wrong-key', `Bearer ${LOCAL_ADMIN_API_KEY}x`, LOCAL_ADMIN_API_KEY, `Basic ${Buffer.from(`admin:${LOCAL_ADMIN_API_KEY}`).toString('base64')}`]) {
      const answer = await call(service, route, authorization)
      expect(answer.status, `${route} with ${authorization}`).toBe(401)
      // an RFC 9457 problem (§3.1: type, title, status)
      expect([typeof answer.body?.type, typeof answer.body?.title, answer.body?.status], route).toEqual(['string', 'string', 401])
    }
    expect((await call(service, route, `Bearer ${LOCAL_ADMIN_API_KEY}`)).status).not.toBe(401)
  })
})

describe('single-use nonces', () => {
  it('refuses a second POST to an answered OID4VP request, and keeps the first decision', async () => {
    const scenario = loadScenarios().find((s) => s.id === 'business-banking')!
    const result = await runVariant(stack.endpoints, scenario, undefined, 'dc+sd-jwt')
    expect(result.passed).toBe(true)

    // once decided, the verifier keeps no raw response, only its request's marker (verifier/responses.ts): the replay answers the same request's state
    const verifierDb = await openDatabase({ engine: 'sqlite', file: join(stack.dataDir, 'verifier.sqlite') })
    const responses = await verifierDb.query<{ vp_token: string }>('SELECT vp_token FROM verification_responses')
    const verifications = await verifierDb.query<{ id: string }>('SELECT id FROM verifications')
    const [session] = await verifierDb.query<{ value: string }>("SELECT value FROM credo_records WHERE type = 'OpenId4VcVerificationSessionRecord'")
    await verifierDb.close()
    expect([responses, verifications.length]).toEqual([[{ vp_token: '' }], 1])
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
