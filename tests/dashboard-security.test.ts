import { OpenId4VcIssuanceSessionRepository } from '@credo-ts/openid4vc'
import { readFileSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Dashboard, startDashboard } from '@interop-lab/scenarios/dashboard/server'
import { summarize, writeReports } from '@interop-lab/scenarios/report'
import type { StepResult, VariantResult } from '@interop-lab/scenarios/runner'
import { type IssueStep, loadScenarios } from '@interop-lab/scenarios/scenario'
import { signIn } from './support/browser'
import { type RouteName, routesOf } from './support/routes'
import { startTestStack } from './support/stack'

/** Every route of the dashboard, by what it needs. */
const INVENTORY = {
  /** Trades the printed token for the session cookie: the one API route open to anyone. */
  signIn: ['POST /api/session'],
  acting: ['POST /api/runs', 'POST /api/offers', 'POST /api/verifications', 'POST /api/handoffs/:id'],
  /** Reading needs the session too: run records hold offer links, decisions hold disclosed claims. */
  reading: [
    'GET /api/handoffs',
    'GET /api/scenarios',
    'GET /api/runs/:id',
    'GET /api/runs/:id/events',
    'GET /api/trust-registry',
    'GET /api/report',
    'GET /api/qr',
    'GET /api/verifications/:id',
    'GET /api/history',
    'GET /api/history/diff',
    'GET /api/history/:runId',
    'GET /api/load',
  ],
} satisfies Record<string, RouteName[]>

/** A valid body for each acting route, so that only the protection under test can refuse it. */
const VALID_BODY: Record<string, Record<string, unknown>> = {
  'POST /api/runs': { scenarioId: 'business-banking', format: 'jwt_vc_json' },
  'POST /api/offers': { issuer: 'bc-registries', credentialType: 'BusinessRegistrationCredential', format: 'dc+sd-jwt', claims: {} },
  'POST /api/verifications': { policyId: 'open-business-account', format: 'dc+sd-jwt' },
  'POST /api/handoffs/:id': { uri: 'openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fissuer.example%2Foffers%2F1', txCode: '123456' },
}

/** The pilot's own business registration, so the issuer accepts the claims. */
const businessClaims = (
  loadScenarios()
    .find((s) => s.id === 'business-banking')!
    .steps.find((s) => s.id === 'issue-business-registration') as IssueStep
).claims

let stack: Awaited<ReturnType<typeof startTestStack>>
let dashboard: Dashboard
let session: string

beforeAll(async () => {
  stack = await startTestStack()
  dashboard = stack.dashboard
  session = await signIn(dashboard)
})

afterAll(async () => {
  await stack?.close()
})

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  json: any
}

/** One raw HTTP request, every header as given (fetch would not let a test forge Host). */
function send(target: Dashboard, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  const url = new URL(path, target.url)
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { host: url.host, ...headers } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (text += chunk))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text, json: res.headers['content-type']?.includes('json') ? JSON.parse(text) : undefined }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** The issuer's record of the offer behind an `openid-credential-offer://?credential_offer_uri=…/offers/<id>`. */
async function issuanceSessionOf(offerUri: string) {
  const credentialOfferId = new URL(new URL(offerUri).searchParams.get('credential_offer_uri')!).pathname.split('/').at(-1)!
  return stack.issuer.agent.dependencyManager.resolve(OpenId4VcIssuanceSessionRepository).getSingleByQuery(stack.issuer.agent.context, { credentialOfferId })
}

/** What the dashboard's own page sends: its origin, the session cookie, JSON. */
const asOwnPage = (extra: Record<string, string> = {}) => ({ origin: dashboard.url, cookie: session, 'content-type': 'application/json', 'sec-fetch-site': 'same-origin', ...extra })
const pathOf = (route: string) => route.split(' ')[1].replace(':id', crypto.randomUUID())

