import type { AgentContext, BaseRecord, TagsBase } from '@credo-ts/core'
import { type DatabaseConfig, openDatabase } from '@interop-lab/common/db'
import { CredoStorageService } from '@interop-lab/common/persistence'

const TAGS = Symbol('tags')

/** Stands in for a Credo record: the stored JSON of a real one, its own id and tags, saved through our storage service. */
function seededRecord(type: string, value: Record<string, unknown>, id: string, tags: TagsBase): BaseRecord {
  const record = Object.create({
    getTags(this: { [TAGS]: TagsBase }) {
      return this[TAGS]
    },
  })
  Object.assign(record, value, { id, createdAt: new Date(), type })
  Object.defineProperty(record, TAGS, { value: tags, enumerable: false })
  return record as BaseRecord
}

/** Tags of a copy: every value made unique to copy `n` (so it answers no query the real records answer) except `keep`. */
export function uniqueTags(tags: TagsBase, n: number, keep: readonly string[]): TagsBase {
  const unique = (value: string) => `${value}~seed-${n}`
  const retagged: TagsBase = {}
  for (const [name, value] of Object.entries(tags)) {
    retagged[name] = keep.includes(name) ? value : Array.isArray(value) ? value.map(unique) : typeof value === 'string' ? unique(value) : value
  }
  return retagged
}

/**
 * Grows the records of `type` in a service's database to `target`, copies of its newest real record with
 * their own ids and tags, saved through our Credo storage service in one transaction (setup, not measured).
 */
export async function growRecords(config: DatabaseConfig, type: string, target: number, keepTags: readonly string[] = []): Promise<number> {
  const db = await openDatabase(config)
  try {
    const [template] = await db.query<{ context: string; value: string; tags: string }>('SELECT context, value, tags FROM credo_records WHERE type = ? ORDER BY created_at DESC LIMIT 1', [type])
    if (!template) throw new Error(`No ${type} to copy in ${JSON.stringify(config)}`)
    const [{ held }] = await db.query<{ held: number }>('SELECT COUNT(*) AS held FROM credo_records WHERE context = ? AND type = ?', [template.context, type])
    const value = JSON.parse(template.value) as Record<string, unknown>
    const tags = JSON.parse(template.tags) as TagsBase
    const agentContext = { contextCorrelationId: template.context } as AgentContext
    await db.transaction(async (tx) => {
      const storage = new CredoStorageService(tx)
      for (let n = Number(held); n < target; n++) await storage.save(agentContext, seededRecord(type, value, `seed-${type}-${n}`, uniqueTags(tags, n, keepTags)))
    })
    return Math.max(0, target - Number(held))
  } finally {
    await db.close()
  }
}
