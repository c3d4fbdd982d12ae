import { type AgentContext, BaseRecord, DidDocumentRole, DidRecord, type TagsBase } from '@credo-ts/core'
import fc from 'fast-check'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type Database, type DatabaseConfig, openDatabase } from '@interop-lab/common/db'
import { agentMigrations, CredoStorageService } from '@interop-lab/common/persistence'
import { credoStorageMigrations } from '@interop-lab/common/persistence/CredoStorageService'
import { matchesQuery, type TagQuery } from '@interop-lab/common/persistence/tagQuery'
import { rarityQuery, tagQuerySql, tagRowKey } from '@interop-lab/common/persistence/tagSql'

class TaggedRecord extends BaseRecord<TagsBase> {
  public static readonly type = 'TaggedRecord'
  public readonly type = TaggedRecord.type

  public constructor(props?: { id: string; tags: TagsBase; createdAt: Date }) {
    super()
    if (props) {
      this.id = props.id
      this.createdAt = props.createdAt
      this._tags = props.tags
    }
  }

  public getTags() {
    return { ...this._tags }
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'interop-storage-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

// PostgreSQL too when a server is given (INTEROP_TEST_DATABASE_URL=postgres://…/db, an empty database)
const engines: [string, DatabaseConfig][] = [['sqlite', { engine: 'sqlite', file: join(dataDir, 'records.sqlite') }]]
if (process.env.INTEROP_TEST_DATABASE_URL) engines.push(['postgres', { engine: 'postgres', url: process.env.INTEROP_TEST_DATABASE_URL }])

let contexts = 0
const freshContext = () => ({ contextCorrelationId: `ctx-${process.pid}-${contexts++}` }) as AgentContext

// a small alphabet, so that generated queries hit generated tags often
const names = ['a', 'b', 'c']
const scalar = fc.oneof(fc.constantFrom('x', 'y', '1', '0', 'true'), fc.boolean(), fc.constant(null), fc.constantFrom(0, 1))
const tagValue = fc.oneof(scalar, fc.uniqueArray(fc.constantFrom('x', 'y', '1'), { maxLength: 3 }))
const tags = fc.dictionary(fc.constantFrom(...names), tagValue, { maxKeys: 3 }) as fc.Arbitrary<TagsBase>
const { query } = fc.letrec<{ query: TagQuery }>((tie) => ({
  query: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.dictionary(fc.constantFrom(...names), fc.oneof(tagValue, fc.constant(undefined)), { maxKeys: 2 }) as fc.Arbitrary<TagQuery>,
    fc.record({ $and: fc.array(tie('query'), { maxLength: 3 }) }),
    fc.record({ $or: fc.array(tie('query'), { maxLength: 3 }) }),
    fc.record({ $not: tie('query') }),
  ),
}))

describe.each(engines)('Credo storage queries on %s', (_engine, config) => {
  let db: Database
  let storage: CredoStorageService<TaggedRecord>

  const save = async (context: AgentContext, tagsOf: TagsBase[]) => {
    const records = tagsOf.map((t, i) => new TaggedRecord({ id: `r${i}`, tags: t, createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)) }))
    for (const record of records) await storage.save(context, record)
    return records
  }
  const ids = async (context: AgentContext, q: TagQuery, options?: { limit?: number; offset?: number }) => (await storage.findByQuery(context, TaggedRecord, q as never, options)).map((r) => r.id)

  it('opens with the tag index', async () => {
    db = await openDatabase(config, agentMigrations)
    storage = new CredoStorageService<TaggedRecord>(db)
  })

