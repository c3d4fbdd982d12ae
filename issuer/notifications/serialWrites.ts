import type { Database } from '@interop-lab/common/db'

/**
 * The same database, with top-level writes and transactions run one at a time. The SQLite
 * engine shares one connection, so two interleaved async transactions would tangle their
 * savepoints (and a write landing inside another's transaction would roll back with it).
 * Statements inside a transaction go through its `tx`, which is not queued.
 */
export function withSerialWrites(db: Database): Database {
  let tail: Promise<unknown> = Promise.resolve()
  const queued = <T>(task: () => Promise<T>): Promise<T> => {
    const result = tail.then(task)
    tail = result.catch(() => undefined)
    return result
  }
  return {
    engine: db.engine,
    exec: (sql) => queued(() => db.exec(sql)),
    query: (sql, params) => db.query(sql, params),
    run: (sql, params) => queued(() => db.run(sql, params)),
    transaction: (fn) => queued(() => db.transaction(fn)),
    close: () => queued(() => db.close()),
  }
}
