import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import Database from 'better-sqlite3'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openDatabase } from '@interop-lab/common/db'
import { forgetResponse, WalTruncator } from '@interop-lab/verifier/responses'
import { verificationMigrations } from '@interop-lab/verifier/sessions'

// Once decided, a raw response leaves no trace in the verifier's SQLite file: blanked (secure_delete), then the
// write-ahead log emptied on a connection of the truncator's worker thread. Concurrent deciders share one truncation
// when one is still waiting its turn.

const dir = mkdtempSync(join(tmpdir(), 'interop-response-wal-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const fileBytes = (file: string) => Buffer.concat([file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f)))

/** The verifier's responses table on a real SQLite file, `count` responses stored, and a truncator for its log. */
async function responsesDatabase(name: string, count: number) {
  const file = join(dir, name)
  const db = await openDatabase({ engine: 'sqlite', file }, verificationMigrations)
  await db.exec('PRAGMA secure_delete = ON')
  const tokens = Array.from({ length: count }, (_, i) => `vp-token-secret-${name}-${i}-${'x'.repeat(64)}`)
  for (const [i, token] of tokens.entries()) await db.run('INSERT INTO verification_responses (state, vp_token, received_at) VALUES (?, ?, ?)', [`state-${i}`, token, new Date().toISOString()])
  const wal = new WalTruncator(file)
  const close = async () => {
    await wal.close()
    await db.close()
  }
  return { db, file, tokens, wal, close }
}

describe('forgetting decided responses (verifier/responses.ts)', () => {
  it('leaves none of 16 concurrently forgotten responses in the file or its log, with fewer truncations than deciders, and keeps each row as its marker', async () => {
    const { db, file, tokens, wal, close } = await responsesDatabase('concurrent.sqlite', 16)
    expect(tokens.every((token) => fileBytes(file).includes(token))).toBe(true)
    await Promise.all(tokens.map((_, i) => forgetResponse(db, `state-${i}`, wal)))
    const bytes = fileBytes(file)
    for (const token of tokens) expect(bytes.includes(token)).toBe(false)
    expect(wal.checkpoints).toBeGreaterThan(0)
    expect(wal.checkpoints).toBeLessThan(tokens.length)
    // a request takes one response: its row stays, with nothing of the response in it
    expect(await db.query('SELECT state, vp_token, forgotten FROM verification_responses ORDER BY rowid')).toEqual(tokens.map((_, i) => ({ state: `state-${i}`, vp_token: '', forgotten: 1 })))
    await close()
  })

  it('truncates again for a decider that asks once the previous truncation is over', async () => {
    const { db, file, tokens, wal, close } = await responsesDatabase('sequential.sqlite', 2)
    for (const [i, token] of tokens.entries()) {
      await forgetResponse(db, `state-${i}`, wal)
      expect(fileBytes(file).includes(token)).toBe(false)
    }
    expect(wal.checkpoints).toBe(2)
    await close()
  })

  it('empties the log while the service’s own connection holds a write transaction open, once it commits', async () => {
    const { db, file, tokens, wal, close } = await responsesDatabase('busy.sqlite', 1)
    await db.run("UPDATE verification_responses SET vp_token = '', forgotten = 1 WHERE state = ?", ['state-0'])
    let truncated = false
    let truncation: Promise<void> | undefined
    await db.transaction(async (tx) => {
      await tx.run('INSERT INTO verification_responses (state, vp_token, received_at) VALUES (?, ?, ?)', ['state-1', 'another', new Date().toISOString()])
      truncation = wal.truncate().then(() => {
        truncated = true
      })
      // the worker waits for this writer (busy_timeout) while this event loop goes on: timers still fire
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(truncated).toBe(false)
    })
    await truncation
    expect(fileBytes(file).includes(tokens[0])).toBe(false)
    await close()
  })

  it('answers the decider when a reader keeps the log in use, and empties the log once the reader is done', async () => {
    const { db, file, tokens, wal, close } = await responsesDatabase('reader.sqlite', 1)
    // another connection in the middle of a read transaction: the log cannot be emptied under it
    const reader = new Database(file)
    reader.prepare('BEGIN').run()
    reader.prepare('SELECT count(*) FROM verification_responses').get()
    await forgetResponse(db, 'state-0', wal)
    expect(await db.query('SELECT vp_token, forgotten FROM verification_responses')).toEqual([{ vp_token: '', forgotten: 1 }])
    expect(wal.checkpoints).toBe(0)
    reader.prepare('COMMIT').run()
    reader.close()
    await expect.poll(() => wal.checkpoints, { timeout: 10_000 }).toBeGreaterThan(0)
    expect(fileBytes(file).includes(tokens[0])).toBe(false)
    await close()
  })
})
