import {
  type AgentContext,
  type BaseRecord,
  type BaseRecordConstructor,
  CredoError,
  JsonTransformer,
  type Query,
  type QueryOptions,
  RecordDuplicateError,
  RecordNotFoundError,
  type StorageService,
  type TagsBase,
} from '@credo-ts/core'
import type { Database, Migration } from '../db'
import type { Sealer } from '../secrets'
import { recordJson, storedValue } from './sealedRecords'
import type { TagQuery } from './tagQuery'
import { rarityFrom, rarityQuery, type TagRow, tagQuerySql, tagRowKey, tagRows } from './tagSql'

export const credoStorageMigrations: Migration[] = [
  {
    id: 'credo-records-1',
    sql: `CREATE TABLE credo_records (
      context TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL,
      value TEXT NOT NULL, tags TEXT NOT NULL, created_at TEXT NOT NULL,
      PRIMARY KEY (context, type, id))`,
  },
  {
    // a query reads the index, not every record of a type (see tagSql.ts)
    id: 'credo-record-tags-1',
    sql: `CREATE TABLE credo_record_tags (
      context TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL,
      name TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL,
      PRIMARY KEY (context, type, name, kind, value, id));
      CREATE INDEX credo_record_tags_by_record ON credo_record_tags (context, type, id, name)`,
    async run(tx) {
      const records = await tx.query<{ context: string; type: string; id: string; tags: string }>('SELECT context, type, id, tags FROM credo_records')
      for (const record of records) await insertTags(tx, record, record.tags)
    },
  },
  {
    // optimistic concurrency: every update compares and bumps it (records stored before this start at 1)
    id: 'credo-records-version-1',
    sql: 'ALTER TABLE credo_records ADD COLUMN version INTEGER NOT NULL DEFAULT 1',
  },
]

/**
 * The record was changed since this copy of it was read: the update is refused,
 * so of two concurrent state transitions of one record only the first to commit takes effect.
 */
export class RecordConflictError extends CredoError {
  public constructor(recordType: string, id: string) {
    super(`${recordType}: record ${id} was changed by another request since it was read; its update is refused (optimistic concurrency). Read it again to act on its current state.`)
    this.name = 'RecordConflictError'
  }
}

/**
 * The stored version of each record instance read or saved here. Credo's repositories hand the same instance
 * back to `update`, so the version travels with it without being serialized into the record.
 */
const versions = new WeakMap<object, number>()

const TAG_ROWS_PER_STATEMENT = 100

const insertTags = (db: Database, record: { context: string; type: string; id: string }, storedTags: string) => insertRows(db, record, tagRows(storedTags))

