import type { Migration } from '@interop-lab/common/db'

export const programInboxMigrations: Migration[] = [
  {
    id: 'program-inbox-1',
    sql: `CREATE TABLE program_inbox (
      program_key TEXT NOT NULL, event_id TEXT NOT NULL, topic TEXT NOT NULL, publisher TEXT NOT NULL,
      issued_at TEXT NOT NULL, data TEXT NOT NULL, jws TEXT NOT NULL, received_at TEXT NOT NULL,
      redeliveries INTEGER NOT NULL, PRIMARY KEY (program_key, event_id))`,
  },
]
