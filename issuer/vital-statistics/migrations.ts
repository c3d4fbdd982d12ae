import type { Migration } from '../../common/db'

export const deathRegistrationMigrations: Migration[] = [
  {
    id: 'death-registrations-1',
    sql: `CREATE TABLE death_registrations (
      id TEXT PRIMARY KEY, registrar_key TEXT NOT NULL, certifier_did TEXT NOT NULL,
      certificate TEXT NOT NULL, state TEXT NOT NULL, registration_number TEXT,
      correction_reason TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`,
  },
]