describe('dashboard authentication', () => {
  it('has exactly the inventoried routes', () => {
    expect(routesOf(dashboard.app)).toEqual([...INVENTORY.signIn, ...INVENTORY.acting, ...INVENTORY.reading].sort())
  })

  it.each([...INVENTORY.acting, ...INVENTORY.reading])('%s without the session cookie: 401 (the dashboard acts with the admin key, so it must know who asks)', async (route) => {
    const [method] = route.split(' ')
    const body = method === 'POST' ? JSON.stringify(VALID_BODY[route]) : undefined
    for (const cookie of ['', 'interop_dashboard_session=guessed', `${session}x`]) {
      const answer = await send(dashboard, method, pathOf(route), asOwnPage({ cookie }), body)
      expect(answer.status, `${route} with cookie ${cookie}`).toBe(401)
      expect(answer.json.error).toBe('no_session')
      expect(answer.json.message).toMatch(/#token=/)
    }
  })

  it('gives the session cookie only for the printed token, HttpOnly and SameSite=Strict', async () => {
    const wrong = await send(dashboard, 'POST', '/api/session', asOwnPage({ cookie: '' }), JSON.stringify({ token: 'not-the-token' }))
    expect(wrong.status).toBe(401)
    expect(wrong.json.error).toBe('wrong_token')
    expect(wrong.headers['set-cookie']).toBeUndefined()

    const token = new URLSearchParams(new URL(dashboard.loginUrl).hash.slice(1)).get('token')!
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/) // 256 random bits
    const right = await send(dashboard, 'POST', '/api/session', asOwnPage({ cookie: '' }), JSON.stringify({ token }))
    expect(right.status).toBe(204)
    const cookie = right.headers['set-cookie']![0]
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Strict/)
    expect(cookie).not.toMatch(/Secure/) // plain http on loopback

    // another start, another token: the first dashboard's link and cookie open nothing here
    const other = await startDashboard({ endpoints: stack.endpoints, trustRegistryUrl: stack.trustRegistry.url, reportsDir: stack.dataDir })
    try {
      expect(other.loginUrl).not.toBe(dashboard.loginUrl)
      expect((await send(other, 'GET', '/api/scenarios', { cookie: session })).status).toBe(401)
    } finally {
      await other.close()
    }
  })
})

describe('dashboard against DNS rebinding (Host allow-list, RFC 9110 §15.5.20)', () => {
  it.each(['rebind.attacker.example', 'rebind.attacker.example:4500', '192.0.2.7', 'localhost.attacker.example'])('refuses Host %j with 421, page and API alike', async (host) => {
    for (const [method, path, body] of [
      ['GET', '/', undefined],
      ['GET', '/api/report', undefined],
      ['POST', '/api/offers', JSON.stringify(VALID_BODY['POST /api/offers'])],
    ] as const) {
      const answer = await send(dashboard, method, path, asOwnPage({ host, origin: `http://${host}` }), body)
      expect(answer.status, `${method} ${path}`).toBe(421)
      expect(answer.json.error).toBe('foreign_host')
      expect(answer.json.message).toMatch(/DNS rebinding/)
    }
  })

  it('answers under the loopback names and a configured public address, whose cookie is then Secure', async () => {
    const port = new URL(dashboard.url).port
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
      const page = await send(dashboard, 'GET', '/', { host })
      expect(page.status, host).toBe(200)
      expect(page.headers['content-security-policy']).toBe("frame-ancestors 'none'")
    }
    expect((await send(dashboard, 'GET', '/', { host: 'lab.example' })).status).toBe(421)

    const published = await startDashboard({ endpoints: stack.endpoints, trustRegistryUrl: stack.trustRegistry.url, reportsDir: stack.dataDir, publicUrl: 'https://lab.example' })
    try {
      expect(published.loginUrl).toMatch(/^https:\/\/lab\.example\/#token=/)
      expect((await send(published, 'GET', '/', { host: 'lab.example' })).status).toBe(200)
      const token = new URLSearchParams(new URL(published.loginUrl).hash.slice(1)).get('token')!
      const signedIn = await send(published, 'POST', '/api/session', { host: 'lab.example', origin: 'https://lab.example', 'content-type': 'application/json' }, JSON.stringify({ token }))
      expect(signedIn.status).toBe(204)
      expect(signedIn.headers['set-cookie']![0]).toMatch(/Secure/)
    } finally {
      await published.close()
    }
  })
})

