import type { Migration } from '@interop-lab/common/db'

export const deathRegistrationMigrations: Migration[] = [
  {
    id: 'death-registrations-1',
    sql: `CREATE TABLE death_registrations (
      id TEXT PRIMARY KEY, registrar_key TEXT NOT NULL, certifier_did TEXT NOT NULL,
      certificate TEXT NOT NULL, state TEXT NOT NULL, registration_number TEXT,
      correction_reason TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`,
  },
  {
    // the replay cache: each certificate (certifier DID + jti) registers one death; kept while the certificate is fresh
    id: 'medical-certificate-jtis-1',
    sql: `CREATE TABLE medical_certificate_jtis (
      certifier_did TEXT NOT NULL, jti TEXT NOT NULL, expires_at BIGINT NOT NULL,
      PRIMARY KEY (certifier_did, jti))`,
  },
]
