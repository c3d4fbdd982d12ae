import { z } from 'zod'

/**
 * The wire contract between the publisher (issuer/notifications) and program inboxes
 * (verifier/notifications): what a signed notification looks like and how it is signed.
 */

export interface LocalizedText {
  en: string
  fr: string
}

/** The topics of the death-notification pilot. */
export const DEATH_TOPICS = ['death.registered', 'death.corrected'] as const

/** Explicit JWS type, so a notification cannot pass for any other signed object, nor the reverse. */
export const NOTIFICATION_JWS_TYPE = 'notification+jws'

/** Algorithms a publisher may sign with; anything else is refused before a key is even looked up. */
export const NOTIFICATION_ALGORITHMS = ['EdDSA', 'ES256'] as const

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