describe('dashboard against cross-site requests (Origin RFC 6454 §7, Sec-Fetch-Site, JSON only)', () => {
  it.each(INVENTORY.acting)('%s: a cross-origin form post is refused with 403 even with the cookie', async (route) => {
    const form = new URLSearchParams(VALID_BODY[route] as Record<string, string>).toString()
    for (const headers of [
      { origin: 'https://attacker.example', 'sec-fetch-site': 'cross-site' },
      // another port of this same machine is the same site, but not this origin
      { origin: 'http://127.0.0.1:1', 'sec-fetch-site': 'same-site' },
      { origin: 'null' },
      { origin: dashboard.url, 'sec-fetch-site': 'cross-site' },
      {}, // no Origin at all
    ] as Record<string, string>[]) {
      const answer = await send(dashboard, 'POST', pathOf(route), { cookie: session, 'content-type': 'application/x-www-form-urlencoded', ...headers }, form)
      expect(answer.status, JSON.stringify(headers)).toBe(403)
      expect(answer.json.error).toBe('cross_origin')
    }
  })

  it.each(INVENTORY.acting)('%s from its own page takes JSON only: text/plain and form bodies get 415', async (route) => {
    const json = JSON.stringify(VALID_BODY[route])
    for (const [type, body] of [
      ['text/plain', json],
      ['application/x-www-form-urlencoded', new URLSearchParams(VALID_BODY[route] as Record<string, string>).toString()],
      ['multipart/form-data; boundary=x', `--x\r\nContent-Disposition: form-data; name="format"\r\n\r\ndc+sd-jwt\r\n--x--`],
    ]) {
      const answer = await send(dashboard, 'POST', pathOf(route), asOwnPage({ 'content-type': type }), body)
      expect(answer.status, type).toBe(415)
      expect(answer.json.error).toBe('not_json')
    }
  })

  it('did not start a run for any refused request', async () => {
    const started = await send(dashboard, 'POST', '/api/runs', asOwnPage(), JSON.stringify(VALID_BODY['POST /api/runs']))
    expect(started.status).toBe(202) // not 409: nothing refused above is running
    await send(dashboard, 'GET', `/api/runs/${started.json.runId}/events`, { cookie: session }) // until it ends
  })
})

describe('dashboard offers', () => {
  it('makes only OID4VCI offers with a transaction code (OID4VCI 1.0 §4.1.1 tx_code)', async () => {
    const offer = (body: Record<string, unknown>) => send(dashboard, 'POST', '/api/offers', asOwnPage(), JSON.stringify({ ...VALID_BODY['POST /api/offers'], claims: businessClaims, ...body }))
    const withoutCode = await offer({ txCode: false })
    expect(withoutCode.status).toBe(400)
    expect(withoutCode.json.message).toMatch(/txCode/)
    const didcomm = await offer({ format: 'ldp_vc' })
    expect(didcomm.status).toBe(400)
    expect(didcomm.json.message).toMatch(/format: the dashboard offers only OID4VCI formats \(dc\+sd-jwt, jwt_vc_json, mso_mdoc\), whose offers need a transaction code/)

    const made = await offer({})
    expect(made.status).toBe(201)
    expect(made.json.txCode).toMatch(/^\d{6}$/)
    const record = await issuanceSessionOf(made.json.offerUri)
    expect(record.userPin).toBe(made.json.txCode)
    expect(record.credentialOfferPayload.grants?.['urn:ietf:params:oauth:grant-type:pre-authorized_code']?.tx_code).toMatchObject({ input_mode: 'numeric', length: 6 })
  })
})

