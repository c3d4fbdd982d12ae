import BetterSqlite3 from 'better-sqlite3'
import { join } from 'node:path'

/**
 * The raw vp_tokens a running verifier receives, as it stores them (verifier/responses.ts): the verifier decides at once
 * and then blanks them, so a test that needs the very bytes a wallet sent (to check them with an independent library)
 * has the verifier's own SQLite file copy each stored response into a table of its own, by a trigger.
 */
export function captureVerifierResponses(dataDir: string) {
  const db = new BetterSqlite3(join(dataDir, 'verifier.sqlite'))
  db.pragma('busy_timeout = 5000')
  db.exec(`CREATE TABLE IF NOT EXISTS test_captured_responses (state TEXT PRIMARY KEY, vp_token TEXT NOT NULL);
    CREATE TRIGGER IF NOT EXISTS test_capture_response AFTER INSERT ON verification_responses
    BEGIN INSERT OR REPLACE INTO test_captured_responses (state, vp_token) VALUES (new.state, new.vp_token); END`)
  return {
    /** The vp_token received for the request with `state`, as the wallet sent it. */
    vpToken(state: string): string | undefined {
      return (db.prepare('SELECT vp_token FROM test_captured_responses WHERE state = ?').get(state) as { vp_token: string } | undefined)?.vp_token
    },
    close: () => db.close(),
  }
}
