import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL_ADMIN_API_KEY } from '@interop-lab/common/config'
import { openDatabase } from '@interop-lab/common/db'
import { clockStateSchema, inboxAnswerSchema } from '@interop-lab/contracts'
import { labClock, letTimePass } from '@interop-lab/scenarios/clocks'
import { runVariant } from '@interop-lab/scenarios/runner'
import { loadScenarios } from '@interop-lab/scenarios/scenario'
import { startTrustRegistry, type TrustRegistry } from '@interop-lab/trust-registry'
import { programInboxMigrations } from '@interop-lab/verifier/notifications'
import { call } from './support/call'
import { startTestStack } from './support/stack'

const banking = loadScenarios().find((s) => s.id === 'business-banking')!
const PROGRAM = 'canada-revenue-agency'
let stack: Awaited<ReturnType<typeof startTestStack>>
// a registry on the system clock, as every service runs unless started with --controllable-clock
let systemTimed: TrustRegistry
const systemTimedDir = mkdtempSync(join(tmpdir(), 'lab-clock-'))

beforeAll(async () => {
  stack = await startTestStack({ controllableClock: true, federated: false, notificationRetryBaseMs: 50 })
  systemTimed = await startTrustRegistry({ dataDir: systemTimedDir, adminApiKeys: [LOCAL_ADMIN_API_KEY] })
})
afterAll(async () => {
  await systemTimed?.close()
  await stack?.close()
  rmSync(systemTimedDir, { recursive: true, force: true })
})

const clockAt = async (url: string, apiKey?: string) => clockStateSchema.parse((await call('GET', `${url}/clock`, undefined, apiKey)).body)

