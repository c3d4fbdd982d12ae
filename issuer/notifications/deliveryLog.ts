import type { Database, SqlValue } from '@interop-lab/common/db'
import type { AttemptOutcome, DeliveryState } from './outbox'

export interface DeliveryAttempt {
  attempt: number
  attemptedAt: string
  /** The subscriber's HTTP status, when it answered at all. */
  statusCode?: number
  /** Why the attempt failed: a network error, a timeout or the start of the subscriber's error body. */
  error?: string
  outcome: AttemptOutcome
  nextAttemptAt?: string
}

export interface Delivery {
  id: string
  eventId: string
  topic: string
  subscriptionId: string
  programKey: string
  state: DeliveryState
  attempts: number
  nextAttemptAt?: string
  deliveredAt?: string
  log: DeliveryAttempt[]
}

export interface DeliveryFilter {
  eventId?: string
  subscriptionId?: string
  state?: DeliveryState
}

interface DeliveryRow extends Record<string, unknown> {
  id: string
  event_id: string
  topic: string
  subscription_id: string
  program_key: string
  state: DeliveryState
  attempts: number
  next_attempt_at: number | null
  delivered_at: string | null
}

interface AttemptRow extends Record<string, unknown> {
  delivery_id: string
  attempt: number
  attempted_at: string
  status_code: number | null
  error: string | null
  outcome: AttemptOutcome
  next_attempt_at: string | null
}

const LIST_LIMIT = 500

/** The delivery log, newest first, each delivery with every attempt made. */
export async function listDeliveries(db: Database, filter: DeliveryFilter): Promise<Delivery[]> {
  const columns: Array<[string, string | undefined]> = [
    ['d.event_id', filter.eventId],
    ['d.subscription_id', filter.subscriptionId],
    ['d.state', filter.state],
  ]
  const applied = columns.filter((column): column is [string, string] => column[1] !== undefined)
  const conditions = applied.map(([column]) => `${column} = ?`)
  const params: SqlValue[] = applied.map(([, value]) => value)
  const rows = await db.query<DeliveryRow>(
    `SELECT d.id, d.event_id, e.topic, d.subscription_id, s.program_key, d.state, d.attempts, d.next_attempt_at, d.delivered_at
     FROM notification_deliveries d
     JOIN notification_events e ON e.id = d.event_id
     JOIN notification_subscriptions s ON s.id = d.subscription_id
     ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
     ORDER BY d.created_at DESC, s.program_key LIMIT ${LIST_LIMIT}`,
    params,
  )
  const attempts = rows.length
    ? await db.query<AttemptRow>(
        `SELECT delivery_id, attempt, attempted_at, status_code, error, outcome, next_attempt_at FROM notification_delivery_attempts
         WHERE delivery_id IN (${rows.map(() => '?').join(', ')}) ORDER BY attempt`,
        rows.map((row) => row.id),
      )
    : []
  const logOf = new Map<string, DeliveryAttempt[]>()
  for (const a of attempts) {
    const log = logOf.get(a.delivery_id) ?? []
    log.push({
      attempt: Number(a.attempt),
      attemptedAt: a.attempted_at,
      ...(a.status_code != null ? { statusCode: Number(a.status_code) } : {}),
      ...(a.error ? { error: a.error } : {}),
      outcome: a.outcome,
      ...(a.next_attempt_at ? { nextAttemptAt: a.next_attempt_at } : {}),
    })
    logOf.set(a.delivery_id, log)
  }
  return rows.map((row) => ({
    id: row.id,
    eventId: row.event_id,
    topic: row.topic,
    subscriptionId: row.subscription_id,
    programKey: row.program_key,
    state: row.state,
    attempts: Number(row.attempts),
    ...(row.state === 'pending' && row.next_attempt_at != null ? { nextAttemptAt: new Date(Number(row.next_attempt_at)).toISOString() } : {}),
    ...(row.delivered_at ? { deliveredAt: row.delivered_at } : {}),
    log: logOf.get(row.id) ?? [],
  }))
}