  it('answers every query exactly as the in-memory reference matcher does, after saves and updates', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(tags, { minLength: 1, maxLength: 8 }),
        fc.array(fc.option(tags), { maxLength: 8 }),
        fc.array(query, { minLength: 1, maxLength: 4 }),
        async (tagSets, updates, queries) => {
          const context = freshContext()
          const records = await save(context, tagSets)
          for (const [i, update] of updates.entries()) {
            if (!update || !records[i]) continue
            records[i].replaceTags(update)
            await storage.update(context, records[i])
          }
          for (const q of queries) {
            const expected = records.filter((r) => matchesQuery(JSON.parse(JSON.stringify(r.getTags())) as TagsBase, q)).map((r) => r.id)
            expect(await ids(context, q)).toEqual(expected)
          }
        },
      ),
      { numRuns: 150 },
    )
  })

  it('answers exactly whichever counts choose where a search starts (a kept plan may be out of date)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(tags, { minLength: 1, maxLength: 8 }), query, fc.array(fc.nat(300), { minLength: 8, maxLength: 8 }), async (tagSets, q, counted) => {
        const context = freshContext()
        const records = await save(context, tagSets)
        const scope = { context: context.contextCorrelationId, type: TaggedRecord.type }
        const refs = rarityQuery(q, scope)?.refs ?? []
        const condition = tagQuerySql(q, scope, new Map(refs.map((ref, i) => [tagRowKey(ref), counted[i % counted.length]])))
        const rows = await db.query<{ id: string }>(`SELECT r.id FROM credo_records r WHERE r.context = ? AND r.type = ? AND (${condition.sql}) ORDER BY r.created_at, r.id`, [
          scope.context,
          scope.type,
          ...condition.params,
        ])
        const expected = records.filter((r) => matchesQuery(JSON.parse(JSON.stringify(r.getTags())) as TagsBase, q)).map((r) => r.id)
        expect(rows.map((row) => row.id)).toEqual(expected)
      }),
      { numRuns: 150 },
    )
  })

  it('reads the tags a record has now: after an update, and not after a delete', async () => {
    const context = freshContext()
    const [record] = await save(context, [{ state: 'offered', code: 'abc' }])
    expect(await ids(context, { code: 'abc' })).toEqual(['r0'])
    record.replaceTags({ state: 'issued' })
    await storage.update(context, record)
    expect(await ids(context, { code: 'abc' })).toEqual([])
    expect(await ids(context, { state: 'issued', code: null })).toEqual(['r0'])
    await storage.delete(context, record)
    expect(await ids(context, { state: 'issued' })).toEqual([])
    await expect(storage.update(context, record)).rejects.toThrow(/not found/)
  })

  it('hands out again the instance built from an unchanged row of a record read on every request (DidRecord), and builds a new one once the row changed, here or in another process', async () => {
    const context = freshContext()
    const dids = new CredoStorageService<DidRecord>(db)
    await dids.save(context, new DidRecord({ id: 'did-1', did: 'did:example:one', role: DidDocumentRole.Created }))
    const first = await dids.getById(context, DidRecord, 'did-1')
    expect(await dids.getById(context, DidRecord, 'did-1')).toBe(first)
    first.setTag('alias', 'renamed')
    await dids.update(context, first)
    const second = (await dids.findByQuery(context, DidRecord, { alias: 'renamed' }))[0]
    expect(second).not.toBe(first)
    expect(second.getTag('alias')).toBe('renamed')
    // another worker process stores a change: this one's copy is refused (optimistic concurrency) and read anew
    const [row] = await db.query<{ value: string }>('SELECT value FROM credo_records WHERE id = ?', ['did-1'])
    await db.run('UPDATE credo_records SET value = ?, version = version + 1 WHERE id = ?', [row.value.replaceAll('did:example:one', 'did:example:two'), 'did-1'])
    second.setTag('alias', 'stale')
    await expect(dids.update(context, second)).rejects.toThrow(/changed by another request/)
    const third = await dids.getById(context, DidRecord, 'did-1')
    expect([third === second, third.did, third.getTag('alias')]).toEqual([false, 'did:example:two', 'renamed'])
  })

  it('keeps records of other contexts and types apart', async () => {
    const [one, two] = [freshContext(), freshContext()]
    await save(one, [{ a: 'x' }])
    await save(two, [{ a: 'x' }, { a: 'y' }])
    expect(await ids(one, {})).toEqual(['r0'])
    expect(await ids(two, { a: 'x' })).toEqual(['r0'])
  })

  it('refuses a duplicate id without touching the stored tags', async () => {
    const context = freshContext()
    await save(context, [{ a: 'x' }])
    await expect(storage.save(context, new TaggedRecord({ id: 'r0', tags: { a: 'y' }, createdAt: new Date() }))).rejects.toThrow(/already exists/)
    expect(await ids(context, { a: 'y' })).toEqual([])
    expect(await ids(context, { a: 'x' })).toEqual(['r0'])
  })

  it('pages in creation order, and refuses a page that is not a non-negative integer', async () => {
    const context = freshContext()
    await save(
      context,
      Array.from({ length: 5 }, () => ({ kind: 'same' })),
    )
    expect(await ids(context, { kind: 'same' }, { limit: 2 })).toEqual(['r0', 'r1'])
    expect(await ids(context, { kind: 'same' }, { offset: 3 })).toEqual(['r3', 'r4'])
    expect(await ids(context, { kind: 'same' }, { offset: 1, limit: 2 })).toEqual(['r1', 'r2'])
    await expect(ids(context, {}, { limit: -1 })).rejects.toThrow(/non-negative integer/)
    await expect(ids(context, {}, { offset: 1.5 })).rejects.toThrow(/non-negative integer/)
  })

  it('closes', async () => {
    await db.close()
  })
})

