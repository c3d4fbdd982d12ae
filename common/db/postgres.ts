import pg from 'pg'
import type { Database, SqlValue } from './Database'

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
      return (await conn.query(toPg(sql), params as SqlValue[])).rows
    },
    async run(sql, params: readonly SqlValue[] = []) {
      return (await conn.query(toPg(sql), params as SqlValue[])).rowCount ?? 0
    },
    async transaction(fn) {
      if (conn !== pool) return fn(wrap(conn, pool)) // already inside one
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        const result = await fn(wrap(client, pool))
        await client.query('COMMIT')
        return result
      } catch (error) {
        await client.query('ROLLBACK')
        throw error
      } finally {
        client.release()
      }
    },
    async close() {
      await pool.end()
    },
  }
}

export function openPostgres(url: string): Database {
  // BIGINT comes back as a string by default; our counters and timestamps fit in a double
  pg.types.setTypeParser(20, (v) => Number(v))
  const pool = new pg.Pool({ connectionString: url, max: 10 })
  return wrap(pool, pool)
}
