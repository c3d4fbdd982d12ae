import { randomUUID } from 'node:crypto'
import type { Database } from '@interop-lab/common/db'
import type { NotificationPayload } from '@interop-lab/common/notifications/contract'
import type { Subscription } from './subscriptions'

export type DeliveryState = 'pending' | 'delivered' | 'dead' | 'cancelled'
export type AttemptOutcome = 'delivered' | 'retry' | 'dead'

export interface NotificationEvent {
  id: string
  topic: string
  jurisdiction?: string
  publisher: string
  data: Record<string, unknown>
  issuedAt: string
}

/** A pending delivery with all it takes to sign and send it. */
export interface DueDelivery {
  id: string
  attempts: number
  nextAttemptAt: number
  callbackUrl: string
  payload: NotificationPayload
}

/**
 * Records the event and one pending delivery per subscriber in one transaction: once the
 * event is stored, every delivery is too, and the dispatcher will find them after any restart.
 */
export async function recordEvent(db: Database, event: NotificationEvent, subscribers: readonly Subscription[]): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.run('INSERT INTO notification_events (id, topic, jurisdiction, publisher, data, issued_at) VALUES (?, ?, ?, ?, ?, ?)', [
      event.id,
      event.topic,
      event.jurisdiction ?? null,
      event.publisher,
      JSON.stringify(event.data),
      event.issuedAt,
    ])
    for (const subscriber of subscribers) {
      await tx.run(
        `INSERT INTO notification_deliveries (id, event_id, subscription_id, state, attempts, next_attempt_at, created_at)
         VALUES (?, ?, ?, 'pending', 0, ?, ?)`,
        [randomUUID(), event.id, subscriber.id, Date.parse(event.issuedAt), event.issuedAt],
      )
    }
  })
}

interface DueRow extends Record<string, unknown> {
  id: string
  attempts: number
  next_attempt_at: number
  callback_url: string
  program_key: string
  event_id: string
  topic: string
  publisher: string
  data: string
  issued_at: string
}

export async function dueDeliveries(db: Database, now: number, limit: number): Promise<DueDelivery[]> {
  const rows = await db.query<DueRow>(
    `SELECT d.id, d.attempts, d.next_attempt_at, s.callback_url, s.program_key, e.id AS event_id, e.topic, e.publisher, e.data, e.issued_at
     FROM notification_deliveries d
     JOIN notification_events e ON e.id = d.event_id
     JOIN notification_subscriptions s ON s.id = d.subscription_id
     WHERE d.state = 'pending' AND d.next_attempt_at <= ?
     ORDER BY d.next_attempt_at LIMIT ?`,
    [now, limit],
  )
  return rows.map((row) => ({
    id: row.id,
    attempts: Number(row.attempts),
    nextAttemptAt: Number(row.next_attempt_at),
    callbackUrl: row.callback_url,
    payload: {
      event_id: row.event_id,
      topic: row.topic,
      issued_at: row.issued_at,
      publisher: row.publisher,
      program_key: row.program_key,
      data: JSON.parse(row.data) as Record<string, unknown>,
    },
  }))
}

/**
 * Takes a delivery for one attempt by pushing its due time past the attempt's end; only one
 * dispatcher wins the claim, and if the process dies mid-attempt the delivery becomes due again.
 */
export async function claimDelivery(db: Database, delivery: DueDelivery, leaseUntil: number): Promise<boolean> {
  const claimed = await db.run(`UPDATE notification_deliveries SET next_attempt_at = ? WHERE id = ? AND state = 'pending' AND next_attempt_at = ?`, [leaseUntil, delivery.id, delivery.nextAttemptAt])
  return claimed === 1
}

export interface AttemptResult {
  /** Epoch ms at which the request was sent. */
  startedAt: number
  statusCode?: number
  error?: string
  outcome: AttemptOutcome
  /** Epoch ms; only for outcome 'retry'. */
  nextAttemptAt?: number
}

const STATE_AFTER: Record<AttemptOutcome, DeliveryState> = { delivered: 'delivered', retry: 'pending', dead: 'dead' }

export async function recordAttempt(db: Database, delivery: DueDelivery, result: AttemptResult): Promise<void> {
  const attempt = delivery.attempts + 1
  const attemptedAt = new Date(result.startedAt).toISOString()
  const nextAttemptAt = result.nextAttemptAt === undefined ? null : new Date(result.nextAttemptAt).toISOString()
  await db.transaction(async (tx) => {
    await tx.run(
      `INSERT INTO notification_delivery_attempts (id, delivery_id, attempt, attempted_at, status_code, error, outcome, next_attempt_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [randomUUID(), delivery.id, attempt, attemptedAt, result.statusCode ?? null, result.error ?? null, result.outcome, nextAttemptAt],
    )
    await tx.run(
      `UPDATE notification_deliveries SET state = ?, attempts = ?, next_attempt_at = ?, delivered_at = ?, last_status = ?, last_error = ?
       WHERE id = ? AND state = 'pending'`,
      [
        STATE_AFTER[result.outcome],
        attempt,
        result.nextAttemptAt ?? null,
        result.outcome === 'delivered' ? new Date().toISOString() : null,
        result.statusCode ?? null,
        result.error ?? null,
        delivery.id,
      ],
    )
  })
}

/** Epoch ms at which the next pending delivery is due, if any is pending. */
export async function nextDueAt(db: Database): Promise<number | undefined> {
  const [row] = await db.query<{ due: number | null }>(`SELECT MIN(next_attempt_at) AS due FROM notification_deliveries WHERE state = 'pending'`)
  return row?.due == null ? undefined : Number(row.due)
}

export async function countPending(db: Database): Promise<number> {
  const [row] = await db.query<{ pending: number }>(`SELECT COUNT(*) AS pending FROM notification_deliveries WHERE state = 'pending'`)
  return Number(row?.pending ?? 0)
}
