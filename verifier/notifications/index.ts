export { createProgramInbox, type ProgramInbox, type ProgramInboxOptions, type ReceivedNotification, type ReceiveResult } from './inbox'
export { programInboxMigrations } from './migrations'
export { createNotificationVerifier, type NotificationVerifier, type NotificationVerifierOptions } from './verify'
