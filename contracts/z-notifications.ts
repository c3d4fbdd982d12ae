import { z } from 'zod'
import { localizedTextSchema } from './z-formats'

/**
 * Notifications between a publisher (issuer/notifications) and program inboxes (verifier/notifications): what a
 * signed notification carries and how it is signed, and the publisher's subscription and event API.
 */

export type LocalizedText = z.infer<typeof localizedTextSchema>

/** The topics of the death-notification pilot. */
export const DEATH_TOPICS = ['death.registered', 'death.corrected'] as const

/** Explicit JWS type, so a notification cannot pass for any other signed object, nor the reverse. */
export const NOTIFICATION_JWS_TYPE = 'notification+jws'

/** Algorithms a publisher may sign with; anything else is refused before a key is even looked up. */
export const NOTIFICATION_ALGORITHMS = ['EdDSA', 'ES256'] as const

/** The payload of the signed notification (a compact JWS, `typ` notification+jws) an inbox receives. */
export const notificationPayloadSchema = z.object({
  event_id: z.uuid(),
  topic: z.string().min(1),
  issued_at: z.iso.datetime({ offset: true }),
  publisher: z.string().min(1),
  /** The program this copy is addressed to: one program's copy cannot be replayed into another's inbox. */
  program_key: z.string().min(1),
  data: z.record(z.string(), z.unknown()),
})
export type NotificationPayload = z.infer<typeof notificationPayloadSchema>

/** A signed notification as it is posted to an inbox in JSON (it may also come as the bare JWS, `application/jose`). */
export const signedNotificationSchema = z.strictObject({ jws: z.string().min(1) })

/** ISO 3166 codes as the publisher uses them: `CA` or a province/territory such as `CA-NL`. */
export const isoJurisdictionSchema = z.string().regex(/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/, 'expected an ISO 3166 code such as CA-NL')

const displayName = z.string().trim().min(1).max(200)
const topicOf = (topics: readonly string[]) => z.enum(topics as [string, ...string[]], { error: `expected one of ${topics.join(', ')}` })

export function subscriptionInputSchema(topics: readonly string[] = DEATH_TOPICS) {
  return z.strictObject({
    name: z.strictObject({ en: displayName, fr: displayName }),
    programKey: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'expected lowercase letters, digits and hyphens'),
    callbackUrl: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
    topics: z
      .array(topicOf(topics))
      .min(1)
      .max(topics.length)
      .refine((list) => new Set(list).size === list.length, 'topics must not repeat'),
    /** When given, only events from these jurisdictions are delivered. */
    jurisdictions: z.array(isoJurisdictionSchema).min(1).max(20).optional(),
  })
}
export type SubscriptionInput = z.infer<ReturnType<typeof subscriptionInputSchema>>

export const subscriptionSchema = z.object({
  id: z.string(),
  name: localizedTextSchema,
  programKey: z.string(),
  callbackUrl: z.string(),
  topics: z.array(z.string()),
  jurisdictions: z.array(z.string()).optional(),
  createdAt: z.string(),
})
export const subscriptionsAnswerSchema = z.object({ subscriptions: z.array(subscriptionSchema) })

export function publishEventSchema(topics: readonly string[] = DEATH_TOPICS) {
  return z.strictObject({
    topic: topicOf(topics),
    data: z.record(z.string(), z.unknown()),
    jurisdiction: isoJurisdictionSchema.optional(),
  })
}

export const deliveriesQuerySchema = z.object({
  event_id: z.uuid().optional(),
  subscription_id: z.uuid().optional(),
  state: z.enum(['pending', 'delivered', 'dead', 'cancelled']).optional(),
})
export const deliveriesAnswerSchema = z.object({ deliveries: z.array(z.looseObject({ state: z.string() })) })
export const topicsAnswerSchema = z.object({ publisher: z.string(), topics: z.array(z.string()) })
export const publishedEventSchema = z.object({ eventId: z.string(), deliveries: z.number().int() })
export const inboxReceiptSchema = z.looseObject({ status: z.string() })
/** The longest a reader may wait for a notification in one request (`wait`). */
export const INBOX_MAX_WAIT_SECONDS = 60
/**
 * Reading an inbox: every notification, or (`after`) those received after a cursor an earlier answer gave; with `wait`,
 * the request is held until one arrives or `wait` seconds pass (a long poll: an empty list then).
 */
export const inboxQuerySchema = z.object({
  after: z.coerce.number().int().min(0).optional(),
  wait: z.coerce.number().min(0).max(INBOX_MAX_WAIT_SECONDS).optional(),
})
export const inboxAnswerSchema = z.object({
  programKey: z.string(),
  name: localizedTextSchema,
  notifications: z.array(z.looseObject({ topic: z.string(), data: z.record(z.string(), z.unknown()) })),
  /** Where this answer ends: pass it as `after` to read only what arrives next. */
  cursor: z.number().int().min(0),
})
