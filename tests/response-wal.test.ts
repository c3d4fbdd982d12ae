import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type Database, openDatabase } from '@interop-lab/common/db'
import { truncateWal } from '@interop-lab/verifier/responses'
import { verificationMigrations } from '@interop-lab/verifier/sessions'

// Once decided, a raw response leaves no trace in the verifier's SQLite file: deleted (secure_delete), then the
// write-ahead log emptied. Concurrent deciders share one truncation when one is still waiting in the queue.

const dir = mkdtempSync(join(tmpdir(), 'interop-response-wal-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const fileBytes = (file: string) => Buffer.concat([file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f)))

/** The verifier's responses table on a real SQLite file, `count` responses stored; `truncations` counts the log truncations it ran. */
async function responsesDatabase(name: string, count: number) {
  const file = join(dir, name)
  const real = await openDatabase({ engine: 'sqlite', file }, verificationMigrations)
  await real.exec('PRAGMA secure_delete = ON')
  let truncations = 0
  const db: Database = {
    ...real,
    exec: (sql) => {
      if (sql.includes('wal_checkpoint(TRUNCATE)')) truncations++
      return real.exec(sql)
    },
  }
  const tokens = Array.from({ length: count }, (_, i) => `vp-token-secret-${name}-${i}-${'x'.repeat(64)}`)
  for (const [i, token] of tokens.entries()) await db.run('INSERT INTO verification_responses (state, vp_token, received_at) VALUES (?, ?, ?)', [`state-${i}`, token, new Date().toISOString()])
  return { db, file, tokens, truncations: () => truncations }
}

describe('forgetting decided responses (verifier/responses.ts)', () => {
  it('leaves none of 16 concurrently deleted responses in the file or its log, with fewer truncations than deleters', async () => {
    const { db, file, tokens, truncations } = await responsesDatabase('concurrent.sqlite', 16)
    expect(tokens.every((token) => fileBytes(file).includes(token))).toBe(true)
    await Promise.all(
      tokens.map(async (_, i) => {
        await db.run('DELETE FROM verification_responses WHERE state = ?', [`state-${i}`])
        await truncateWal(db)
      }),
    )
    const bytes = fileBytes(file)
    for (const token of tokens) expect(bytes.includes(token)).toBe(false)
    expect(truncations()).toBeGreaterThan(0)
    expect(truncations()).toBeLessThan(tokens.length)
    await db.close()
  })

  it('truncates again for a deleter that asks once the previous truncation is over', async () => {
    const { db, file, tokens, truncations } = await responsesDatabase('sequential.sqlite', 2)
    for (const [i, token] of tokens.entries()) {
      await db.run('DELETE FROM verification_responses WHERE state = ?', [`state-${i}`])
      await truncateWal(db)
      expect(fileBytes(file).includes(token)).toBe(false)
    }
    expect(truncations()).toBe(2)
    await db.close()
  })
})
