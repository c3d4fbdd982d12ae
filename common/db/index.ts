import type { Database, DatabaseConfig, Migration } from './Database'
import { openPostgres } from './postgres'
import { openSqlite } from './sqlite'

export type { Database, DatabaseConfig, Migration, SqlValue } from './Database'

/** Opens the database and applies, once each and in order, the migrations it has not seen. */
export async function openDatabase(config: DatabaseConfig, migrations: readonly Migration[] = []): Promise<Database> {
  const db = config.engine === 'sqlite' ? openSqlite(config.file) : openPostgres(config.url)
  await db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)')
  for (const migration of migrations) {
    await db.transaction(async (tx) => {
      const seen = await tx.query('SELECT id FROM schema_migrations WHERE id = ?', [migration.id])
      if (seen.length) return
      await tx.exec(migration.sql)
      await tx.run('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)', [migration.id, new Date().toISOString()])
    })
  }
  return db
}

/** `INTEROP_DATABASE_URL=postgres://…` selects PostgreSQL; otherwise an SQLite file under `dataDir`. */
export function databaseConfigFor(service: string, dataDir: string, env = process.env): DatabaseConfig {
  const url = env.INTEROP_DATABASE_URL
  if (url) {
    const u = new URL(url)
    u.pathname = `/${service.replace(/[^a-z0-9_]/gi, '_')}`
    return { engine: 'postgres', url: u.toString() }
  }
  return { engine: 'sqlite', file: `${dataDir}/${service}.sqlite` }
}
