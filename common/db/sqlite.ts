import BetterSqlite3 from 'better-sqlite3'
import { chmodSync, existsSync } from 'node:fs'
import { dirname } from 'node:path'
import { ensurePrivateDir, ensurePrivateFile } from '../secrets'
import type { Database, SqlValue } from './Database'
import { storable } from './storable'

const STATEMENT_CACHE_SIZE = 500

const bind = (params: readonly SqlValue[]) => storable(params).map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p))

/** The database file and its WAL companions are this user's only (0600, in a 0700 directory when it creates it). */
function keepPrivate(file: string): void {
  ensurePrivateDir(dirname(file))
  ensurePrivateFile(file)
  // SQLite gives new -wal and -shm files the database file's mode; older ones may predate it
  for (const companion of [`${file}-wal`, `${file}-shm`]) if (existsSync(companion)) chmodSync(companion, 0o600)
}

export function openSqlite(file: string): Database {
  if (file !== ':memory:') keepPrivate(file)
  const db = new BetterSqlite3(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  // A checkpoint copies the pages the WAL holds into the database file and syncs both, on the committing request: at
  // 4000 WAL pages instead of SQLite's 1000, a page rewritten by many commits (an index leaf, a table's last page) is
  // copied a quarter as often. Below 4096 frames the WAL's index is one hash table: reads stay one lookup. Committed
  // transactions are in the WAL either way (durability unchanged).
  db.pragma('wal_autocheckpoint = 4000')
  db.pragma('busy_timeout = 5000')

  // Compiling a statement costs more than running most of ours: keep the recent ones compiled.
  const statements = new Map<string, BetterSqlite3.Statement>()
  const prepared = (sql: string) => {
    let statement = statements.get(sql)
    if (statement) return statement
    statement = db.prepare(sql)
    if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!)
    statements.set(sql, statement)
    return statement
  }

  // One connection serves every task: while one task's transaction is open, other tasks' statements
  // wait for it, or they would land inside it (and in its rollback).
  let tail: Promise<unknown> = Promise.resolve()
  const exclusive = <T>(work: () => Promise<T> | T): Promise<T> => {
    const result = tail.then(work)
    tail = result.catch(() => undefined)
    return result
  }

  let depth = 0
  const inTransaction: Database = {
    engine: 'sqlite',
    async exec(sql) {
      db.exec(sql)
    },
    async query(sql, params = []) {
      return prepared(sql).all(...bind(params)) as never
    },
    async run(sql, params = []) {
      return prepared(sql).run(...bind(params)).changes
    },
    async transaction(fn) {
      // the outermost one takes the write lock at once (waiting up to busy_timeout for another process's): a deferred
      // transaction that read first could not upgrade after another process wrote (SQLITE_BUSY, no wait)
      const outermost = depth === 0
      const name = `sp${depth++}`
      prepared(outermost ? 'BEGIN IMMEDIATE' : `SAVEPOINT ${name}`).run()
      try {
        const result = await fn(inTransaction)
        prepared(outermost ? 'COMMIT' : `RELEASE ${name}`).run()
        return result
      } catch (error) {
        if (outermost) prepared('ROLLBACK').run()
        else {
          prepared(`ROLLBACK TO ${name}`).run()
          prepared(`RELEASE ${name}`).run()
        }
        throw error
      } finally {
        depth--
      }
    },
    async close() {
      throw new Error('A database cannot be closed inside a transaction')
    },
  }

  return {
    engine: 'sqlite',
    exec: (sql) => exclusive(() => inTransaction.exec(sql)),
    query: (sql, params) => exclusive(() => inTransaction.query(sql, params)),
    run: (sql, params) => exclusive(() => inTransaction.run(sql, params)),
    transaction: <T>(fn: (tx: Database) => Promise<T>) => exclusive(() => inTransaction.transaction(fn)),
    close: () =>
      exclusive(() => {
        db.close()
      }),
  }
}
