import { base64url, calculateJwkThumbprint, CompactSign, compactVerify, createLocalJWKSet, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase, type Database } from '@interop-lab/common/db'
import { createApp, finishApp, listen, type Listening } from '@interop-lab/common/http'
import {
  createNotificationRouter,
  NOTIFICATION_JWS_TYPE,
  notificationHubMigrations,
  openNotificationHub,
  type Delivery,
  type DispatcherSettings,
  type NotificationHub,
  type NotificationPayload,
} from '@interop-lab/issuer/notifications'
import { createProgramInbox, programInboxMigrations, type ProgramInbox } from '@interop-lab/verifier/notifications'

const ADMIN_KEY = 'notifications-test-admin'
const MASTER_SECRET = 'notifications-test-master-secret'
const FAST: Partial<DispatcherSettings> = {
  retry: { baseDelayMs: 50, maxDelayMs: 400, maxAttempts: 50 },
  pollIntervalMs: 200,
  requestTimeoutMs: 2_000,
}
const DEATH = {
  registration_number: 'NL-2025-004211',
  deceased_given_name: 'Margaret',
  deceased_family_name: 'Tremblay',
  date_of_death: '2025-03-14',
  jurisdiction: 'CA-NL',
}

let dir: string
let cleanups: Array<() => Promise<void>>

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'notifications-'))
  cleanups = []
})

afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
  rmSync(dir, { recursive: true, force: true })
})

interface Publisher {
  hub: NotificationHub
  url: string
  port: number
  /** Stops the dispatcher, the HTTP server and closes the database, as a process exit would. */
  stop(): Promise<void>
}

async function startPublisher(options: { port?: number; dispatcher?: Partial<DispatcherSettings> } = {}): Promise<Publisher> {
  const db = await openDatabase({ engine: 'sqlite', file: join(dir, 'publisher.sqlite') }, notificationHubMigrations)
  const hub = await openNotificationHub({ database: db, masterSecret: MASTER_SECRET, publisher: 'nl-vital-statistics', dispatcher: options.dispatcher ?? FAST })
  const app = createApp()
  app.use(createNotificationRouter(hub, { adminApiKeys: [ADMIN_KEY] }))
  finishApp(app)
  const server = await listen(app, options.port ?? 0)
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    await hub.stop()
    await server.close()
    await db.close()
  }
  cleanups.push(stop)
  return { hub, url: server.url, port: server.port, stop }
}

interface Program {
  inbox: ProgramInbox
  port: number
  callbackUrl: string
  /** Takes the program's server down (the port stays reserved for `up`). */
  down(): Promise<void>
  /** Starts the server again on the same port. */
  up(): Promise<void>
}

async function startProgram(programKey: string, publisherUrl: string): Promise<Program> {
  const db: Database = await openDatabase({ engine: 'sqlite', file: join(dir, `${programKey}.sqlite`) }, programInboxMigrations)
  const inbox = createProgramInbox({
    programKey,
    name: { en: `Program ${programKey}`, fr: `Programme ${programKey}` },
    publisherJwksUrl: `${publisherUrl}/notifications/jwks.json`,
    database: db,
  })
  const app = createApp()
  app.use(inbox.router)
  finishApp(app)
  let server: Listening | undefined = await listen(app, 0)
  const port = server.port
  const program: Program = {
    inbox,
    port,
    callbackUrl: `http://127.0.0.1:${port}/programs/${programKey}/inbox`,
    async down() {
      await server?.close()
      server = undefined
    },
    async up() {
      server = await listen(app, port)
    },
  }
  cleanups.push(async () => {
    await program.down()
    await db.close()
  })
  return program
}

