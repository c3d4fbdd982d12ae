import {
  type AgentContext,
  type BaseRecord,
  type BaseRecordConstructor,
  JsonTransformer,
  type Query,
  type QueryOptions,
  RecordDuplicateError,
  RecordNotFoundError,
  type StorageService,
  type TagsBase,
} from '@credo-ts/core'
import type { Database, Migration } from '../db'
import { matchesQuery, type TagQuery } from './tagQuery'

export const credoStorageMigrations: Migration[] = [
  {
    id: 'credo-records-1',
    sql: `CREATE TABLE credo_records (
      context TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL,
      value TEXT NOT NULL, tags TEXT NOT NULL, created_at TEXT NOT NULL,
      PRIMARY KEY (context, type, id))`,
  },
]

interface Row extends Record<string, unknown> {
  id: string
  value: string
  tags: string
}

/**
 * Credo's StorageService on our Database (SQLite or PostgreSQL): one row per record, keyed by
 * agent context, record type and id. Tags are kept as JSON and queried with Askar's semantics.
 */
export class CredoStorageService<T extends BaseRecord<any, any, any>> implements StorageService<T> {
  public readonly supportsCursorPagination = false

  public constructor(private readonly db: Database) {}

  private toRecord(row: Row, recordClass: BaseRecordConstructor<T>): T {
    const record = JsonTransformer.deserialize(row.value, recordClass)
    record.id = row.id
    record.replaceTags(JSON.parse(row.tags) as TagsBase)
    return record
  }

  public async save(agentContext: AgentContext, record: T): Promise<void> {
    record.updatedAt = new Date()
    const inserted = await this.db.run(
      `INSERT INTO credo_records (context, type, id, value, tags, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (context, type, id) DO NOTHING`,
      [agentContext.contextCorrelationId, record.type, record.id, JsonTransformer.serialize(record), JSON.stringify(record.getTags()), record.createdAt.toISOString()],
    )
    if (!inserted) throw new RecordDuplicateError(`Record with id ${record.id} already exists`, { recordType: record.type })
  }

  public async update(agentContext: AgentContext, record: T): Promise<void> {
    record.updatedAt = new Date()
    const changed = await this.db.run('UPDATE credo_records SET value = ?, tags = ? WHERE context = ? AND type = ? AND id = ?', [
      JsonTransformer.serialize(record),
      JSON.stringify(record.getTags()),
      agentContext.contextCorrelationId,
      record.type,
      record.id,
    ])
    if (!changed) throw new RecordNotFoundError(`record with id ${record.id} not found.`, { recordType: record.type })
  }

  public async delete(agentContext: AgentContext, record: T): Promise<void> {
    await this.deleteById(agentContext, record.constructor as BaseRecordConstructor<T>, record.id)
  }

  public async deleteById(agentContext: AgentContext, recordClass: BaseRecordConstructor<T>, id: string): Promise<void> {
    const changed = await this.db.run('DELETE FROM credo_records WHERE context = ? AND type = ? AND id = ?', [agentContext.contextCorrelationId, recordClass.type, id])
    if (!changed) throw new RecordNotFoundError(`record with id ${id} not found.`, { recordType: recordClass.type })
  }

  public async getById(agentContext: AgentContext, recordClass: BaseRecordConstructor<T>, id: string): Promise<T> {
    const [row] = await this.db.query<Row>('SELECT id, value, tags FROM credo_records WHERE context = ? AND type = ? AND id = ?', [
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
    const rows = await this.db.query<Row>('SELECT id, value, tags FROM credo_records WHERE context = ? AND type = ? ORDER BY created_at, id', [
      agentContext.contextCorrelationId,
      recordClass.type,
    ])
    const matching = rows.filter((row) => matchesQuery(JSON.parse(row.tags) as TagsBase, query as TagQuery))
    const offset = options.offset ?? 0
    const page = matching.slice(offset, options.limit === undefined ? undefined : offset + options.limit)
    return page.map((row) => this.toRecord(row, recordClass))
  }
}
