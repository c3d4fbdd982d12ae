/**
 * The wire contract between the publisher (issuer/notifications) and program inboxes (verifier/notifications): what
 * a signed notification looks like and how it is signed (contracts/z-notifications.ts).
 */
export {
  DEATH_TOPICS,
  type LocalizedText,
  NOTIFICATION_ALGORITHMS,
  NOTIFICATION_JWS_TYPE,
  type NotificationPayload,
  notificationPayloadSchema,
} from '@interop-lab/contracts'
