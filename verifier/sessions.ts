import type { Migration } from '@interop-lab/common/db'

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
  {
    // one response per request (verifier/responses.ts): the latest of those kept before is the one Credo decided on
    id: 'verification-responses-one-per-state-1',
    sql: 'CREATE TABLE verification_responses_once (state TEXT PRIMARY KEY, vp_token TEXT NOT NULL, received_at TEXT NOT NULL)',
    async run(tx) {
      const kept = await tx.query<{ state: string; vp_token: string; received_at: string }>('SELECT state, vp_token, received_at FROM verification_responses ORDER BY received_at DESC')
      for (const row of kept) {
        await tx.run('INSERT INTO verification_responses_once (state, vp_token, received_at) VALUES (?, ?, ?) ON CONFLICT (state) DO NOTHING', [row.state, row.vp_token, row.received_at])
      }
      await tx.exec('DROP TABLE verification_responses')
      await tx.exec('ALTER TABLE verification_responses_once RENAME TO verification_responses')
    },
  },
  // HAIP 1.0 (verifier/oid4vp/haip.ts): a verification's profile, and whether its response came as a JWE (direct_post.jwt)
  { id: 'verifications-profile-1', sql: 'ALTER TABLE verifications ADD COLUMN profile TEXT' },
  { id: 'verification-responses-encrypted-1', sql: 'ALTER TABLE verification_responses ADD COLUMN encrypted INTEGER NOT NULL DEFAULT 0' },
  // a decided (or stale) response's vp_token is blanked, its row kept: the marker that its request was answered (verifier/responses.ts)
  { id: 'verification-responses-forgotten-1', sql: 'ALTER TABLE verification_responses ADD COLUMN forgotten INTEGER NOT NULL DEFAULT 0' },
  // an OID4VP request object, served by the verifier itself (verifier/routes/requestObjects.ts): its id in the request_uri, the signed JWT, until when
  { id: 'verifications-request-object-1', sql: 'ALTER TABLE verifications ADD COLUMN request_id TEXT' },
  { id: 'verifications-request-object-2', sql: 'ALTER TABLE verifications ADD COLUMN request_object TEXT' },
  { id: 'verifications-request-object-3', sql: 'ALTER TABLE verifications ADD COLUMN request_expires_at TEXT' },
  { id: 'verifications-request-object-4', sql: 'CREATE INDEX verifications_by_request_id ON verifications (request_id)' },
]

export interface VerificationRow extends Record<string, unknown> {
  id: string
  policy_id: string
  format: string
  protocol: string
  created_at: string
  decision: string | null
  profile: string | null
}