async function insertRows(db: Database, record: { context: string; type: string; id: string }, rows: TagRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += TAG_ROWS_PER_STATEMENT) {
    const batch = rows.slice(start, start + TAG_ROWS_PER_STATEMENT)
    await db.run(
      `INSERT INTO credo_record_tags (context, type, id, name, kind, value) VALUES ${batch.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
      batch.flatMap((row) => [record.context, record.type, record.id, row.name, row.kind, row.value]),
    )
  }
}

/** Rewrites only the tag rows that changed (an update usually moves one tag, such as a state). */
async function replaceTags(db: Database, record: { context: string; type: string; id: string }, before: string, after: string): Promise<void> {
  const [old, next] = [tagRows(before), tagRows(after)]
  const kept = new Set(next.map(tagRowKey))
  const had = new Set(old.map(tagRowKey))
  for (const row of old.filter((r) => !kept.has(tagRowKey(r)))) {
    await db.run('DELETE FROM credo_record_tags WHERE context = ? AND type = ? AND name = ? AND kind = ? AND value = ? AND id = ?', [
      record.context, record.type, row.name, row.kind, row.value, record.id,
    ])
  }
  await insertRows(db, record, next.filter((r) => !had.has(tagRowKey(r))))
}

const deleteTags = (db: Database, record: { context: string; type: string; id: string }) =>
  db.run('DELETE FROM credo_record_tags WHERE context = ? AND type = ? AND id = ?', [record.context, record.type, record.id])

interface Row extends Record<string, unknown> {
  id: string
  value: string
  tags: string
  version: number
}

/**
 * Credo's StorageService on our Database (SQLite or PostgreSQL): one row per record, keyed by
 * agent context, record type and id. Tags are kept as JSON (read back
 * with the record) and as rows of `credo_record_tags`, which queries read with Askar's semantics.
 */
// biome-ignore lint/suspicious/noExplicitAny: the bound Credo's own StorageService<T extends BaseRecord<any, any, any>> declares
export class CredoStorageService<T extends BaseRecord<any, any, any>> implements StorageService<T> {
  public readonly supportsCursorPagination = false

  /** `sealer` seals the records that hold private key material (sealedRecords.ts); without it they cannot be stored. */
  public constructor(
    private readonly db: Database,
    private readonly sealer?: Sealer,
  ) {}

  private toRecord(row: Row, recordClass: BaseRecordConstructor<T>): T {
    const record = JsonTransformer.deserialize(recordJson(row.value, this.sealer), recordClass)
    record.id = row.id
    record.replaceTags(JSON.parse(row.tags) as TagsBase)
    versions.set(record, row.version)
    return record
  }

  public async save(agentContext: AgentContext, record: T): Promise<void> {
    record.updatedAt = new Date()
    const key = { context: agentContext.contextCorrelationId, type: record.type, id: record.id }
    const value = storedValue(record.type, JsonTransformer.serialize(record), this.sealer)
    const tags = JSON.stringify(record.getTags())
    const inserted = await this.db.transaction(async (tx) => {
      const added = await tx.run(
        `INSERT INTO credo_records (context, type, id, value, tags, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (context, type, id) DO NOTHING`,
        [key.context, key.type, key.id, value, tags, (record.createdAt ?? new Date()).toISOString()],
      )
      if (added) await insertTags(tx, key, tags)
      return added
    })
    if (!inserted) throw new RecordDuplicateError(`Record with id ${record.id} already exists`, { recordType: record.type })
    versions.set(record, 1)
  }

  /**
   * Compare-and-set: the update applies only if the record is still at the version this instance was read at
   * (an instance that was never read or saved here, such as a clone, updates whatever is stored).
   */
  public async update(agentContext: AgentContext, record: T): Promise<void> {
    record.updatedAt = new Date()
    const key = { context: agentContext.contextCorrelationId, type: record.type, id: record.id }
    const value = storedValue(record.type, JsonTransformer.serialize(record), this.sealer)
    const tags = JSON.stringify(record.getTags())
    const expected = versions.get(record)
    const outcome = await this.db.transaction(async (tx) => {
      // on PostgreSQL concurrent updates of one record would each rewrite the tags from the same old ones: lock the row
      const lock = this.db.engine === 'postgres' ? ' FOR UPDATE' : ''
      const [stored] = await tx.query<{ tags: string; version: number }>(`SELECT tags, version FROM credo_records WHERE context = ? AND type = ? AND id = ?${lock}`, [key.context, key.type, key.id])
      if (!stored) return 'not-found'
      const version = expected ?? stored.version
      const changed = await tx.run('UPDATE credo_records SET value = ?, tags = ?, version = ? WHERE context = ? AND type = ? AND id = ? AND version = ?', [
        value, tags, version + 1, key.context, key.type, key.id, version,
      ])
      if (!changed) return 'conflict'
      if (stored.tags !== tags) await replaceTags(tx, key, stored.tags, tags)
      return version + 1
    })
    if (outcome === 'not-found') throw new RecordNotFoundError(`record with id ${record.id} not found.`, { recordType: record.type })
    if (outcome === 'conflict') throw new RecordConflictError(record.type, record.id)
    versions.set(record, outcome)
  }

  public async delete(agentContext: AgentContext, record: T): Promise<void> {
    await this.deleteById(agentContext, record.constructor as BaseRecordConstructor<T>, record.id)
  }

  public async deleteById(agentContext: AgentContext, recordClass: BaseRecordConstructor<T>, id: string): Promise<void> {
    const key = { context: agentContext.contextCorrelationId, type: recordClass.type, id }
    const changed = await this.db.transaction(async (tx) => {
      // the record first: its row lock orders this delete after any update of the record in flight
      const deleted = await tx.run('DELETE FROM credo_records WHERE context = ? AND type = ? AND id = ?', [key.context, key.type, key.id])
      await deleteTags(tx, key)
      return deleted
    })
    if (!changed) throw new RecordNotFoundError(`record with id ${id} not found.`, { recordType: recordClass.type })
  }

  public async getById(agentContext: AgentContext, recordClass: BaseRecordConstructor<T>, id: string): Promise<T> {
    const [row] = await this.db.query<Row>('SELECT id, value, tags, version FROM credo_records WHERE context = ? AND type = ? AND id = ?', [
      agentContext.contextCorrelationId,
      recordClass.type,
      id,
    ])
    if (!row) throw new RecordNotFoundError(`record with id ${id} not found.`, { recordType: recordClass.type })
    return this.toRecord(row, recordClass)
  }

  public async getAll(agentContext: AgentContext, recordClass: BaseRecordConstructor<T>): Promise<T[]> {
    return this.findByQuery(agentContext, recordClass, {})
  }

  public async findByQuery(agentContext: AgentContext, recordClass: BaseRecordConstructor<T>, query: Query<T>, options: QueryOptions = {}): Promise<T[]> {
    const scope = { context: agentContext.contextCorrelationId, type: recordClass.type }
    const rarity = rarityQuery(query as TagQuery, scope)
    const counts = rarity ? rarityFrom(rarity.refs, await this.db.query<{ i: number; n: number }>(rarity.sql, rarity.params)) : undefined
    const condition = tagQuerySql(query as TagQuery, scope, counts)
    const rows = await this.db.query<Row>(
      `SELECT r.id, r.value, r.tags, r.version FROM credo_records r WHERE r.context = ? AND r.type = ? AND (${condition.sql}) ORDER BY r.created_at, r.id${this.page(options)}`,
      [scope.context, scope.type, ...condition.params],
    )
    return rows.map((row) => this.toRecord(row, recordClass))
  }

  /** LIMIT / OFFSET from validated integers (SQLite needs a LIMIT before an OFFSET; -1 is none). */
  private page({ limit, offset }: QueryOptions): string {
    const count = (value: number | undefined, name: string) => {
      if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) throw new RangeError(`Query ${name} must be a non-negative integer; got ${value}`)
      return value
    }
    const [rows, skip] = [count(limit, 'limit'), count(offset, 'offset')]
    if (rows === undefined && !skip) return ''
    const limitSql = rows !== undefined ? ` LIMIT ${rows}` : this.db.engine === 'sqlite' ? ' LIMIT -1' : ''
    return `${limitSql}${skip ? ` OFFSET ${skip}` : ''}`
  }
}
