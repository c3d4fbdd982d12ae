import { randomUUID } from 'node:crypto'
import type { JSONWebKeySet } from 'jose'
import { publishEventSchema } from '@interop-lab/contracts'
import type { Database } from '@interop-lab/common/db'
import { parseInput } from '@interop-lab/common/http'
import { DEATH_TOPICS } from '@interop-lab/common/notifications/contract'
import { DEFAULT_DISPATCHER_SETTINGS, NotificationDispatcher, type DispatcherSettings } from './dispatcher'
import { listDeliveries, type Delivery, type DeliveryFilter } from './deliveryLog'
import { countPending, recordEvent } from './outbox'
import { withSerialWrites } from './serialWrites'
import { loadPublisherSigner } from './signer'
import { activeSubscriptions, insertSubscription, removeSubscription, subscriptionInputSchema, subscriptionMatches, type Subscription, type SubscriptionInput } from './subscriptions'

export interface NotificationHubOptions {
  /** Opened with `notificationHubMigrations`. */
  database: Database
  /** Seals the publisher's signing key at rest (see common/secrets masterSecretFor). */
  masterSecret: string
  /** Who publishes, as named in every payload, e.g. `nl-vital-statistics`. */
  publisher: string
  /** Topics subscribers may ask for and the publisher may publish (default: the death topics). */
  topics?: readonly string[]
  dispatcher?: Partial<DispatcherSettings>
  /** Start delivering at once (default true); otherwise call `start()`. */
  autoStart?: boolean
}

export interface PublishInput {
  topic: string
  data: Record<string, unknown>
  jurisdiction?: string
}

export interface PublishResult {
  eventId: string
  /** How many subscribers the event will be delivered to. */
  deliveries: number
}

export interface DrainResult {
  /** True when no delivery was left pending. */
  idle: boolean
  pending: number
}

export interface NotificationHub {
  readonly publisher: string
  readonly topics: readonly string[]
  readonly jwks: JSONWebKeySet
  /** Stores the event and its deliveries atomically, then wakes the dispatcher. */
  publish(input: PublishInput): Promise<PublishResult>
  subscribe(input: SubscriptionInput): Promise<Subscription>
  subscriptions(): Promise<Subscription[]>
  unsubscribe(id: string): Promise<boolean>
  deliveries(filter?: DeliveryFilter): Promise<Delivery[]>
  /** Starts (or restarts) the dispatcher; pending deliveries in the database are resumed. */
  start(): void
  /** Stops the dispatcher and waits for attempts in flight; the database stays open. */
  stop(): Promise<void>
  /** Waits until no delivery is pending, or `timeoutMs` has passed. */
  drain(timeoutMs?: number): Promise<DrainResult>
}

const DRAIN_POLL_MS = 20

export async function openNotificationHub(options: NotificationHubOptions): Promise<NotificationHub> {
  const db = withSerialWrites(options.database)
  const topics = options.topics ?? DEATH_TOPICS
  const signer = await loadPublisherSigner(db, options.masterSecret)
  const settings: DispatcherSettings = {
    ...DEFAULT_DISPATCHER_SETTINGS,
    ...options.dispatcher,
    retry: { ...DEFAULT_DISPATCHER_SETTINGS.retry, ...options.dispatcher?.retry },
  }
  const dispatcher = new NotificationDispatcher(db, signer, settings)
  const subscriptionSchema = subscriptionInputSchema(topics)
  const publishSchema = publishEventSchema(topics)

  const hub: NotificationHub = {
    publisher: options.publisher,
    topics,
    jwks: signer.jwks,
    async publish(input) {
      const { topic, data, jurisdiction } = parseInput(publishSchema, input)
      const event = { id: randomUUID(), topic, jurisdiction, publisher: options.publisher, data, issuedAt: new Date().toISOString() }
      const deliveries = await db.transaction(async (tx) => {
        const subscribers = (await activeSubscriptions(tx)).filter((s) => subscriptionMatches(s, topic, jurisdiction))
        await recordEvent(tx, event, subscribers)
        return subscribers.length
      })
      dispatcher.wake()
      return { eventId: event.id, deliveries }
    },
    subscribe: (input) => insertSubscription(db, parseInput(subscriptionSchema, input)),
    subscriptions: () => activeSubscriptions(db),
    unsubscribe: (id) => removeSubscription(db, id),
    deliveries: (filter = {}) => listDeliveries(db, filter),
    start: () => dispatcher.start(),
    stop: () => dispatcher.stop(),
    async drain(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const pending = await countPending(db)
        if (pending === 0 || Date.now() >= deadline) return { idle: pending === 0, pending }
        await new Promise((resolve) => setTimeout(resolve, Math.min(DRAIN_POLL_MS, deadline - Date.now())))
      }
    },
  }
  if (options.autoStart ?? true) hub.start()
  return hub
}
