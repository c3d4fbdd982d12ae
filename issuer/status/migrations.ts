import type { Migration } from '@interop-lab/common/db'

export const statusListMigrations: Migration[] = [
  {
    id: 'status-lists-1',
    sql: `CREATE TABLE status_lists (
        id TEXT PRIMARY KEY, issuer TEXT NOT NULL, kid TEXT NOT NULL,
        size INTEGER NOT NULL, bits_per_status INTEGER NOT NULL,
        version INTEGER NOT NULL, created_at TEXT NOT NULL);
      CREATE TABLE status_entries (
        list_id TEXT NOT NULL, idx INTEGER NOT NULL, credential_ref TEXT,
        status TEXT NOT NULL, updated_at TEXT NOT NULL,
        PRIMARY KEY (list_id, idx));
      CREATE INDEX status_entries_by_credential ON status_entries (credential_ref);`,
  },
]
