import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runVariant } from '@interop-lab/scenarios/runner'
import { loadScenarios } from '@interop-lab/scenarios/scenario'
import type { Endpoints } from '@interop-lab/scenarios/steps'
import type { HeldCredential } from '@interop-lab/wallet-sim/wallet'
import { type PostgresCluster, startPostgres } from './support/postgres'
import { freePort, runScript, type ServiceName, type ServiceProcess, startServiceProcess } from './support/serviceProcess'

// The multi-host topology of docker-compose.yml, as separate OS processes: each service from its own
// main.ts, on its own port, with its own data directory and its own database on a shared PostgreSQL
// server. Then services crash (SIGKILL) in the middle of exchanges and come back.

const ADMIN_KEY = `admin-${randomBytes(18).toString('base64url')}`
const MASTER_SECRET = `master-${randomBytes(24).toString('base64url')}`
const DB_PASSWORD = `pw-${randomBytes(12).toString('base64url')}`
const scenarios = loadScenarios()
const businessBanking = scenarios.find((s) => s.id === 'business-banking')!
const issueStep = businessBanking.steps.find((s) => s.id === 'issue-business-registration') as { claims: Record<string, string> }
const certifyStep = scenarios.find((s) => s.id === 'death-notification')!.steps.find((s) => s.action === 'certify') as { certificate: Record<string, unknown> }

let postgres: PostgresCluster
let root: string
const services = {} as Record<ServiceName, ServiceProcess>
let endpoints: Endpoints
/** What one-off scripts printed (the services keep their own output). */
const logs: string[] = []

async function call<T>(method: string, url: string, body?: unknown, apiKey?: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  })
  return { status: response.status, body: (await response.json().catch(() => undefined)) as T }
}

const offerBusinessRegistration = (businessNumber: string) =>
  call<{ offerId: string; offerUri: string; txCode?: string }>(
    'POST',
    `${services.issuer.url}/issuers/bc-registries/offers`,
    { credentialType: 'BusinessRegistrationCredential', format: 'dc+sd-jwt', claims: { ...issueStep.claims, business_number: businessNumber } },
    ADMIN_KEY,
  )
const redeem = ({ offerUri, txCode }: { offerUri: string; txCode?: string }) =>
  call<{ credentials?: HeldCredential[]; error?: string; message?: string }>('POST', `${services['wallet-sim'].url}/personas/business-owner/offers`, { offerUri, txCode })
const held = async (businessNumber: string) =>
  (await call<{ credentials: HeldCredential[] }>('GET', `${services['wallet-sim'].url}/personas/business-owner/credentials`)).body.credentials.filter(
    (c) => c.claims.business_number === businessNumber,
  )

const present = (requestUri: string) => call<{ submitted: boolean; error?: string }>('POST', `${services['wallet-sim'].url}/personas/business-owner/presentations`, { requestUri })
const decisionOf = async (verificationId: string) => (await call<{ decision: { outcome: string; reasons: string[] } }>('GET', `${services.verifier.url}/verifications/${verificationId}`)).body.decision

beforeAll(async () => {
  postgres = await startPostgres()
  root = mkdtempSync(join(tmpdir(), 'interop-topology-'))
  const serverUrl = new URL(postgres.url)
  serverUrl.password = DB_PASSWORD // trust authentication ignores it; the logs must not show it
  const ports = { 'trust-registry': await freePort(), issuer: await freePort(), verifier: await freePort(), 'wallet-sim': await freePort() }
  const url = (service: ServiceName) => `http://127.0.0.1:${ports[service]}`
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    INTEROP_DATABASE_URL: serverUrl.toString(),
    INTEROP_ADMIN_API_KEY: ADMIN_KEY,
    INTEROP_MASTER_SECRET: MASTER_SECRET,
    INTEROP_NOTIFICATION_RETRY_BASE_MS: '200',
  }
  const args: Record<ServiceName, string[]> = {
    'trust-registry': [],
    issuer: ['--trust-registry', url('trust-registry')],
    verifier: ['--trust-registry', url('trust-registry'), '--issuer', url('issuer')],
    // HAIP requests are signed under a verifier root this registry lists
    'wallet-sim': ['--verifier-registry', url('trust-registry')],
  }
  const started = await Promise.all(
    (Object.keys(ports) as ServiceName[]).map(
      async (service) => [service, await startServiceProcess({ service, port: ports[service], dataDir: join(root, service), args: args[service], env })] as const,
    ),
  )
  for (const [service, process] of started) services[service] = process
  endpoints = { issuer: services.issuer.url, verifier: services.verifier.url, wallet: services['wallet-sim'].url, adminApiKey: ADMIN_KEY }
  // onboarding as a deployment runs it, with the key from the environment (twice: it is safe to rerun)
  for (const run of [1, 2]) {
    const onboarding = await runScript(
      'scenarios/onboard.ts',
      ['--trust-registry', url('trust-registry'), '--issuer', url('issuer'), '--verifier', url('verifier'), '--wallet', url('wallet-sim')],
      env,
    )
    expect(onboarding.code, onboarding.output).toBe(0)
    expect(onboarding.output).toMatch(run === 1 ? /bound \d+ DIDs[\s\S]*[1-9]\d* program subscription/ : /0 program subscription/)
    logs.push(onboarding.output)
  }
})

