import BetterSqlite3 from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Database, SqlValue } from './Database'

const bind = (params: readonly SqlValue[]) => params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p))

export function openSqlite(file: string): Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
  const db = new BetterSqlite3(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('busy_timeout = 5000')
  let depth = 0

  const self: Database = {
    engine: 'sqlite',
    async exec(sql) {
      db.exec(sql)
    },
    async query(sql, params = []) {
      return db.prepare(sql).all(...bind(params)) as never
    },
    async run(sql, params = []) {
      return db.prepare(sql).run(...bind(params)).changes
    },
    async transaction(fn) {
      // better-sqlite3 is synchronous, so nested or interleaved async work shares one connection:
      // savepoints keep each transaction's rollback to its own writes.
      const name = `sp${depth++}`
      db.exec(`SAVEPOINT ${name}`)
      try {
        const result = await fn(self)
        db.exec(`RELEASE ${name}`)
        return result
      } catch (error) {
        db.exec(`ROLLBACK TO ${name}; RELEASE ${name}`)
        throw error
      } finally {
        depth--
      }
    },
    async close() {
      db.close()
    },
  }
  return self
}
