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
import { rarityFrom, rarityQuery, type SqlCondition, type TagRow, tagQuerySql, tagRowKey, tagRows } from './tagSql'

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
  {
    // SQLite: tag rows stored in their primary key's order (WITHOUT ROWID), so a tag row is written to two b-trees, not
    // three (rowid table, primary key, by-record index): a state change writes 3 pages instead of 6. PostgreSQL unchanged.
    id: 'credo-record-tags-without-rowid-1',
    async run(tx) {
      if (tx.engine !== 'sqlite') return
      await tx.exec(`CREATE TABLE credo_record_tags_clustered (
        context TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL,
        name TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (context, type, name, kind, value, id)) WITHOUT ROWID;
        INSERT INTO credo_record_tags_clustered (context, type, id, name, kind, value) SELECT context, type, id, name, kind, value FROM credo_record_tags;
        DROP TABLE credo_record_tags;
        ALTER TABLE credo_record_tags_clustered RENAME TO credo_record_tags;
        CREATE INDEX credo_record_tags_by_record ON credo_record_tags (context, type, id, name)`)
    },
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
 * The stored version and tags of each record instance read or saved here. Credo's repositories hand the same
 * instance back to `update`, so they travel with it without being serialized into the record, and an update
 * knows which tag rows to rewrite without reading the row first.
 */
const versions = new WeakMap<object, { version: number; tags: string }>()

/**
 * Record types read on every request and changed almost never (an OID4VCI issuer's configuration, 7 kB, read six
 * times per issuance; the DIDs a service signs with, read on each signature): the instance built from a stored row
 * is handed out again while the row is unchanged (same version, value and tags) instead of being rebuilt by
 * class-transformer. A change is saved with `update`, which bumps the version: the next read builds a new instance.
 * Readers share the instance, so two concurrent changes of one such record are not told apart (the last one stands):
 * these change at start-up or by an administrator only.
 */
const REUSED_RECORD_TYPES = new Set(['OpenId4VcIssuerRecord', 'DidRecord'])

const TAG_ROWS_PER_STATEMENT = 100

/**
 * How long the record counts that chose where a query starts (tagSql.ts `rarityQuery`) lead the queries of the same
 * tags: how many records share a tag changes slowly, and counting costs a statement per find (on every DID lookup).
 * Any plan gives the exact answer; an outdated one can only be slower.
 */
const PLAN_LIFETIME_MS = 5_000

/** Bounds the kept conditions of queries for reused records (a DID lookup can name any DID). */
const REUSED_QUERIES_KEPT = 1_000

type Scope = { context: string; type: string }
type RarityQuery = NonNullable<ReturnType<typeof rarityQuery>>
/** How many records held each tag value a query requires (by position in its `rarityQuery` refs), and until when that leads. */
type Plan = { counts: number[]; until: number }

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
      record.context,
      record.type,
      row.name,
      row.kind,
      row.value,
      record.id,
    ])
  }
  await insertRows(
    db,
    record,
    next.filter((r) => !had.has(tagRowKey(r))),
  )
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

  /**
   * `sealer` seals the records that hold private key material (sealedRecords.ts); without it they cannot be stored.
   * `planLifetimeMs`: how long counts choose where the queries of the same tags start (PLAN_LIFETIME_MS).
   */
  public constructor(
    private readonly db: Database,
    private readonly sealer?: Sealer,
    private readonly planLifetimeMs = PLAN_LIFETIME_MS,
  ) {}

  /** The last instance built of each reused record (REUSED_RECORD_TYPES), with the row it was built from. */
  private readonly reused = new Map<string, { row: Row; record: T }>()

  /** Per context, type and the tags a query requires (names and kinds, in order): their last counts, and until when they lead. */
  private readonly plans = new Map<string, Plan>()

  /** The conditions of the queries that find reused records (REUSED_RECORD_TYPES): the same few, asked on every request. */
  private readonly reusedQueries = new Map<string, { rarity?: RarityQuery; plan?: Plan; condition?: SqlCondition }>()

  /** The record counts of the tag values `rarity` names, counted again once the last count of the same tags is older than PLAN_LIFETIME_MS. */
  private async plan(scope: Scope, rarity: RarityQuery): Promise<Plan> {
    const key = [scope.context, scope.type, ...rarity.refs.flatMap((ref) => [ref.name, ref.kind])].join('\u0000')
    const kept = this.plans.get(key)
    if (kept && kept.until >= performance.now()) return kept
    const counted = rarityFrom(rarity.refs, await this.db.query<{ i: number; n: number }>(rarity.sql, rarity.params))
    const plan = { counts: rarity.refs.map((ref) => counted.get(tagRowKey(ref)) ?? 0), until: performance.now() + this.planLifetimeMs }
    this.plans.set(key, plan)
    return plan
  }

  /** The SQL condition of a tag query, led by the tag value the plan counts rarest. */
  private async condition(scope: Scope, query: TagQuery): Promise<SqlCondition> {
    const memoKey = REUSED_RECORD_TYPES.has(scope.type) ? `${scope.context}\u0000${scope.type}\u0000${JSON.stringify(query)}` : undefined
    let memo = memoKey === undefined ? undefined : this.reusedQueries.get(memoKey)
    if (!memo) {
      memo = { rarity: rarityQuery(query, scope) }
      if (memoKey !== undefined) {
        if (this.reusedQueries.size >= REUSED_QUERIES_KEPT) this.reusedQueries.delete(this.reusedQueries.keys().next().value!)
        this.reusedQueries.set(memoKey, memo)
      }
    }
    const { rarity } = memo
    const plan = rarity ? await this.plan(scope, rarity) : undefined
    if (!memo.condition || memo.plan !== plan) {
      // the same tags with other values: the counts carry over by position
      const counts = rarity && plan ? new Map(rarity.refs.map((ref, i) => [tagRowKey(ref), plan.counts[i]])) : undefined
      Object.assign(memo, { plan, condition: tagQuerySql(query, scope, counts) })
    }
    return memo.condition!
  }

  private toRecord(row: Row, recordClass: BaseRecordConstructor<T>): T {
    const reuseKey = REUSED_RECORD_TYPES.has(recordClass.type) ? `${recordClass.type}/${row.id}` : undefined
    const built = reuseKey ? this.reused.get(reuseKey) : undefined
    if (built && built.row.version === row.version && built.row.value === row.value && built.row.tags === row.tags) return built.record
    const record = JsonTransformer.deserialize(recordJson(row.value, this.sealer), recordClass)
    record.id = row.id
    record.replaceTags(JSON.parse(row.tags) as TagsBase)
    versions.set(record, { version: row.version, tags: row.tags })
    if (reuseKey) this.reused.set(reuseKey, { row, record })
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
    versions.set(record, { version: 1, tags })
  }

  /**
   * Compare-and-set: the update applies only if the record is still at the version this instance was read at
   * (an instance that was never read or saved here, such as a clone, updates whatever is stored).
   */
  public async update(agentContext: AgentContext, record: T): Promise<void> {
    // a reused instance is being changed: whether or not the change is stored, it is not handed out again
    this.reused.delete(`${record.type}/${record.id}`)
    record.updatedAt = new Date()
    const key = { context: agentContext.contextCorrelationId, type: record.type, id: record.id }
    const value = storedValue(record.type, JsonTransformer.serialize(record), this.sealer)
    const tags = JSON.stringify(record.getTags())
    const expected = versions.get(record)
    const outcome = await this.db.transaction(async (tx) => {
      // an instance read here knows its version and stored tags: the compare-and-set below is the only read. Otherwise
      // (a clone) the row is read first; on PostgreSQL it is locked, or concurrent updates would each rewrite the tags from the same old ones
      const lock = this.db.engine === 'postgres' ? ' FOR UPDATE' : ''
      const stored =
        expected ?? (await tx.query<{ tags: string; version: number }>(`SELECT tags, version FROM credo_records WHERE context = ? AND type = ? AND id = ?${lock}`, [key.context, key.type, key.id]))[0]
      if (!stored) return 'not-found'
      const changed = await tx.run('UPDATE credo_records SET value = ?, tags = ?, version = ? WHERE context = ? AND type = ? AND id = ? AND version = ?', [
        value,
        tags,
        stored.version + 1,
        key.context,
        key.type,
        key.id,
        stored.version,
      ])
      // no row at the expected version: changed by another request, or deleted
      if (!changed) return expected && !(await tx.query('SELECT 1 FROM credo_records WHERE context = ? AND type = ? AND id = ?', [key.context, key.type, key.id])).length ? 'not-found' : 'conflict'
      if (stored.tags !== tags) await replaceTags(tx, key, stored.tags, tags)
      return stored.version + 1
    })
    if (outcome === 'not-found') throw new RecordNotFoundError(`record with id ${record.id} not found.`, { recordType: record.type })
    if (outcome === 'conflict') throw new RecordConflictError(record.type, record.id)
    versions.set(record, { version: outcome, tags })
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
    const [row] = await this.db.query<Row>('SELECT id, value, tags, version FROM credo_records WHERE context = ? AND type = ? AND id = ?', [agentContext.contextCorrelationId, recordClass.type, id])
    if (!row) throw new RecordNotFoundError(`record with id ${id} not found.`, { recordType: recordClass.type })
    return this.toRecord(row, recordClass)
  }

  public async getAll(agentContext: AgentContext, recordClass: BaseRecordConstructor<T>): Promise<T[]> {
    return this.findByQuery(agentContext, recordClass, {})
  }

  public async findByQuery(agentContext: AgentContext, recordClass: BaseRecordConstructor<T>, query: Query<T>, options: QueryOptions = {}): Promise<T[]> {
    const scope = { context: agentContext.contextCorrelationId, type: recordClass.type }
    const condition = await this.condition(scope, query as TagQuery)
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