afterAll(async () => {
  for (const service of Object.values(services)) await service.stop('SIGKILL')
  await postgres?.stop()
  if (root) rmSync(root, { recursive: true, force: true })
})

describe('four services as four processes on one PostgreSQL server', () => {
  it('replays business banking across the processes', async () => {
    const result = await runVariant(endpoints, businessBanking, undefined, 'dc+sd-jwt')
    expect(result.steps.map((s) => [s.stepId, s.passed, s.error])).toEqual(businessBanking.steps.map((s) => [s.id, true, undefined]))
    expect(result.steps.at(-1)!.decision!.outcome).toBe('accepted')
  })

  it('replays business banking under HAIP 1.0 across the processes, with the roots onboarding listed (verifiers, wallet provider)', async () => {
    const result = await runVariant(endpoints, businessBanking, undefined, 'dc+sd-jwt', () => {}, 'haip')
    expect(result.steps.map((s) => [s.stepId, s.passed, s.error])).toEqual(businessBanking.steps.map((s) => [s.id, true, undefined]))
    const decision = result.steps.at(-1)!.decision!
    expect(decision.outcome).toBe('accepted')
    expect(decision.trace.filter((step) => step.check === 'profile' && step.subject === 'encrypted-response' && step.passed)).toHaveLength(1)
  })

  it('redeems an offer made before the issuer crashed, once it is back', async () => {
    const offer = await offerBusinessRegistration('BC9000001')
    expect(offer.status).toBe(201)
    expect(await services.issuer.stop('SIGKILL')).toBe('SIGKILL')

    // while the issuer is down, the wallet fails cleanly
    const down = await redeem(offer.body)
    expect(down.status, JSON.stringify(down.body)).toBe(422)
    expect(down.body.message).toMatch(/could not be accepted/)

    await services.issuer.restart()
    const redeemed = await redeem(offer.body)
    expect(redeemed.status, JSON.stringify(redeemed.body)).toBe(201)
    expect(await held('BC9000001')).toHaveLength(1)
    const session = await call<{ state: string }>('GET', `${services.issuer.url}/issuers/bc-registries/offers/${offer.body.offerId}`, undefined, ADMIN_KEY)
    expect(session.body.state).toBe('Completed')
  })

  it('issues at most once when the issuer crashes while the wallet redeems', async () => {
    for (const [i, delayMs] of [5, 25, 60].entries()) {
      const number = `BC900010${i}`
      const offer = await offerBusinessRegistration(number)
      const redeeming = redeem(offer.body)
      await new Promise((resolve) => setTimeout(resolve, delayMs))
      await services.issuer.stop('SIGKILL')
      const first = await redeeming
      await services.issuer.restart()
      const second = await redeem(offer.body)
      // each attempt is a credential or a clean refusal; together they leave exactly one credential or none
      for (const attempt of [first, second]) expect([201, 422], JSON.stringify(attempt.body)).toContain(attempt.status)
      const credentials = await held(number)
      expect(credentials.length).toBe([first, second].filter((a) => a.status === 201).length)
      expect(credentials.length).toBeLessThanOrEqual(1)
      // the issuer kept its record of the offer
      expect((await call('GET', `${services.issuer.url}/issuers/bc-registries/offers/${offer.body.offerId}`, undefined, ADMIN_KEY)).status).toBe(200)
    }
  })

  it('answers a presentation request made before the verifier crashed, once it is back', async () => {
    const verification = await call<{ id: string; requestUri: string }>('POST', `${services.verifier.url}/verifications`, { policyId: 'open-business-account', format: 'dc+sd-jwt' })
    expect(verification.status).toBe(201)
    expect(await services.verifier.stop('SIGKILL')).toBe('SIGKILL')
    await services.verifier.restart()
    expect((await present(verification.body.requestUri)).body.submitted).toBe(true)
    const decision = await decisionOf(verification.body.id)
    expect(decision.outcome, decision.reasons.join('; ')).toBe('accepted')
  })

  it('keeps answering when the verifier crashes while the wallet presents', async () => {
    const verification = await call<{ id: string; requestUri: string }>('POST', `${services.verifier.url}/verifications`, { policyId: 'open-business-account', format: 'dc+sd-jwt' })
    const presenting = present(verification.body.requestUri)
    await new Promise((resolve) => setTimeout(resolve, 20))
    await services.verifier.stop('SIGKILL')
    // the wallet reports what happened (presented, or could not reach the verifier) instead of failing
    expect([200, 422]).toContain((await presenting).status)
    await services.verifier.restart()
    const after = await call<{ state: string; decision?: { outcome: string } }>('GET', `${services.verifier.url}/verifications/${verification.body.id}`)
    expect(after.status).toBe(200)
    if (after.body.decision) expect(after.body.decision.outcome).toBe('accepted')
    // and the next verification goes through
    const next = await call<{ id: string; requestUri: string }>('POST', `${services.verifier.url}/verifications`, { policyId: 'open-business-account', format: 'dc+sd-jwt' })
    expect((await present(next.body.requestUri)).body.submitted).toBe(true)
    expect((await decisionOf(next.body.id)).outcome).toBe('accepted')
  })

  it('delivers a notification published while the programs’ verifier was down, after it restarts', async () => {
    await services.verifier.stop('SIGKILL')
    const certified = await call<{ registration: { id: string } }>(
      'POST',
      `${services.issuer.url}/certifiers/nl-medical-examiner/certificates`,
      { certificate: { ...certifyStep.certificate, registrar: 'nl-vital-statistics' } },
      ADMIN_KEY,
    )
    expect(certified.status).toBe(201)
    const registered = await call<{ registration: { registrationNumber: string } }>(
      'POST',
      `${services.issuer.url}/registrars/nl-vital-statistics/registrations/${certified.body.registration.id}/registration`,
      { executor: { given_name: 'Marie', family_name: 'Gagnon' } },
      ADMIN_KEY,
    )
    expect(registered.status).toBe(201)
    const number = registered.body.registration.registrationNumber

    // deliveries fail and are retried while the verifier is down
    const failing = async () =>
      (await call<{ deliveries: { state: string; attempts: number }[] }>('GET', `${services.issuer.url}/notifications/deliveries?state=pending`, undefined, ADMIN_KEY)).body.deliveries
    await expect.poll(async () => (await failing()).some((d) => d.attempts >= 1), { timeout: 10_000 }).toBe(true)

    await services.verifier.restart()
    const inbox = async () =>
      (await call<{ notifications: { topic: string; data: { registration_number?: string } }[] }>('GET', `${services.verifier.url}/programs/canada-revenue-agency/inbox`, undefined, ADMIN_KEY)).body
        .notifications
    await expect.poll(async () => (await inbox()).some((n) => n.topic === 'death.registered' && n.data.registration_number === number), { timeout: 20_000, interval: 200 }).toBe(true)
    await expect.poll(async () => (await failing()).length, { timeout: 20_000, interval: 200 }).toBe(0)
  })

  it('stops each process cleanly on SIGTERM, and no process printed a secret or an unhandled error', async () => {
    for (const service of Object.values(services)) expect(await service.stop('SIGTERM')).toBe(0)
    const output = [...Object.values(services).map((s) => s.output()), ...logs].join('\n')
    expect(output).toMatch(/listening at/)
    for (const secret of [ADMIN_KEY, MASTER_SECRET, DB_PASSWORD]) expect(output).not.toContain(secret)
    expect(output).not.toMatch(/\[unhandled\]/)
  })
})
