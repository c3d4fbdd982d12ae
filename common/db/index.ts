import type { Database, DatabaseConfig, Migration } from './Database'
import { openPostgres } from './postgres'
import { openSqlite } from './sqlite'

export type { Database, DatabaseConfig, Migration, SqlValue } from './Database'
export { UnstorableValueError } from './storable'

/** Any constant: the advisory lock our migrations take on PostgreSQL. */
const MIGRATION_LOCK_KEY = 7_126_001

/** Opens the database and applies, once each and in order, the migrations it has not seen. */
export async function openDatabase(config: DatabaseConfig, migrations: readonly Migration[] = []): Promise<Database> {
  const db = config.engine === 'sqlite' ? openSqlite(config.file) : await openPostgres(config.url)
  await migrate(db, migrations).catch(async (error: unknown) => {
    await db.close()
    throw error
  })
  return db
}

async function migrate(db: Database, migrations: readonly Migration[]): Promise<void> {
  await db.transaction(async (tx) => {
    // replicas of a service starting together on one PostgreSQL database migrate one after the other
    if (tx.engine === 'postgres') await tx.query('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK_KEY])
    await tx.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)')
    for (const migration of migrations) {
      const seen = await tx.query('SELECT id FROM schema_migrations WHERE id = ?', [migration.id])
      if (seen.length) continue
      if (migration.sql) await tx.exec(migration.sql)
      await migration.run?.(tx)
      await tx.run('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)', [migration.id, new Date().toISOString()])
    }
  })
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
