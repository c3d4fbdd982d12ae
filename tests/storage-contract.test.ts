import { type AgentContext, BaseRecord, type Kms, RecordDuplicateError, RecordNotFoundError, type TagsBase } from '@credo-ts/core'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Database, type DatabaseConfig, type Migration, openDatabase, UnstorableValueError } from '@interop-lab/common/db'
import { agentMigrations, CredoStorageService, RecordConflictError, SealedKeyStorage } from '@interop-lab/common/persistence'
import { credoStorageMigrations } from '@interop-lab/common/persistence/CredoStorageService'
import { startPostgres } from './support/postgres'

// One contract, two engines: whatever a service does on SQLite must behave the same on PostgreSQL.

class NoteRecord extends BaseRecord<TagsBase> {
  public static readonly type = 'NoteRecord'
  public readonly type = NoteRecord.type
  public text = ''

  public constructor(props?: { id: string; text?: string; tags?: TagsBase; createdAt?: Date }) {
    super()
    if (props) {
      this.id = props.id
      this.text = props.text ?? ''
      this.createdAt = props.createdAt ?? new Date()
      this._tags = props.tags ?? {}
    }
  }

  public getTags() {
    return { ...this._tags }
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'interop-contract-'))
const postgres = await startPostgres()
afterAll(async () => {
  await postgres.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

let databases = 0
/** A fresh, empty database of the engine: its own SQLite file, or its own PostgreSQL database. */
const freshConfig = (engine: 'sqlite' | 'postgres'): DatabaseConfig =>
  engine === 'sqlite' ? { engine, file: join(dataDir, `db-${databases++}.sqlite`) } : { engine, url: postgres.databaseUrl(`contract_${databases++}`) }

let contexts = 0
const freshContext = () => ({ contextCorrelationId: `context-${contexts++}` }) as AgentContext
const ids = (records: NoteRecord[]) => records.map((r) => r.id)

describe.each(['sqlite', 'postgres'] as const)('storage contract on %s', (engine) => {
  let db: Database
  beforeAll(async () => {
    db = await openDatabase(freshConfig(engine), [
      ...agentMigrations,
      { id: 'contract-1', sql: 'CREATE TABLE items (id TEXT PRIMARY KEY, n INTEGER NOT NULL, big BIGINT, note TEXT); CREATE TABLE counter (id TEXT PRIMARY KEY, n INTEGER NOT NULL)' },
    ])
    await db.run('INSERT INTO counter (id, n) VALUES (?, ?)', ['c', 0])
  })
  afterAll(async () => {
    await db?.close()
  })

  describe('Database', () => {
    it('runs statements with ? placeholders, counts changed rows and reads rows back as plain objects', async () => {
      expect(await db.run('INSERT INTO items (id, n, big, note) VALUES (?, ?, ?, ?), (?, ?, ?, ?)', ['a', 1, 2 ** 40, null, 'b', 2, 7, "it's"])).toBe(2)
      expect(await db.query('SELECT id, n, big, note FROM items WHERE n >= ? ORDER BY id', [1])).toEqual([
        { id: 'a', n: 1, big: 2 ** 40, note: null },
        { id: 'b', n: 2, big: 7, note: "it's" },
      ])
      expect(await db.run('UPDATE items SET n = n + 10 WHERE id = ?', ['missing'])).toBe(0)
      expect(await db.run('DELETE FROM items WHERE id IN (?, ?)', ['a', 'b'])).toBe(2)
    })

    it('rejects bad SQL and a constraint violation, and stays usable', async () => {
      await expect(db.query('SELECT nope FROM items')).rejects.toThrow()
      await db.run('INSERT INTO items (id, n) VALUES (?, ?)', ['dup', 1])
      await expect(db.run('INSERT INTO items (id, n) VALUES (?, ?)', ['dup', 2])).rejects.toThrow()
      expect(await db.query('SELECT n FROM items WHERE id = ?', ['dup'])).toEqual([{ n: 1 }])
    })

    it('refuses text with a NUL character, which PostgreSQL cannot store, on both engines alike', async () => {
      await expect(db.run('INSERT INTO items (id, n) VALUES (?, ?)', ['nul\u0000id', 1])).rejects.toBeInstanceOf(UnstorableValueError)
      await expect(db.query('SELECT id FROM items WHERE id = ?', ['nul\u0000id'])).rejects.toBeInstanceOf(UnstorableValueError)
      expect(await db.query('SELECT id FROM items WHERE id = ?', ['nul'])).toEqual([])
    })

    it('rolls a transaction back entirely when it throws, and commits it otherwise', async () => {
      await expect(
        db.transaction(async (tx) => {
          await tx.run('INSERT INTO items (id, n) VALUES (?, ?)', ['rolled-back', 1])
          await tx.run('UPDATE counter SET n = n + 100 WHERE id = ?', ['c'])
          throw new Error('changed my mind')
        }),
      ).rejects.toThrow('changed my mind')
      expect(await db.query('SELECT id FROM items WHERE id = ?', ['rolled-back'])).toEqual([])
      expect(await db.query('SELECT n FROM counter')).toEqual([{ n: 0 }])
      expect(await db.transaction(async (tx) => tx.run('INSERT INTO items (id, n) VALUES (?, ?)', ['committed', 1]))).toBe(1)
      expect(await db.query('SELECT id FROM items WHERE id = ?', ['committed'])).toEqual([{ id: 'committed' }])
    })

    it('runs 60 concurrent transactions, a third of them failing, without losing or leaking a write', async () => {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 60 }, (_, i) =>
          db.transaction(async (tx) => {
            await tx.run('INSERT INTO items (id, n) VALUES (?, ?)', [`tx-${i}-a`, i])
            await tx.run('UPDATE counter SET n = n + 1 WHERE id = ?', ['c'])
            await new Promise((resolve) => setTimeout(resolve, i % 3))
            await tx.run('INSERT INTO items (id, n) VALUES (?, ?)', [`tx-${i}-b`, i])
            if (i % 3 === 0) throw new Error(`transaction ${i} fails`)
            return i
          }),
        ),
      )
      expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(20)
      expect(await db.query('SELECT n FROM counter')).toEqual([{ n: 40 }])
      const rows = await db.query<{ id: string }>("SELECT id FROM items WHERE id LIKE 'tx-%'")
      expect(rows).toHaveLength(80)
      expect(rows.filter((r) => Number(/^tx-(\d+)-/.exec(r.id)![1]) % 3 === 0)).toEqual([])
    })

    it('does not show a transaction’s uncommitted rows to other callers', async () => {
      const inside = db.transaction(async (tx) => {
        await tx.run('INSERT INTO items (id, n) VALUES (?, ?)', ['uncommitted', 1])
        await new Promise((resolve) => setTimeout(resolve, 100))
        throw new Error('rolled back')
      })
      await new Promise((resolve) => setTimeout(resolve, 20))
      const seen = await db.query('SELECT id FROM items WHERE id = ?', ['uncommitted'])
      await expect(inside).rejects.toThrow('rolled back')
      expect(seen).toEqual([])
    })
  })

  describe('CredoStorageService', () => {
    let storage: CredoStorageService<NoteRecord>
    beforeAll(() => {
      storage = new CredoStorageService<NoteRecord>(db)
    })
    const saveAll = async (context: AgentContext, tagSets: TagsBase[]) => {
      const records = tagSets.map((tags, i) => new NoteRecord({ id: `n${i}`, text: `note ${i}`, tags, createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)) }))
      for (const record of records) await storage.save(context, record)
      return records
    }
    const find = async (context: AgentContext, query: object, options?: { limit?: number; offset?: number }) => ids(await storage.findByQuery(context, NoteRecord, query as never, options))

    it('saves, reads back, updates and deletes a record with its value and tags', async () => {
      const context = freshContext()
      const record = new NoteRecord({ id: 'note-1', text: 'first', tags: { state: 'draft', labels: ['a', 'b'], pinned: true } })
      await storage.save(context, record)
      const read = await storage.getById(context, NoteRecord, 'note-1')
      expect(read).toBeInstanceOf(NoteRecord)
      expect(read.text).toBe('first')
      expect(read.getTags()).toEqual({ state: 'draft', labels: ['a', 'b'], pinned: true })
      expect(read.createdAt.toISOString()).toBe(record.createdAt.toISOString())

      read.text = 'second'
      read.replaceTags({ state: 'final' })
      await storage.update(context, read)
      const updated = await storage.getById(context, NoteRecord, 'note-1')
      expect([updated.text, updated.getTags()]).toEqual(['second', { state: 'final' }])
      expect(await storage.getAll(context, NoteRecord)).toHaveLength(1)

      await storage.delete(context, updated)
      await expect(storage.getById(context, NoteRecord, 'note-1')).rejects.toBeInstanceOf(RecordNotFoundError)
      await expect(storage.deleteById(context, NoteRecord, 'note-1')).rejects.toBeInstanceOf(RecordNotFoundError)
      await expect(storage.update(context, updated)).rejects.toBeInstanceOf(RecordNotFoundError)
    })

    it('refuses a second record with the same id, even when both are saved at once', async () => {
      const context = freshContext()
      const outcomes = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => storage.save(context, new NoteRecord({ id: 'same', text: `writer ${i}`, tags: { writer: String(i) } }))))
      const saved = outcomes.filter((o) => o.status === 'fulfilled')
      expect(saved).toHaveLength(1)
      for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(RecordDuplicateError)
      const [kept] = await storage.getAll(context, NoteRecord)
      // the tag index holds the winner's tags only
      expect(await find(context, { writer: kept.getTags().writer })).toEqual(['same'])
      expect(await find(context, { $not: { writer: kept.getTags().writer } })).toEqual([])
    })

    it('answers $and, $or, $not, array, boolean and null tag queries', async () => {
      const context = freshContext()
      await saveAll(context, [
        { state: 'offered', kind: 'sd-jwt', roles: ['holder', 'admin'], revoked: false },
        { state: 'issued', kind: 'sd-jwt', roles: ['holder'], revoked: true },
        { state: 'issued', kind: 'jwt', roles: ['admin'] },
        { state: 'error', kind: 'jwt' },
      ])
      expect(await find(context, { state: 'issued' })).toEqual(['n1', 'n2'])
      expect(await find(context, { $and: [{ state: 'issued' }, { kind: 'jwt' }] })).toEqual(['n2'])
      expect(await find(context, { $or: [{ state: 'offered' }, { state: 'error' }] })).toEqual(['n0', 'n3'])
      expect(await find(context, { $not: { kind: 'jwt' } })).toEqual(['n0', 'n1'])
      expect(await find(context, { kind: 'sd-jwt', $not: { $or: [{ state: 'issued' }, { state: 'error' }] } })).toEqual(['n0'])
      expect(await find(context, { roles: ['admin'] })).toEqual(['n0', 'n2'])
      expect(await find(context, { roles: ['holder', 'admin'] })).toEqual(['n0'])
      expect(await find(context, { revoked: true })).toEqual(['n1'])
      expect(await find(context, { revoked: false })).toEqual(['n0'])
      expect(await find(context, { revoked: null })).toEqual(['n2', 'n3'])
      expect(await find(context, { state: 'nowhere' })).toEqual([])
      expect(await find(context, {})).toEqual(['n0', 'n1', 'n2', 'n3'])
    })

    it('pages through the records in creation order', async () => {
      const context = freshContext()
      await saveAll(
        context,
        Array.from({ length: 7 }, () => ({ batch: 'b' })),
      )
      expect(await find(context, { batch: 'b' }, { limit: 3 })).toEqual(['n0', 'n1', 'n2'])
      expect(await find(context, { batch: 'b' }, { limit: 3, offset: 3 })).toEqual(['n3', 'n4', 'n5'])
      expect(await find(context, { batch: 'b' }, { offset: 6 })).toEqual(['n6'])
      expect(await find(context, { batch: 'b' }, { limit: 3, offset: 9 })).toEqual([])
      await expect(find(context, {}, { limit: -1 })).rejects.toThrow(RangeError)
    })

    it('counts which of two required tags to start a search from once for a while, and answers exactly from a kept count after the records changed', async () => {
      const context = freshContext()
      const statements: string[] = []
      const anHour = 3_600_000
      const counted = new CredoStorageService<NoteRecord>(
        {
          ...db,
          query: (sql, params) => {
            statements.push(sql)
            return db.query(sql, params)
          },
        },
        undefined,
        anHour,
      )
      const findBoth = async (role: string, code: string) => ids(await counted.findByQuery(context, NoteRecord, { role, code } as never))
      await saveAll(
        context,
        Array.from({ length: 6 }, (_, i) => ({ role: 'created', code: `c${i}` })),
      )
      expect(await findBoth('created', 'c1')).toEqual(['n1'])
      expect(await findBoth('created', 'c4')).toEqual(['n4'])
      // the kept count says a code is rarer than a role: now six records share one code, and still only the matching ones are found
      for (const [i, role] of ['created', 'created', 'created', 'created', 'created', 'received'].entries())
        await storage.save(context, new NoteRecord({ id: `m${i}`, tags: { role, code: 'shared' } }))
      expect(await findBoth('created', 'shared')).toEqual(['m0', 'm1', 'm2', 'm3', 'm4'])
      expect(await findBoth('received', 'shared')).toEqual(['m5'])
      expect(await findBoth('received', 'c1')).toEqual([])
      expect(statements.filter((sql) => sql.startsWith('SELECT 0 AS i, COUNT(*)'))).toHaveLength(1)
    })

    it('keeps each agent context to itself', async () => {
      const [alice, bob] = [freshContext(), freshContext()]
      await storage.save(alice, new NoteRecord({ id: 'shared-id', text: 'alice', tags: { owner: 'alice' } }))
      await storage.save(bob, new NoteRecord({ id: 'shared-id', text: 'bob', tags: { owner: 'bob' } }))
      expect((await storage.getById(alice, NoteRecord, 'shared-id')).text).toBe('alice')
      expect(await find(alice, { owner: 'bob' })).toEqual([])
      await storage.deleteById(bob, NoteRecord, 'shared-id')
      expect((await storage.getById(alice, NoteRecord, 'shared-id')).text).toBe('alice')
    })

    it('keeps the tag index equal to the record’s tags when one record is updated concurrently', async () => {
      const context = freshContext()
      const [record] = await saveAll(context, [{ state: 'start' }])
      const states = Array.from({ length: 16 }, (_, i) => `state-${i}`)
      const updates = await Promise.allSettled(
        states.map(async (state) => {
          const copy = await storage.getById(context, NoteRecord, record.id)
          copy.replaceTags({ state })
          await storage.update(context, copy)
        }),
      )
      // copies read at the same version: the first update wins, the others conflict (see the optimistic concurrency test)
      expect(updates.filter((u) => u.status === 'fulfilled').length).toBeGreaterThanOrEqual(1)
      for (const u of updates) if (u.status === 'rejected') expect(u.reason).toBeInstanceOf(RecordConflictError)
      const { state } = (await storage.getById(context, NoteRecord, record.id)).getTags() as { state: string }
      for (const other of ['start', ...states]) expect(await find(context, { state: other }), `query for ${other} (record has ${state})`).toEqual(other === state ? [record.id] : [])

      // a delete racing updates leaves no tag behind for a later record with the same id to inherit
      const copies = await Promise.all(states.map(() => storage.getById(context, NoteRecord, record.id)))
      const raced = await Promise.allSettled([
        ...copies.map((copy, i) => {
          copy.replaceTags({ state: `late-${i}` })
          return storage.update(context, copy)
        }),
        storage.deleteById(context, NoteRecord, record.id),
      ])
      // an update that comes after the delete finds nothing, one after another copy's update conflicts: no deadlock, no other error
      for (const outcome of raced) if (outcome.status === 'rejected') expect([RecordNotFoundError, RecordConflictError]).toContain(outcome.reason.constructor)
      await storage.save(context, new NoteRecord({ id: record.id, tags: { state: 'fresh' } }))
      expect(await find(context, { $not: { state: 'fresh' } })).toEqual([])
      expect(await find(context, { $or: copies.map((_, i) => ({ state: `late-${i}` })) })).toEqual([])
    })
  })

  describe('CredoStorageService optimistic concurrency', () => {
    let storage: CredoStorageService<NoteRecord>
    beforeAll(() => {
      storage = new CredoStorageService<NoteRecord>(db)
    })

    it('refuses an update from a copy read before another update (RecordConflictError), and keeps the first update', async () => {
      const context = freshContext()
      await storage.save(context, new NoteRecord({ id: 'session', text: 'offered', tags: { state: 'offered' } }))
      const [first, stale] = [await storage.getById(context, NoteRecord, 'session'), await storage.getById(context, NoteRecord, 'session')]
      first.text = 'issued to holder A'
      first.replaceTags({ state: 'issued' })
      await storage.update(context, first)

      stale.text = 'issued to holder B'
      stale.replaceTags({ state: 'issued-again' })
      await expect(storage.update(context, stale)).rejects.toThrow(RecordConflictError)
      await expect(storage.update(context, stale)).rejects.toThrow(/changed by another request since it was read/)
      const kept = await storage.getById(context, NoteRecord, 'session')
      expect([kept.text, kept.getTags()]).toEqual(['issued to holder A', { state: 'issued' }])
      expect(ids(await storage.findByQuery(context, NoteRecord, { state: 'issued-again' } as never))).toEqual([])

      // the instance that won carries its new version: it updates again, as does a fresh read
      first.text = 'issued, then suspended'
      await storage.update(context, first)
      const [fresh] = await storage.findByQuery(context, NoteRecord, { state: 'issued' } as never)
      fresh.text = 'revoked'
      await storage.update(context, fresh)
      await expect(storage.update(context, first)).rejects.toThrow(RecordConflictError)
      expect((await storage.getById(context, NoteRecord, 'session')).text).toBe('revoked')
    })

    it('lets exactly one of 20 concurrent state transitions from the same version succeed', async () => {
      const context = freshContext()
      await storage.save(context, new NoteRecord({ id: 'offer', text: 'unredeemed', tags: { state: 'offered' } }))
      const copies = await Promise.all(Array.from({ length: 20 }, () => storage.getById(context, NoteRecord, 'offer')))
      const outcomes = await Promise.allSettled(
        copies.map((copy, i) => {
          copy.text = `credential for holder ${i}`
          copy.replaceTags({ state: 'completed', holder: String(i) })
          return storage.update(context, copy)
        }),
      )
      const winners = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [i] : []))
      expect(winners).toHaveLength(1)
      for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(RecordConflictError)
      const stored = await storage.getById(context, NoteRecord, 'offer')
      expect(stored.text).toBe(`credential for holder ${winners[0]}`)
      expect(ids(await storage.findByQuery(context, NoteRecord, { state: 'completed' } as never))).toEqual(['offer'])
    })

    it('gives records stored before the version column a version, so their stale copies conflict too', async () => {
      const config = freshConfig(engine)
      const context = freshContext()
      const before = await openDatabase(
        config,
        credoStorageMigrations.filter((m) => m.id !== 'credo-records-version-1'),
      )
      await new CredoStorageService<NoteRecord>(before).save(context, new NoteRecord({ id: 'old', text: 'from before', tags: { state: 'a' } }))
      await before.close()

      const after = await openDatabase(config, agentMigrations)
      const upgraded = new CredoStorageService<NoteRecord>(after)
      const [one, two] = [await upgraded.getById(context, NoteRecord, 'old'), await upgraded.getById(context, NoteRecord, 'old')]
      one.replaceTags({ state: 'b' })
      await upgraded.update(context, one)
      two.replaceTags({ state: 'c' })
      await expect(upgraded.update(context, two)).rejects.toThrow(RecordConflictError)
      expect((await upgraded.getById(context, NoteRecord, 'old')).getTags()).toEqual({ state: 'b' })
      await after.close()
    })
  })

  describe('SealedKeyStorage', () => {
    const secret = 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A'
    const jwk = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', d: secret } as Kms.KmsJwkPrivate

    it('stores a private key sealed, and gives it back under the same master secret only', async () => {
      const context = freshContext()
      const keys = new SealedKeyStorage(db, 'master secret one')
      await keys.set(context, 'key-1', jwk)
      expect(await keys.get(context, 'key-1')).toEqual(jwk)
      expect(await keys.has(context, 'key-1')).toBe(true)
      expect(await keys.get(freshContext(), 'key-1')).toBeNull()
      const [row] = await db.query<{ sealed: string }>('SELECT sealed FROM kms_keys WHERE key_id = ?', ['key-1'])
      expect(row.sealed).not.toContain(secret)
      expect(Buffer.from(row.sealed, 'base64').toString('latin1')).not.toContain(secret)

      await expect(new SealedKeyStorage(db, 'master secret two').get(context, 'key-1')).rejects.toThrow()
      expect(await keys.delete(context, 'key-1')).toBe(true)
      expect(await keys.delete(context, 'key-1')).toBe(false)
      expect(await keys.has(context, 'key-1')).toBe(false)
    })

    it('keeps the keys it opened in memory: a deleted key is gone, a second instance (another process, a restart) opens the sealed row', async () => {
      const context = freshContext()
      const keys = new SealedKeyStorage(db, 'master secret one')
      await keys.set(context, 'key-2', jwk)
      // the row is no longer readable: this instance does not read it again, a new one has to
      await db.run('UPDATE kms_keys SET sealed = ? WHERE key_id = ?', ['not sealed', 'key-2'])
      expect(await keys.get(context, 'key-2')).toEqual(jwk)
      await expect(new SealedKeyStorage(db, 'master secret one').get(context, 'key-2')).rejects.toThrow()

      await keys.set(context, 'key-3', jwk)
      const restarted = new SealedKeyStorage(db, 'master secret one')
      expect(await restarted.get(context, 'key-3')).toEqual(jwk)
      // what a caller does to a key it was given does not change the kept one
      const given = await restarted.get(context, 'key-3')
      if (given) Object.assign(given, { d: 'changed' })
      expect(await restarted.get(context, 'key-3')).toEqual(jwk)

      expect(await restarted.delete(context, 'key-3')).toBe(true)
      expect([await restarted.get(context, 'key-3'), await restarted.has(context, 'key-3')]).toEqual([null, false])
      expect(await new SealedKeyStorage(db, 'master secret one').get(context, 'key-3')).toBeNull()
      expect(await keys.get(freshContext(), 'key-2')).toBeNull()
    })
  })

  describe('migrations', () => {
    const migrations: Migration[] = [
      { id: 'notes-1', sql: 'CREATE TABLE notes (id TEXT PRIMARY KEY)' },
      {
        id: 'notes-2',
        sql: 'CREATE TABLE note_count (n INTEGER NOT NULL)',
        run: async (tx) => {
          await tx.run('INSERT INTO note_count (n) VALUES (?)', [(await tx.query('SELECT id FROM notes')).length])
        },
      },
    ]

    it('applies each migration once, however often and however concurrently the database is opened', async () => {
      const config = freshConfig(engine)
      // SQLite files belong to one process and one connection; PostgreSQL replicas start side by side
      const opened = engine === 'postgres' ? await Promise.all([1, 2, 3, 4].map(() => openDatabase(config, migrations.slice(0, 1)))) : [await openDatabase(config, migrations.slice(0, 1))]
      await opened[0].run('INSERT INTO notes (id) VALUES (?)', ['before notes-2'])
      for (const one of opened) await one.close()

      const reopened = await openDatabase(config, migrations)
      const again = await openDatabase(config, migrations)
      expect(await reopened.query('SELECT id FROM schema_migrations ORDER BY id')).toEqual([{ id: 'notes-1' }, { id: 'notes-2' }])
      expect(await reopened.query('SELECT n FROM note_count')).toEqual([{ n: 1 }])
      await again.close()
      await reopened.close()
    })

    it('applies nothing of a migration that fails', async () => {
      const config = freshConfig(engine)
      const broken: Migration = { id: 'broken-1', sql: 'CREATE TABLE half (id TEXT PRIMARY KEY)', run: () => Promise.reject(new Error('backfill failed')) }
      await expect(openDatabase(config, [broken])).rejects.toThrow('backfill failed')
      const fixed = await openDatabase(config, [{ ...broken, run: undefined }])
      expect(await fixed.query('SELECT id FROM schema_migrations')).toEqual([{ id: 'broken-1' }])
      await fixed.close()
    })
  })
})