async function api(base: string, path: string, init: { method?: string; body?: unknown; key?: string | null } = {}) {
  const headers: Record<string, string> = {}
  if (init.body !== undefined) headers['content-type'] = 'application/json'
  const key = init.key === undefined ? ADMIN_KEY : init.key
  if (key) headers.authorization = `Bearer ${key}`
  const response = await fetch(`${base}${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : undefined }
}

async function subscribe(publisher: Publisher, program: Program, extra: Record<string, unknown> = {}): Promise<string> {
  const { status, body } = await api(publisher.url, '/notifications/subscriptions', {
    method: 'POST',
    body: {
      name: { en: `Program ${program.inbox.programKey}`, fr: `Programme ${program.inbox.programKey}` },
      programKey: program.inbox.programKey,
      callbackUrl: program.callbackUrl,
      topics: ['death.registered', 'death.corrected'],
      ...extra,
    },
  })
  expect(status, JSON.stringify(body)).toBe(201)
  return body.id as string
}

async function postToInbox(program: Program, jws: string, contentType = 'application/jose') {
  const response = await fetch(program.callbackUrl, { method: 'POST', headers: { 'content-type': contentType }, body: jws })
  return { status: response.status, body: await response.json() }
}

/** Polls `read` until `done` holds; fails with the last value after `timeoutMs`. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (done(value)) return value
    if (Date.now() > deadline) throw new Error(`Timed out waiting; last value: ${JSON.stringify(value)}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const deliveryTo = async (hub: NotificationHub, subscriptionId: string): Promise<Delivery> => {
  const [delivery] = await hub.deliveries({ subscriptionId })
  return delivery
}

describe('death notifications: publish and deliver', () => {
  it('delivers a signed event to every matching subscriber, once each, and skips other jurisdictions', async () => {
    const publisher = await startPublisher()
    const programs = await Promise.all(['cra-revenue', 'esdc-pensions', 'passport-canada', 'on-health-insurance'].map((key) => startProgram(key, publisher.url)))
    const [revenue, pensions, passport, health] = programs
    for (const program of [revenue, pensions, passport]) await subscribe(publisher, program)
    await subscribe(publisher, health, { jurisdictions: ['CA-ON'] })

    const published = await publisher.hub.publish({ topic: 'death.registered', jurisdiction: 'CA-NL', data: DEATH })
    expect(published.deliveries).toBe(3)
    expect(await publisher.hub.drain(5_000)).toEqual({ idle: true, pending: 0 })

    const jwks = (await api(publisher.url, '/notifications/jwks.json', { key: null })).body
    expect(jwks.keys).toHaveLength(1)
    expect(jwks.keys[0].d).toBeUndefined()
    for (const program of [revenue, pensions, passport]) {
      const received = await program.inbox.received()
      expect(received).toHaveLength(1)
      expect(received[0]).toMatchObject({ eventId: published.eventId, topic: 'death.registered', publisher: 'nl-vital-statistics', data: DEATH, redeliveries: 0 })
      // the stored evidence verifies on its own against the publisher's published keys
      const { payload, protectedHeader } = await compactVerify(received[0].jws, createLocalJWKSet(jwks))
      expect(protectedHeader).toMatchObject({ alg: 'EdDSA', kid: jwks.keys[0].kid, typ: NOTIFICATION_JWS_TYPE })
      const claims = JSON.parse(new TextDecoder().decode(payload)) as NotificationPayload
      expect(claims).toMatchObject({ event_id: published.eventId, topic: 'death.registered', program_key: program.inbox.programKey, data: DEATH })
    }
    expect(await health.inbox.received()).toEqual([])

    const log = (await api(publisher.url, `/notifications/deliveries?event_id=${published.eventId}`)).body.deliveries as Delivery[]
    expect(log.map((d) => d.programKey).sort()).toEqual(['cra-revenue', 'esdc-pensions', 'passport-canada'])
    for (const delivery of log) {
      expect(delivery).toMatchObject({ state: 'delivered', attempts: 1 })
      expect(delivery.log).toEqual([expect.objectContaining({ attempt: 1, statusCode: 201, outcome: 'delivered' })])
    }

    // a correction published over HTTP reaches the same programs; the inbox lists both over HTTP too
    const correction = await api(publisher.url, '/notifications/events', {
      method: 'POST',
      body: { topic: 'death.corrected', jurisdiction: 'CA-NL', data: { ...DEATH, date_of_death: '2025-03-13' } },
    })
    expect(correction).toMatchObject({ status: 201, body: { deliveries: 3 } })
    expect((await publisher.hub.drain(5_000)).idle).toBe(true)
    const listed = await api(`http://127.0.0.1:${revenue.port}`, '/programs/cra-revenue/inbox', { key: null })
    expect(listed.status).toBe(200)
    expect(listed.body.notifications.map((n: { topic: string }) => n.topic)).toEqual(['death.registered', 'death.corrected'])
  })

  it('retries a subscriber that is down with growing delays, logs each attempt, and delivers exactly once when it is back', async () => {
    const publisher = await startPublisher()
    const revenue = await startProgram('cra-revenue', publisher.url)
    const pensions = await startProgram('esdc-pensions', publisher.url)
    await subscribe(publisher, revenue)
    const pensionsSubscription = await subscribe(publisher, pensions)
    await pensions.down()

    const { eventId } = await publisher.hub.publish({ topic: 'death.registered', jurisdiction: 'CA-NL', data: DEATH })
    const failing = await eventually(
      () => deliveryTo(publisher.hub, pensionsSubscription),
      (d) => d.log.length >= 4,
    )
    expect(failing.state).toBe('pending')
    expect(await revenue.inbox.received()).toHaveLength(1)
    for (const [i, attempt] of failing.log.entries()) {
      expect(attempt).toMatchObject({ attempt: i + 1, outcome: 'retry' })
      expect(attempt.statusCode).toBeUndefined()
      expect(attempt.error).toMatch(/ECONNREFUSED/)
      expect(attempt.nextAttemptAt).toBeDefined()
      const next = failing.log[i + 1]
      if (!next) continue
      // never before the scheduled time, and at least half the doubled step (equal jitter)
      expect(Date.parse(next.attemptedAt)).toBeGreaterThanOrEqual(Date.parse(attempt.nextAttemptAt!))
      expect(Date.parse(next.attemptedAt) - Date.parse(attempt.attemptedAt)).toBeGreaterThanOrEqual(Math.min(400, 50 * 2 ** i) / 2)
    }
    const overHttp = await api(publisher.url, `/notifications/deliveries?subscription_id=${pensionsSubscription}&event_id=${eventId}`)
    expect(overHttp.body.deliveries[0].log.length).toBeGreaterThanOrEqual(4)

    await pensions.up()
    expect((await publisher.hub.drain(5_000)).idle).toBe(true)
    const delivered = await deliveryTo(publisher.hub, pensionsSubscription)
    expect(delivered.state).toBe('delivered')
    expect(delivered.log.at(-1)).toMatchObject({ outcome: 'delivered', statusCode: 201 })
    const received = await pensions.inbox.received()
    expect(received).toHaveLength(1)
    expect(received[0]).toMatchObject({ eventId, redeliveries: 0 })
  })

  it('resumes pending deliveries after a publisher restart, signing with the same persisted key', async () => {
    const first = await startPublisher()
    const passport = await startProgram('passport-canada', first.url)
    const subscriptionId = await subscribe(first, passport)
    await passport.down()
    const { eventId } = await first.hub.publish({ topic: 'death.registered', jurisdiction: 'CA-NL', data: DEATH })
    await eventually(
      () => deliveryTo(first.hub, subscriptionId),
      (d) => d.log.length >= 2,
    )
    const kidBefore = first.hub.jwks.keys[0].kid
    await first.stop()

    const second = await startPublisher({ port: first.port })
    expect(second.hub.jwks.keys[0].kid).toBe(kidBefore)
    await passport.up()
    expect((await second.hub.drain(5_000)).idle).toBe(true)

    const delivery = await deliveryTo(second.hub, subscriptionId)
    expect(delivery.state).toBe('delivered')
    expect(delivery.log.length).toBeGreaterThanOrEqual(3)
    expect(delivery.log.map((a) => a.attempt)).toEqual(delivery.log.map((_, i) => i + 1))
    expect(await passport.inbox.received()).toEqual([expect.objectContaining({ eventId, redeliveries: 0 })])
  })

  it('gives a delivery up as dead after the maximum attempts, keeping its log', async () => {
    const publisher = await startPublisher({ dispatcher: { ...FAST, retry: { baseDelayMs: 20, maxDelayMs: 50, maxAttempts: 3 } } })
    const health = await startProgram('on-health-insurance', publisher.url)
    const subscriptionId = await subscribe(publisher, health)
    await health.down()
    await publisher.hub.publish({ topic: 'death.registered', data: DEATH })
    const dead = await eventually(
      () => deliveryTo(publisher.hub, subscriptionId),
      (d) => d.state !== 'pending',
    )
    expect(dead).toMatchObject({ state: 'dead', attempts: 3 })
    expect(dead.nextAttemptAt).toBeUndefined()
    expect(dead.log.map((a) => a.outcome)).toEqual(['retry', 'retry', 'dead'])
    expect(dead.log[2].nextAttemptAt).toBeUndefined()
    expect(await publisher.hub.drain(100)).toEqual({ idle: true, pending: 0 })
  })
})

describe('death notifications: program inbox', () => {
  async function deliveredJws(publisher: Publisher, program: Program): Promise<string> {
    await subscribe(publisher, program)
    await publisher.hub.publish({ topic: 'death.registered', jurisdiction: 'CA-NL', data: DEATH })
    expect((await publisher.hub.drain(5_000)).idle).toBe(true)
    const [received] = await program.inbox.received()
    return received.jws
  }

  const signWith = async (payload: unknown, kid?: string) => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA')
    const header = { alg: 'EdDSA', kid: kid ?? (await calculateJwkThumbprint(await exportJWK(publicKey))), typ: NOTIFICATION_JWS_TYPE }
    return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader(header).sign(privateKey)
  }

  it('acknowledges a redelivered event but stores it once', async () => {
    const publisher = await startPublisher()
    const revenue = await startProgram('cra-revenue', publisher.url)
    const jws = await deliveredJws(publisher, revenue)

    const again = await postToInbox(revenue, jws)
    expect(again).toMatchObject({ status: 200, body: { status: 'duplicate' } })
    const asJson = await fetch(revenue.callbackUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jws }) })
    expect(asJson.status).toBe(200)
    const received = await revenue.inbox.received()
    expect(received).toHaveLength(1)
    expect(received[0].redeliveries).toBe(2)
  })

  it('rejects tampered, foreign-signed, misaddressed and malformed notifications without storing them', async () => {
    const publisher = await startPublisher()
    const revenue = await startProgram('cra-revenue', publisher.url)
    const pensions = await startProgram('esdc-pensions', publisher.url)
    const jws = await deliveredJws(publisher, revenue)
    const [header, payload, signature] = jws.split('.')
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as NotificationPayload
    const reEncode = (value: unknown) => base64url.encode(JSON.stringify(value))

    const forged = { ...claims, event_id: crypto.randomUUID(), data: { ...DEATH, deceased_family_name: 'Someone Else' } }
    const tamperedPayload = await postToInbox(revenue, `${header}.${reEncode(forged)}.${signature}`)
    expect(tamperedPayload).toMatchObject({ status: 401, body: { error: 'invalid_signature' } })

    const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1)
    expect(await postToInbox(revenue, `${header}.${payload}.${flipped}`)).toMatchObject({ status: 401, body: { error: 'invalid_signature' } })

    const unknownKey = await postToInbox(revenue, await signWith(forged))
    expect(unknownKey).toMatchObject({ status: 401, body: { error: 'unknown_signing_key' } })
    expect(unknownKey.body.message).toContain('/notifications/jwks.json')

    const publisherKid = publisher.hub.jwks.keys[0].kid!
    expect(await postToInbox(revenue, await signWith(forged, publisherKid))).toMatchObject({ status: 401, body: { error: 'invalid_signature' } })

    const wrongType = await postToInbox(revenue, `${reEncode({ ...decodeProtectedHeader(jws), typ: 'JWT' })}.${payload}.${signature}`)
    expect(wrongType).toMatchObject({ status: 400, body: { error: 'invalid_jws' } })

    const misaddressed = await postToInbox(pensions, jws)
    expect(misaddressed).toMatchObject({ status: 400, body: { error: 'wrong_recipient' } })

    expect(await postToInbox(revenue, 'not-a-jws')).toMatchObject({ status: 400, body: { error: 'invalid_jws' } })
    const empty = await fetch(revenue.callbackUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(empty.status).toBe(400)
    expect((await empty.json()).error).toBe('missing_jws')

    expect(await revenue.inbox.received()).toHaveLength(1)
    expect(await pensions.inbox.received()).toEqual([])
  })

  it('answers 503 when the publisher keys cannot be fetched, so the publisher retries later', async () => {
    const publisher = await startPublisher()
    const revenue = await startProgram('cra-revenue', publisher.url)
    const jws = await deliveredJws(publisher, revenue)
    const publisherUrl = publisher.url
    await publisher.stop()

    const orphan = await startProgram('esdc-pensions', publisherUrl)
    const response = await postToInbox(orphan, jws)
    expect(response).toMatchObject({ status: 503, body: { error: 'publisher_keys_unavailable' } })
  })
})