describe('the tag index migration', () => {
  it('indexes the records a database held before it', async () => {
    const config: DatabaseConfig = { engine: 'sqlite', file: join(dataDir, 'older.sqlite') }
    const older = await openDatabase(config, credoStorageMigrations.slice(0, 1))
    await older.run('INSERT INTO credo_records (context, type, id, value, tags, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
      'ctx-old',
      TaggedRecord.type,
      'old-1',
      JSON.stringify({ id: 'old-1', createdAt: new Date().toISOString() }),
      JSON.stringify({ state: 'issued', types: ['A', 'B'] }),
      new Date().toISOString(),
    ])
    await older.close()

    const db = await openDatabase(config, agentMigrations)
    const storage = new CredoStorageService<TaggedRecord>(db)
    const found = await storage.findByQuery({ contextCorrelationId: 'ctx-old' } as AgentContext, TaggedRecord, { state: 'issued', types: ['B'] } as never)
    expect(found.map((r) => r.id)).toEqual(['old-1'])
    await db.close()
  })

  it('rebuilds SQLite tag rows WITHOUT ROWID (two b-trees per tag row, not three), keeping every row and both lookups', async () => {
    const config: DatabaseConfig = { engine: 'sqlite', file: join(dataDir, 'rowid.sqlite') }
    const older = await openDatabase(
      config,
      credoStorageMigrations.filter((m) => m.id !== 'credo-record-tags-without-rowid-1'),
    )
    const context = { contextCorrelationId: 'ctx-rowid' } as AgentContext
    await new CredoStorageService<TaggedRecord>(older).save(context, new TaggedRecord({ id: 'kept', tags: { state: 'issued', types: ['A', 'B'] }, createdAt: new Date() }))
    const schemaOf = async (db: Database) => (await db.query<{ sql: string }>("SELECT sql FROM sqlite_master WHERE name = 'credo_record_tags'"))[0].sql
    expect(await schemaOf(older)).not.toMatch(/WITHOUT ROWID/)
    await older.close()

    const db = await openDatabase(config, agentMigrations)
    expect(await schemaOf(db)).toMatch(/WITHOUT ROWID/)
    const storage = new CredoStorageService<TaggedRecord>(db)
    const found = async (q: TagQuery) => (await storage.findByQuery(context, TaggedRecord, q as never)).map((r) => r.id)
    expect(await found({ state: 'issued', types: ['B'] })).toEqual(['kept'])
    expect(await found({ state: 'issued', c: null })).toEqual(['kept'])
    // a record's tag rows are deleted through the by-record index, not by reading every tag row of the type
    const plan = await db.query<{ detail: string }>('EXPLAIN QUERY PLAN DELETE FROM credo_record_tags WHERE context = ? AND type = ? AND id = ?', ['c', 'T', 'i'])
    expect(plan.map((p) => p.detail).join('\n')).toMatch(/USING (COVERING )?INDEX credo_record_tags_by_record/)
    await storage.deleteById(context, TaggedRecord, 'kept')
    expect(await db.query('SELECT id FROM credo_record_tags WHERE context = ?', ['ctx-rowid'])).toEqual([])
    await db.close()
  })

  it('lets SQLite checkpoint its WAL every 4000 pages (one WAL-index hash table), not every 1000', async () => {
    const db = await openDatabase({ engine: 'sqlite', file: join(dataDir, 'checkpoint.sqlite') })
    expect(await db.query('PRAGMA wal_autocheckpoint')).toEqual([{ wal_autocheckpoint: 4000 }])
    await db.close()
  })

  it('counts tag values only where the count chooses where a search starts (a conjunction of two that could lead)', () => {
    const scope = { context: 'c', type: 'T' }
    const counted = (q: TagQuery) => rarityQuery(q, scope)?.refs.map((ref) => `${ref.name}:${ref.kind}`)
    // no choice: one value, one array item (its array marker never leads), alternatives, absences and negations
    for (const q of [{ a: 'x' }, { a: ['x'] }, { $or: [{ a: 'x' }, { b: 'y' }] }, { a: 'x', b: null }, { a: 'x', $not: { b: 'y' } }, { $and: [{ a: 'x' }] }] as TagQuery[]) {
      expect(counted(q), JSON.stringify(q)).toBeUndefined()
    }
    // a choice: how Credo finds a DID (role, and the DID or one of its alternatives), a session of an issuer, two items
    expect(counted({ role: 'created', $or: [{ did: 'did:x' }, { alternativeDids: ['did:x'] }] } as TagQuery)).toEqual(['role:s', 'did:s', 'alternativeDids:i'])
    expect(counted({ issuerId: 'i', preAuthorizedCode: 'p' })).toEqual(['issuerId:s', 'preAuthorizedCode:s'])
    expect(counted({ a: ['x', 'y'] })).toEqual(['a:i', 'a:i'])
    expect(counted({ $and: [{ a: 'x' }], $or: [{ b: 'y' }] })).toEqual(['a:s', 'b:s'])
    // the counts lead the search from the rarest value; an array's marker stays a filter
    const counts = new Map([[tagRowKey({ name: 'did', kind: 's', value: '"did:x"' }), 1]])
    expect(tagQuerySql({ role: 'created', did: 'did:x' } as TagQuery, scope, counts).params.slice(0, 5)).toEqual(['c', 'T', 'did', 's', '"did:x"'])
    expect(tagQuerySql({ a: ['x'] } as TagQuery, scope).params.slice(0, 5)).toEqual(['c', 'T', 'a', 'i', '"x"'])
  })

  it('lets SQLite answer a tag query from the index, not by reading every record', async () => {
    const db = await openDatabase({ engine: 'sqlite', file: join(dataDir, 'plan.sqlite') }, agentMigrations)
    const plan = await db.query<{ detail: string }>(
      `EXPLAIN QUERY PLAN SELECT r.id FROM credo_records r WHERE r.context = ? AND r.type = ? AND
       r.id IN (SELECT t.id FROM credo_record_tags t WHERE t.context = ? AND t.type = ? AND t.name = ? AND t.kind = ? AND t.value = ?)`,
      ['c', 'T', 'c', 'T', 'code', 's', '"abc"'],
    )
    const details = plan.map((p) => p.detail).join('\n')
    expect(details).not.toMatch(/^SCAN r\b/m)
    // the tag table is its primary key (WITHOUT ROWID)
    expect(details).toMatch(/SEARCH t USING PRIMARY KEY \(context=\? AND type=\? AND name=\? AND kind=\? AND value=\?\)/)
    await db.close()
  })
})
