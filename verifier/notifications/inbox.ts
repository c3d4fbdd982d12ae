import { EventEmitter } from 'node:events'
import express, { Router } from 'express'
import { inboxQuerySchema } from '@interop-lab/contracts'
import type { Database } from '@interop-lab/common/db'
import { handle, parseInput, requireApiKey } from '@interop-lab/common/http'
import type { LocalizedText, NotificationPayload } from '@interop-lab/common/notifications/contract'
import { createNotificationVerifier, NotificationError } from './verify'

export interface ProgramInboxOptions {
  /** e.g. `cra-revenue`; must match the programKey the program subscribed with. */
  programKey: string
  name: LocalizedText
  /** The publisher's GET /notifications/jwks.json. */
  publisherJwksUrl: string
  /** Opened with `programInboxMigrations`; several inboxes may share one. */
  database: Database
  /** When set, reading the inbox (GET) needs one of these bearer keys; posting never does (notifications are signed). */
  readApiKeys?: readonly string[]
  jwksCacheMaxAgeMs?: number
}

export interface ReceivedNotification {
  /** Its place in the order this inbox received notifications: a reader's cursor. */
  seq: number
  eventId: string
  topic: string
  publisher: string
  issuedAt: string
  data: Record<string, unknown>
  receivedAt: string
  /** How many more times the publisher delivered the same event after it was stored. */
  redeliveries: number
  /** The notification as received, kept as evidence of who said what. */
  jws: string
}

export interface ReceiveResult {
  status: 'stored' | 'duplicate'
  eventId: string
}

export interface ProgramInbox {
  readonly programKey: string
  readonly name: LocalizedText
  /** POST and GET /programs/:programKey/inbox. */
  readonly router: Router
  /** Verifies and stores a notification once; a redelivery is acknowledged, not stored again. */
  receive(jws: string): Promise<ReceiveResult>
  /** What was received, in order; `after`: only what came after that cursor (a notification's `seq`). */
  received(after?: number): Promise<ReceivedNotification[]>
}

interface InboxRow extends Record<string, unknown> {
  seq: number
  event_id: string
  topic: string
  publisher: string
  issued_at: string
  data: string
  received_at: string
  redeliveries: number
  jws: string
}

const JWS_BODY_TYPES = ['application/jose', 'text/plain']

/** A program's (revenue, pensions, passports, health insurance…) inbox for the registrar's signed notifications. */
export function createProgramInbox(options: ProgramInboxOptions): ProgramInbox {
  const { programKey, database: db } = options
  const verify = createNotificationVerifier(options)
  const path = `/programs/${programKey}/inbox`
  // wakes the readers waiting on this inbox (long poll); a reader on another replica of the verifier sees it at its timeout
  const arrivals = new EventEmitter().setMaxListeners(0)

  const store = async (payload: NotificationPayload, jws: string): Promise<ReceiveResult> => {
    const stored = await db.run(
      `INSERT INTO program_inbox (program_key, event_id, topic, publisher, issued_at, data, jws, received_at, redeliveries, seq)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM program_inbox WHERE program_key = ?)) ON CONFLICT (program_key, event_id) DO NOTHING`,
      [programKey, payload.event_id, payload.topic, payload.publisher, payload.issued_at, JSON.stringify(payload.data), jws, new Date().toISOString(), programKey],
    )
    if (stored) {
      arrivals.emit('stored')
      return { status: 'stored', eventId: payload.event_id }
    }
    await db.run('UPDATE program_inbox SET redeliveries = redeliveries + 1 WHERE program_key = ? AND event_id = ?', [programKey, payload.event_id])
    return { status: 'duplicate', eventId: payload.event_id }
  }

  const inbox: ProgramInbox = {
    programKey,
    name: options.name,
    router: Router(),
    async receive(jws) {
      const payload = await verify(jws.trim())
      if (payload.program_key !== programKey) {
        throw new NotificationError('invalid', 'wrong_recipient', `This notification is addressed to program '${payload.program_key}', not '${programKey}'`)
      }
      return store(payload, jws.trim())
    },
    async received(after = 0) {
      const rows = await db.query<InboxRow>('SELECT * FROM program_inbox WHERE program_key = ? AND seq > ? ORDER BY seq', [programKey, after])
      return rows.map((row) => ({
        seq: Number(row.seq),
        eventId: row.event_id,
        topic: row.topic,
        publisher: row.publisher,
        issuedAt: row.issued_at,
        data: JSON.parse(row.data) as Record<string, unknown>,
        receivedAt: row.received_at,
        redeliveries: Number(row.redeliveries),
        jws: row.jws,
      }))
    },
  }

  inbox.router.post(
    path,
    express.text({ type: JWS_BODY_TYPES, limit: '256kb' }),
    express.json({ limit: '256kb' }),
    handle(async (req, res) => {
      const result = await inbox.receive(jwsFrom(req.body))
      res.status(result.status === 'stored' ? 201 : 200).json(result)
    }),
  )
  const readers = options.readApiKeys ? [requireApiKey(options.readApiKeys)] : []
  inbox.router.get(
    path,
    ...readers,
    handle(async (req, res) => {
      const { after = 0, wait = 0 } = parseInput(inboxQuerySchema, req.query)
      // listening before reading: a notification stored in between still wakes this reader
      const arrival = nextArrival(arrivals, wait * 1000)
      res.once('close', arrival.cancel)
      try {
        let notifications = await inbox.received(after)
        if (!notifications.length && wait > 0) {
          await arrival.settled
          notifications = await inbox.received(after)
        }
        res.json({ programKey, name: options.name, notifications, cursor: notifications.at(-1)?.seq ?? after })
      } finally {
        arrival.cancel()
      }
    }),
  )
  return inbox
}

/** Settles at the next notification stored, after `ms`, or when cancelled (the reader left), whichever comes first. */
function nextArrival(arrivals: EventEmitter, ms: number): { settled: Promise<void>; cancel: () => void } {
  let settle!: () => void
  const settled = new Promise<void>((resolve) => (settle = resolve))
  const timer = setTimeout(() => settle(), ms)
  timer.unref()
  const cancel = () => {
    clearTimeout(timer)
    arrivals.off('stored', settle)
    settle()
  }
  arrivals.once('stored', settle)
  return { settled, cancel }
}

function jwsFrom(body: unknown): string {
  if (typeof body === 'string' && body.trim()) return body
  const jws = typeof body === 'object' && body !== null ? (body as { jws?: unknown }).jws : undefined
  if (typeof jws === 'string' && jws.trim()) return jws
  throw new NotificationError('invalid', 'missing_jws', 'Send the notification as a compact JWS (Content-Type: application/jose) or as JSON {"jws": "…"}')
}
