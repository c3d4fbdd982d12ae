import type { Migration } from '../common/db'

export const verificationMigrations: Migration[] = [
  {
    id: 'verifications-1',
    sql: `CREATE TABLE verifications (
      id TEXT PRIMARY KEY, policy_id TEXT NOT NULL, format TEXT NOT NULL,
      created_at TEXT NOT NULL, decision TEXT)`,
  },
  {
    // Credo keeps a response only once it verifies; we keep every one, to explain a refusal
    id: 'verification-responses-1',
    sql: 'CREATE TABLE verification_responses (state TEXT NOT NULL, vp_token TEXT NOT NULL, received_at TEXT NOT NULL)',
  },
  { id: 'verifications-protocol-1', sql: "ALTER TABLE verifications ADD COLUMN protocol TEXT NOT NULL DEFAULT 'oid4vc'" },
]

export interface VerificationRow extends Record<string, unknown> {
  id: string
  policy_id: string
  format: string
  protocol: string
  created_at: string
  decision: string | null
}