describe('reports hold no secret and no personal data beyond what the demo shows', () => {
  let result: VariantResult
  /** The offers the run made, with the pre-authorized codes the issuer put behind them. */
  let offers: { offerUri: string; txCode: string; preAuthorizedCode: string }[]
  const reportsDir = () => join(stack.dataDir, 'reports')

  beforeAll(async () => {
    const started = await send(dashboard, 'POST', '/api/runs', asOwnPage(), JSON.stringify({ scenarioId: 'death-notification', format: 'jwt_vc_json' }))
    expect(started.status).toBe(202)
    await send(dashboard, 'GET', `/api/runs/${started.json.runId}/events`, { cookie: session })
    const record = await send(dashboard, 'GET', `/api/runs/${started.json.runId}`, { cookie: session })
    result = record.json.result
    expect(result.passed, JSON.stringify(result.failure)).toBe(true)
    const links = (result.steps as StepResult[]).flatMap((s) => (s.links?.offerUri ? [{ offerUri: s.links.offerUri, txCode: s.links.txCode! }] : []))
    offers = await Promise.all(
      links.map(async (link) => {
        const { preAuthorizedCode } = await issuanceSessionOf(link.offerUri)
        return { ...link, preAuthorizedCode: preAuthorizedCode! }
      }),
    )
    expect(offers.length).toBeGreaterThan(0)
    // the run did disclose the deceased's SIN and date of birth to the revenue agency: the report must not repeat them
    const revenue = result.steps.find((s) => s.stepId === 'prove-death-to-revenue-agency')!
    expect(revenue.decision!.disclosed.death).toMatchObject({ social_insurance_number: '046-454-286', deceased_birth_date: '1941-02-17' })
  }, 120_000)

  /** Every value that must never reach a report, each found by the exact text the run used. */
  function leaks(text: string): string[] {
    const found: string[] = []
    for (const { offerUri, txCode, preAuthorizedCode } of offers) {
      if (text.includes(offerUri) || text.includes(new URL(offerUri).searchParams.get('credential_offer_uri')!)) found.push(`offer URI ${offerUri}`)
      if (new RegExp(`(?<![\\d.])${txCode}(?!\\d)`).test(text)) found.push(`tx code ${txCode}`)
      if (text.includes(preAuthorizedCode)) found.push(`pre-authorized code ${preAuthorizedCode}`)
    }
    for (const [what, value] of [
      ['SIN', '046-454-286'],
      ['SIN digits', '046454286'],
      ['date of birth', '1941-02-17'],
      ['admin API key', stack.endpoints.adminApiKey],
      ['dashboard token', session.split('=')[1]],
    ]) {
      if (text.includes(value)) found.push(what)
    }
    for (const key of ['txCode', 'offerUri', 'tx_code', 'pre-authorized_code', 'disclosed"']) if (text.includes(key)) found.push(`field ${key}`)
    return found
  }

  it('JSON, HTML and JUnit reports as the runner writes them', () => {
    writeReports(summarize([result], new Date(), { endpoints: stack.endpoints }), reportsDir())
    for (const file of ['latest.json', 'latest.html', 'latest.junit.xml']) {
      expect(leaks(readFileSync(join(reportsDir(), file), 'utf8')), file).toEqual([])
    }
    // still says what happened: each check, and which claims were disclosed (not their values)
    const report = JSON.parse(readFileSync(join(reportsDir(), 'latest.json'), 'utf8'))
    expect(report.passed).toBe(1)
    const revenue = report.results[0].steps.find((s: { stepId: string }) => s.stepId === 'prove-death-to-revenue-agency')
    expect(revenue.decision.outcome).toBe('accepted')
    expect(revenue.decision.disclosedClaims.death).toContain('social_insurance_number')
    expect(revenue.decision.trace.map((t: { check: string }) => t.check)).toContain('trust-registry')
  })

  it('GET /api/report, even from a report file written with the secrets in it', async () => {
    writeReports(summarize([result], new Date(), { endpoints: stack.endpoints }), reportsDir())
    const answer = await send(dashboard, 'GET', '/api/report', { cookie: session })
    expect(answer.status).toBe(200)
    expect(leaks(answer.text)).toEqual([])

    // a latest.json an older runner wrote, links and disclosed values included
    const summary = summarize([result], new Date())
    writeFileSync(join(reportsDir(), 'latest.json'), JSON.stringify({ ...summary, results: [result] }))
    expect(leaks(readFileSync(join(reportsDir(), 'latest.json'), 'utf8')).length).toBeGreaterThan(0)
    const legacy = await send(dashboard, 'GET', '/api/report', { cookie: session })
    expect(legacy.status).toBe(200)
    expect(leaks(legacy.text)).toEqual([])
    expect(legacy.json.results[0].steps.length).toBe(result.steps.length)
  })
})