describe('a lab run moves the lab’s clock instead of sleeping', () => {
  it.each(['dc+sd-jwt', 'ldp_vc'] as const)('rejects the expired-credential variant in %s on expiry with the clock moved 5 s forward, then moves it back', async (format) => {
    const variant = banking.variants.find((v) => v.id === 'expired-credential')!
    const { id } = await clockAt(stack.issuer.url, LOCAL_ADMIN_API_KEY)
    const result = await runVariant(stack.endpoints, banking, variant, format)
    expect(result.passed, JSON.stringify(result.failure)).toBe(true)

    const wait = result.steps.find((step) => step.action === 'wait')!
    // every party of the run shares the stack's one clock: moved once, by the step's seconds, and nothing slept
    expect(wait.time).toMatchObject({ mode: 'advanced', seconds: 5, clocks: [{ id, controllable: true, offsetSeconds: 5 }] })
    expect(wait.summary).toMatch(/5 s pass on the lab's clock, moved forward instead of sleeping/)

    const decision = result.steps.find((step) => step.stepId === 'open-business-account')!.decision!
    expect(decision.outcome).toBe('rejected')
    expect(decision.failedChecks).toEqual(['expiry'])
    expect(decision.reasons.join(' ')).toMatch(/BusinessRegistrationCredential expired at/)

    // no variant runs any more: the clock is back on the system's time, for every service
    const services = [stack.issuer.url, stack.verifier.url, stack.trustRegistry.url].map((url) => clockAt(url, LOCAL_ADMIN_API_KEY))
    for (const state of await Promise.all([...services, clockAt(stack.wallet.url)])) expect(state).toMatchObject({ controllable: true, offsetSeconds: 0 })
  })

  it('sleeps for real when a party’s time cannot be moved, naming it in the step trace', async () => {
    const passed = await letTimePass(
      [
        { name: 'verifier lab', clock: labClock(stack.verifier.url, LOCAL_ADMIN_API_KEY) },
        { name: 'trust registry elsewhere', clock: labClock(systemTimed.url, LOCAL_ADMIN_API_KEY) },
        { name: 'wallet sphereon-wallet' },
      ],
      0.05,
    )
    expect(passed).toMatchObject({ mode: 'slept', seconds: 0.05 })
    expect(passed.mode === 'slept' && passed.because).toBe(
      'the runner cannot move the time of trust registry elsewhere (on the system clock: started without --controllable-clock), wallet sphereon-wallet (not a lab party)',
    )
    // the lab's own clock was left alone
    expect((await clockAt(stack.verifier.url, LOCAL_ADMIN_API_KEY)).offsetSeconds).toBe(0)
  })

  it('refuses to move a service’s system clock (409 clock_not_controllable), and needs the admin key (401)', async () => {
    const refused = await call('POST', `${systemTimed.url}/clock`, { advanceSeconds: 5 }, LOCAL_ADMIN_API_KEY)
    expect(refused.status).toBe(409)
    expect(refused.body).toMatchObject({ code: 'clock_not_controllable', detail: expect.stringMatching(/--controllable-clock/) })
    expect((await call('POST', `${stack.issuer.url}/clock`, { advanceSeconds: 5 })).status).toBe(401)
    expect((await clockAt(stack.issuer.url, LOCAL_ADMIN_API_KEY)).offsetSeconds).toBe(0)
  })
})

describe('a program inbox read with a long poll (GET …/inbox?after=<cursor>&wait=<s>)', () => {
  const inboxUrl = () => `${stack.verifier.url}/programs/${PROGRAM}/inbox`
  const read = async (query: string) => {
    const answer = await call('GET', `${inboxUrl()}${query}`, undefined, LOCAL_ADMIN_API_KEY)
    expect(answer.status, JSON.stringify(answer.body)).toBe(200)
    return inboxAnswerSchema.parse(answer.body)
  }

  // the test's own timeout is shorter than the wait asked for: only an answer on arrival lets it pass
  it('answers one held request as soon as a notification arrives, with that notification and a new cursor', { timeout: 30_000 }, async () => {
    const { cursor } = await read('')
    const held = read(`?after=${cursor}&wait=60`)
    const registrationNumber = `LP-${Date.now()}`
    const published = await call(
      'POST',
      `${stack.issuer.url}/notifications/events`,
      { topic: 'death.registered', jurisdiction: 'CA-NL', data: { registration_number: registrationNumber } },
      LOCAL_ADMIN_API_KEY,
    )
    expect(published.status).toBe(201)
    const answer = await held
    expect(answer.notifications.map((n) => [n.topic, n.data.registration_number])).toEqual([['death.registered', registrationNumber]])
    expect(answer.cursor).toBe(cursor + 1)
  })

  it('answers an empty list, the cursor unchanged, when nothing arrives within the wait', async () => {
    const { cursor } = await read('')
    expect(await read(`?after=${cursor}&wait=0.2`)).toMatchObject({ notifications: [], cursor })
  })

  it('numbers what an inbox received before cursors existed in the order it arrived, per program (migration program-inbox-2-sequence)', async () => {
    const config = { engine: 'sqlite' as const, file: join(systemTimedDir, 'inbox.sqlite') }
    const before = await openDatabase(config, programInboxMigrations.slice(0, 1))
    const row = (program: string, eventId: string, receivedAt: string) =>
      before.run('INSERT INTO program_inbox (program_key, event_id, topic, publisher, issued_at, data, jws, received_at, redeliveries) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)', [
        program,
        eventId,
        'death.registered',
        'p',
        receivedAt,
        '{}',
        'jws',
        receivedAt,
      ])
    await row('a', 'e-late', '2026-01-02T00:00:00Z')
    await row('a', 'e-early', '2026-01-01T00:00:00Z')
    await row('b', 'e-other', '2026-01-03T00:00:00Z')
    await before.close()
    const after = await openDatabase(config, programInboxMigrations)
    expect(await after.query('SELECT program_key, event_id, seq FROM program_inbox ORDER BY program_key, seq')).toEqual([
      { program_key: 'a', event_id: 'e-early', seq: 1 },
      { program_key: 'a', event_id: 'e-late', seq: 2 },
      { program_key: 'b', event_id: 'e-other', seq: 1 },
    ])
    await after.close()
  })

  it('refuses a wait beyond 60 s (400 invalid_request, contracts/z-notifications.ts inboxQuerySchema)', async () => {
    const refused = await call('GET', `${inboxUrl()}?wait=61`, undefined, LOCAL_ADMIN_API_KEY)
    expect(refused.status).toBe(400)
    expect(refused.body).toMatchObject({ code: 'invalid_request', detail: expect.stringMatching(/wait/) })
  })
})
