import pg from 'pg'
import type { Database, SqlValue } from './Database'
import { storable } from './storable'

/** Rewrites `?` placeholders to `$1..$n` (our SQL never has `?` inside string literals). */
const toPg = (sql: string) => {
  let n = 0
  return sql.replace(/\?/g, () => `$${++n}`)
}

type Queryable = pg.Pool | pg.PoolClient

function wrap(conn: Queryable, pool: pg.Pool): Database {
  return {
    engine: 'postgres',
    async exec(sql) {
      await conn.query(sql)
    },
    async query(sql, params: readonly SqlValue[] = []) {
      return (await conn.query(toPg(sql), storable(params) as SqlValue[])).rows
    },
    async run(sql, params: readonly SqlValue[] = []) {
      return (await conn.query(toPg(sql), storable(params) as SqlValue[])).rowCount ?? 0
    },
    async transaction(fn) {
      if (conn !== pool) return fn(wrap(conn, pool)) // already inside one
      const client = await pool.connect()
      let broken: Error | undefined
      try {
        await client.query('BEGIN')
        const result = await fn(wrap(client, pool))
        await client.query('COMMIT')
        return result
      } catch (error) {
        // a connection that cannot even roll back is dropped, not handed to the next caller
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError
        })
        throw error
      } finally {
        client.release(broken)
      }
    },
    async close() {
      await pool.end()
    },
  }
}

const UNDEFINED_DATABASE = '3D000'
const DUPLICATE_DATABASE = '42P04'
/** Two sessions creating the same database at once can also collide on pg_database's own unique index. */
const UNIQUE_VIOLATION = '23505'

const quoteIdentifier = (name: string) => `"${name.replace(/"/g, '""')}"`

/** Creates the database `url` names, through the server's `postgres` database, unless it exists (or another process just created it). */
async function createDatabase(url: string): Promise<void> {
  const server = new URL(url)
  const name = decodeURIComponent(server.pathname.slice(1))
  server.pathname = '/postgres'
  const admin = new pg.Client({ connectionString: server.toString() })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${quoteIdentifier(name)}`)
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code !== DUPLICATE_DATABASE && code !== UNIQUE_VIOLATION) throw error
  } finally {
    await admin.end()
  }
}

/** Opens a pool on the database `url` names, creating that database on first use (each service gets its own). */
export async function openPostgres(url: string): Promise<Database> {
  // BIGINT comes back as a string by default; our counters and timestamps fit in a double
  pg.types.setTypeParser(20, (v) => Number(v))
  const pool = new pg.Pool({ connectionString: url, max: 10 })
  // an idle connection the server drops (restart, failover) must not crash the service: the pool replaces it
  pool.on('error', (error) => console.error(`[postgres] idle connection lost: ${error.message}`))
  try {
    await pool.query('SELECT 1')
  } catch (error) {
    if ((error as { code?: string }).code !== UNDEFINED_DATABASE) {
      await pool.end()
      throw error
    }
    await createDatabase(url)
  }
  return wrap(pool, pool)
}
