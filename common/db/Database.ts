/**
 * The one way our services talk SQL, whatever the engine: `?` placeholders, async calls,
 * rows as plain objects. SQLite (embedded file, the default) and PostgreSQL implement it.
 */
export type SqlValue = string | number | bigint | null | boolean

export interface Database {
  readonly engine: 'sqlite' | 'postgres'
  /** Runs one or more statements without parameters (DDL). */
  exec(sql: string): Promise<void>
  query<Row extends Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<Row[]>
  /** Runs a statement and returns how many rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>
  /** Runs `fn` in a transaction; a throw rolls it back. */
  transaction<T>(fn: (tx: Database) => Promise<T>): Promise<T>
  close(): Promise<void>
}

export type DatabaseConfig = { engine: 'sqlite'; file: string } | { engine: 'postgres'; url: string }

export interface Migration {
  id: string
  /** DDL that works on both engines (TEXT, INTEGER, BIGINT, PRIMARY KEY, indexes); none when `run` does it all. */
  sql?: string
  /** Data the DDL cannot move portably (a backfill), run after `sql` in the same transaction. */
  run?: (tx: Database) => Promise<void>
}
