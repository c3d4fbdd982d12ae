import type { Migration } from '@interop-lab/common/db'
import { keyStorageMigrations } from '@interop-lab/common/persistence/KeyStorage'

/** Tables of the publisher side; the sealed key table is shared with Credo agents (applied once per database). */
export const notificationHubMigrations: Migration[] = [
  ...keyStorageMigrations,
  {
    id: 'notifications-1',
    sql: `
      CREATE TABLE notification_subscriptions (
        id TEXT PRIMARY KEY, name_en TEXT NOT NULL, name_fr TEXT NOT NULL, program_key TEXT NOT NULL,
        callback_url TEXT NOT NULL, topics TEXT NOT NULL, jurisdictions TEXT,
        created_at TEXT NOT NULL, deleted_at TEXT);
      CREATE TABLE notification_events (
        id TEXT PRIMARY KEY, topic TEXT NOT NULL, jurisdiction TEXT, publisher TEXT NOT NULL,
        data TEXT NOT NULL, issued_at TEXT NOT NULL);
      CREATE TABLE notification_deliveries (
        id TEXT PRIMARY KEY,
        event_id TEXT NOT NULL REFERENCES notification_events (id),
        subscription_id TEXT NOT NULL REFERENCES notification_subscriptions (id),
        state TEXT NOT NULL, attempts INTEGER NOT NULL, next_attempt_at BIGINT,
        created_at TEXT NOT NULL, delivered_at TEXT, last_status INTEGER, last_error TEXT,
        UNIQUE (event_id, subscription_id));
      CREATE INDEX notification_deliveries_due ON notification_deliveries (state, next_attempt_at);
      CREATE TABLE notification_delivery_attempts (
        id TEXT PRIMARY KEY,
        delivery_id TEXT NOT NULL REFERENCES notification_deliveries (id),
        attempt INTEGER NOT NULL, attempted_at TEXT NOT NULL, status_code INTEGER, error TEXT,
        outcome TEXT NOT NULL, next_attempt_at TEXT);
      CREATE INDEX notification_delivery_attempts_delivery ON notification_delivery_attempts (delivery_id);`,
  },
]
