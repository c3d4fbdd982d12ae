import express, { Router } from 'express'
import type { Database } from '@interop-lab/common/db'
import { handle, HttpError, requireApiKey } from '@interop-lab/common/http'
import type { LocalizedText, NotificationPayload } from '@interop-lab/common/notifications/contract'
import { createNotificationVerifier } from './verify'

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
  received(): Promise<ReceivedNotification[]>
}

interface InboxRow extends Record<string, unknown> {
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

  const store = async (payload: NotificationPayload, jws: string): Promise<ReceiveResult> => {
    const stored = await db.run(
      `INSERT INTO program_inbox (program_key, event_id, topic, publisher, issued_at, data, jws, received_at, redeliveries)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0) ON CONFLICT (program_key, event_id) DO NOTHING`,
      [programKey, payload.event_id, payload.topic, payload.publisher, payload.issued_at, JSON.stringify(payload.data), jws, new Date().toISOString()],
    )
    if (stored) return { status: 'stored', eventId: payload.event_id }
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
        throw new HttpError(400, 'wrong_recipient', `This notification is addressed to program '${payload.program_key}', not '${programKey}'`)
      }
      return store(payload, jws.trim())
    },
    async received() {
      const rows = await db.query<InboxRow>('SELECT * FROM program_inbox WHERE program_key = ? ORDER BY received_at, event_id', [programKey])
      return rows.map((row) => ({
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
    handle(async (_req, res) => {
      res.json({ programKey, name: options.name, notifications: await inbox.received() })
    }),
  )
  return inbox
}

function jwsFrom(body: unknown): string {
  if (typeof body === 'string' && body.trim()) return body
  const jws = typeof body === 'object' && body !== null ? (body as { jws?: unknown }).jws : undefined
  if (typeof jws === 'string' && jws.trim()) return jws
  throw new HttpError(400, 'missing_jws', 'Send the notification as a compact JWS (Content-Type: application/jose) or as JSON {"jws": "…"}')
}