describe('death notifications: subscription admin API', () => {
  it('requires the admin key for everything but the JWKS', async () => {
    const publisher = await startPublisher()
    for (const key of [null, 'wrong-key']) {
      expect((await api(publisher.url, '/notifications/subscriptions', { key })).status).toBe(401)
      expect((await api(publisher.url, '/notifications/subscriptions', { method: 'POST', key, body: {} })).status).toBe(401)
      expect((await api(publisher.url, `/notifications/subscriptions/${crypto.randomUUID()}`, { method: 'DELETE', key })).status).toBe(401)
      expect((await api(publisher.url, '/notifications/deliveries', { key })).status).toBe(401)
      expect((await api(publisher.url, '/notifications/events', { method: 'POST', key, body: { topic: 'death.registered', data: {} } })).status).toBe(401)
    }
    expect((await api(publisher.url, '/notifications/jwks.json', { key: null })).status).toBe(200)
    expect(await publisher.hub.subscriptions()).toEqual([])
  })

  it('rejects bad subscription and publish input with 400 naming the fields', async () => {
    const publisher = await startPublisher()
    const bad = await api(publisher.url, '/notifications/subscriptions', {
      method: 'POST',
      body: { name: { en: 'Revenue' }, programKey: 'CRA Revenue', callbackUrl: 'ftp://example.org/inbox', topics: ['death.buried'], extra: 1 },
    })
    expect(bad.status).toBe(400)
    expect(bad.body.error).toBe('invalid_request')
    const paths = (bad.body.details as Array<{ path: string }>).map((d) => d.path)
    expect(paths).toEqual(expect.arrayContaining(['name.fr', 'programKey', 'callbackUrl', 'topics.0', '(root)']))
    expect(bad.body.message).toContain('death.registered')

    const noBody = await api(publisher.url, '/notifications/subscriptions', { method: 'POST' })
    expect(noBody.status).toBe(400)
    const repeated = await api(publisher.url, '/notifications/subscriptions', {
      method: 'POST',
      body: { name: { en: 'R', fr: 'R' }, programKey: 'cra-revenue', callbackUrl: 'http://127.0.0.1:1/x', topics: ['death.registered', 'death.registered'] },
    })
    expect(repeated.status).toBe(400)
    expect((await api(publisher.url, '/notifications/deliveries?event_id=not-a-uuid')).status).toBe(400)
    expect((await api(publisher.url, '/notifications/events', { method: 'POST', body: { topic: 'death.buried', data: DEATH } })).status).toBe(400)
    expect((await api(publisher.url, '/notifications/events', { method: 'POST', body: { topic: 'death.registered', data: DEATH, jurisdiction: 'Newfoundland' } })).status).toBe(400)
    await expect(publisher.hub.publish({ topic: 'death.registered', data: 'x' as never })).rejects.toThrow(/data/)
    expect(await publisher.hub.subscriptions()).toEqual([])
  })

  it('stops delivering to a removed subscription', async () => {
    const publisher = await startPublisher()
    const revenue = await startProgram('cra-revenue', publisher.url)
    const pensions = await startProgram('esdc-pensions', publisher.url)
    const revenueSubscription = await subscribe(publisher, revenue)
    await subscribe(publisher, pensions)

    expect((await api(publisher.url, `/notifications/subscriptions/${revenueSubscription}`, { method: 'DELETE' })).status).toBe(204)
    expect((await api(publisher.url, `/notifications/subscriptions/${revenueSubscription}`, { method: 'DELETE' })).status).toBe(404)
    const listed = (await api(publisher.url, '/notifications/subscriptions')).body.subscriptions as Array<{ programKey: string }>
    expect(listed.map((s) => s.programKey)).toEqual(['esdc-pensions'])

    expect((await publisher.hub.publish({ topic: 'death.registered', data: DEATH })).deliveries).toBe(1)
    expect((await publisher.hub.drain(5_000)).idle).toBe(true)
    expect(await revenue.inbox.received()).toEqual([])
    expect(await pensions.inbox.received()).toHaveLength(1)
  })
})
