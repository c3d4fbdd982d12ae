import { randomUUID } from 'node:crypto'
import type { SubscriptionInput } from '@interop-lab/contracts'
import type { Database } from '@interop-lab/common/db'
import type { LocalizedText } from '@interop-lab/common/notifications/contract'

export { isoJurisdictionSchema as jurisdictionSchema, type SubscriptionInput, subscriptionInputSchema } from '@interop-lab/contracts'

export interface Subscription {
  id: string
  name: LocalizedText
  programKey: string
  callbackUrl: string
  topics: string[]
  jurisdictions?: string[]
  createdAt: string
}

interface SubscriptionRow extends Record<string, unknown> {
  id: string
  name_en: string
  name_fr: string
  program_key: string
  callback_url: string
  topics: string
  jurisdictions: string | null
  created_at: string
}

const toSubscription = (row: SubscriptionRow): Subscription => ({
  id: row.id,
  name: { en: row.name_en, fr: row.name_fr },
  programKey: row.program_key,
  callbackUrl: row.callback_url,
  topics: JSON.parse(row.topics) as string[],
  ...(row.jurisdictions ? { jurisdictions: JSON.parse(row.jurisdictions) as string[] } : {}),
  createdAt: row.created_at,
})

export async function insertSubscription(db: Database, input: SubscriptionInput): Promise<Subscription> {
  const subscription: Subscription = { id: randomUUID(), ...input, createdAt: new Date().toISOString() }
  await db.run(
    `INSERT INTO notification_subscriptions (id, name_en, name_fr, program_key, callback_url, topics, jurisdictions, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      subscription.id,
      input.name.en,
      input.name.fr,
      input.programKey,
      input.callbackUrl,
      JSON.stringify(input.topics),
      input.jurisdictions ? JSON.stringify(input.jurisdictions) : null,
      subscription.createdAt,
    ],
  )
  return subscription
}

export async function activeSubscriptions(db: Database): Promise<Subscription[]> {
  const rows = await db.query<SubscriptionRow>('SELECT * FROM notification_subscriptions WHERE deleted_at IS NULL ORDER BY created_at, id')
  return rows.map(toSubscription)
}

export function subscriptionMatches(subscription: Subscription, topic: string, jurisdiction: string | undefined): boolean {
  if (!subscription.topics.includes(topic)) return false
  return !subscription.jurisdictions || (jurisdiction !== undefined && subscription.jurisdictions.includes(jurisdiction))
}

/** Ends a subscription and cancels its pending deliveries; the rows stay for the delivery log. */
export async function removeSubscription(db: Database, id: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const removed = await tx.run('UPDATE notification_subscriptions SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL', [new Date().toISOString(), id])
    if (removed) await tx.run(`UPDATE notification_deliveries SET state = 'cancelled', next_attempt_at = NULL WHERE subscription_id = ? AND state = 'pending'`, [id])
    return removed > 0
  })
}
