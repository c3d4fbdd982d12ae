import type { SqlValue } from '../db'
import type { TagQuery } from './tagQuery'

/**
 * A record's tags as rows of `credo_record_tags`, so that a tag query is answered by the database through
 * an index instead of by reading every record of a type. Kinds: `s` a scalar value, `a` marks that the tag
 * is an array, `i` one item of that array. Values are JSON-encoded, so strings and numbers never collide.
 * The semantics are those of `matchesQuery` (tagQuery.ts), the reference this must agree with.
 */
export interface TagRow {
  name: string
  kind: 's' | 'a' | 'i'
  value: string
}

/** Booleans match their Askar spelling ('1' / '0'), as in `matchesQuery`. */
const normalize = (value: unknown) => (typeof value === 'boolean' ? (value ? '1' : '0') : value)
/** Only primitives can ever be equal to a query's value (an object compares by reference in memory). */
const encode = (value: unknown): string | undefined => (typeof value === 'string' || typeof value === 'number' ? JSON.stringify(value) : undefined)
const encodeItem = (value: unknown): string | undefined => (typeof value === 'boolean' ? JSON.stringify(value) : encode(value))

/** The rows for a record's tags, read from their stored JSON form (what `matchesQuery` sees too). */
export function tagRows(storedTags: string): TagRow[] {
  const tags = JSON.parse(storedTags) as Record<string, unknown>
  const rows = new Map<string, TagRow>()
  const add = (row: TagRow) => rows.set(tagRowKey(row), row)
  for (const [name, value] of Object.entries(tags)) {
    if (Array.isArray(value)) {
      add({ name, kind: 'a', value: '' })
      for (const item of value) {
        const encoded = encodeItem(item)
        if (encoded !== undefined) add({ name, kind: 'i', value: encoded })
      }
    } else {
      const encoded = encode(normalize(value))
      if (encoded !== undefined) add({ name, kind: 's', value: encoded })
    }
  }
  return [...rows.values()]
}

export interface SqlCondition {
  sql: string
  params: SqlValue[]
}

/** A tag value a record must have (a scalar, an array marker or one array item). */
export type TagRef = TagRow

interface Scope {
  context: string
  type: string
}

/** The ids of a superset of the matching records, and about how many there are. */
interface Driver extends SqlCondition {
  rows: number
}

interface Translated {
  /** The exact condition, checked record by record with index lookups. */
  filter: SqlCondition
  /** Where to start: without one, every record of the type is read. */
  driver?: Driver
}

const TRUE: SqlCondition = { sql: '1 = 1', params: [] }
const FALSE: SqlCondition = { sql: '1 = 0', params: [] }

const all = (conditions: SqlCondition[]): SqlCondition => (conditions.length ? { sql: conditions.map((c) => `(${c.sql})`).join(' AND '), params: conditions.flatMap((c) => c.params) } : TRUE)

/** One tag row, as a string (rows with equal keys are the same row). */
export const tagRowKey = (row: TagRow) => `${row.name}\u0000${row.kind}\u0000${row.value}`

/**
 * The tag values a query requires, in the order it names them (`$not` and `null` require an absence). An array's
 * marker only when it has no items: every record holding an item holds the marker, so it is never the rarer one.
 */
function requiredRefs(query: TagQuery): TagRef[] {
  const refs: TagRef[] = []
  for (const [key, expected] of Object.entries(query)) {
    if (expected === undefined || expected === null || key === '$not') continue
    if (key === '$and' || key === '$or') for (const part of expected as TagQuery[]) refs.push(...requiredRefs(part))
    else if (Array.isArray(expected)) {
      if (!expected.length) refs.push({ name: key, kind: 'a', value: '' })
      for (const item of expected) {
        const value = encodeItem(item)
        if (value !== undefined) refs.push({ name: key, kind: 'i', value })
      }
    } else {
      const value = encode(normalize(expected))
      if (value !== undefined) refs.push({ name: key, kind: 's', value })
    }
  }
  return refs
}

/**
 * Whether `tagQuerySql` has to choose where to start: some conjunction in the query has two tag values (or two
 * branches) that could each lead. Without one, the plan is the same whatever the counts.
 */
function hasChoice(query: TagQuery): boolean {
  const leads = (part: TagQuery): { leads: boolean; choice: boolean } => {
    let leading = 0
    let choice = false
    for (const [key, expected] of Object.entries(part)) {
      if (expected === undefined || expected === null || key === '$not') continue
      if (key === '$and' || key === '$or') {
        const parts = (expected as TagQuery[]).map(leads)
        choice ||= parts.some((p) => p.choice)
        if (key === '$and') leading += parts.filter((p) => p.leads).length
        else if (parts.length && parts.every((p) => p.leads)) leading++
      } else if (Array.isArray(expected)) {
        if (expected.every((item) => encodeItem(item) !== undefined)) leading += Math.max(expected.length, 1)
      } else if (encode(normalize(expected)) !== undefined) leading++
    }
    return { leads: leading > 0, choice: choice || leading > 1 }
  }
  return leads(query).choice
}

/**
 * When a query requires several tag values, how many records hold each, counted up to `cap` in one
 * statement (`SELECT i, n`): the rarest one leads. A tag most records share (the issuer, a state) must
 * not be where a search for one session starts. Undefined when there is no choice to make.
 */
export function rarityQuery(query: TagQuery, scope: Scope, cap = 256): (SqlCondition & { refs: TagRef[] }) | undefined {
  const refs = [...new Map(requiredRefs(query).map((ref) => [tagRowKey(ref), ref])).values()]
  if (refs.length < 2 || !hasChoice(query)) return undefined
  const counts = refs.map(
    (_, i) => `SELECT ${i} AS i, COUNT(*) AS n FROM (SELECT 1 FROM credo_record_tags WHERE context = ? AND type = ? AND name = ? AND kind = ? AND value = ? LIMIT ${cap}) capped_${i}`,
  )
  return { sql: counts.join(' UNION ALL '), params: refs.flatMap((ref) => [scope.context, scope.type, ref.name, ref.kind, ref.value]), refs }
}

/** Reads the answer of `rarityQuery` as the record counts `tagQuerySql` takes. */
export function rarityFrom(refs: TagRef[], rows: { i: number | string; n: number | string }[]): Map<string, number> {
  return new Map(rows.map((row) => [tagRowKey(refs[Number(row.i)]), Number(row.n)]))
}

/**
 * Translates a Credo (Askar-style) tag query into a condition on the records table aliased `alias`,
 * for the records of one context and type (SQLite and PostgreSQL alike): the records are found from the
 * rarest required tag value (`rarity`, from `rarityQuery`), then each is checked by index lookups.
 */
export function tagQuerySql(query: TagQuery, scope: Scope, rarity: Map<string, number> = new Map(), alias = 'r'): SqlCondition {
  const owned = `t.context = ? AND t.type = ?`
  const has = (ref: TagRef): Translated => ({
    filter: {
      sql: `EXISTS (SELECT 1 FROM credo_record_tags t WHERE ${owned} AND t.name = ? AND t.kind = ? AND t.value = ? AND t.id = ${alias}.id)`,
      params: [scope.context, scope.type, ref.name, ref.kind, ref.value],
    },
    driver: {
      sql: `SELECT t.id FROM credo_record_tags t WHERE ${owned} AND t.name = ? AND t.kind = ? AND t.value = ?`,
      params: [scope.context, scope.type, ref.name, ref.kind, ref.value],
      rows: rarity.get(tagRowKey(ref)) ?? Number.MAX_SAFE_INTEGER,
    },
  })
  const lacks = (name: string): Translated => ({
    filter: { sql: `NOT EXISTS (SELECT 1 FROM credo_record_tags t WHERE ${owned} AND t.id = ${alias}.id AND t.name = ?)`, params: [scope.context, scope.type, name] },
  })
  const and = (parts: Translated[]): Translated => {
    const drivers = parts.flatMap((p) => (p.driver ? [p.driver] : []))
    return { filter: all(parts.map((p) => p.filter)), driver: drivers.reduce<Driver | undefined>((best, d) => (!best || d.rows < best.rows ? d : best), undefined) }
  }
  const or = (parts: Translated[]): Translated => ({
    filter: { sql: parts.map((p) => `(${p.filter.sql})`).join(' OR '), params: parts.flatMap((p) => p.filter.params) },
    driver: parts.every((p) => p.driver)
      ? { sql: parts.map((p) => p.driver!.sql).join(' UNION '), params: parts.flatMap((p) => p.driver!.params), rows: parts.reduce((sum, p) => sum + p.driver!.rows, 0) }
      : undefined,
  })

  const translate = (part: TagQuery): Translated => {
    const parts: Translated[] = []
    for (const [key, expected] of Object.entries(part)) {
      if (expected === undefined) continue
      if (key === '$and') parts.push(and((expected as TagQuery[]).map(translate)))
      else if (key === '$or') {
        const alternatives = (expected as TagQuery[]).map(translate)
        if (alternatives.length) parts.push(or(alternatives))
      } else if (key === '$not') {
        const negated = translate(expected as TagQuery).filter
        parts.push({ filter: { sql: `NOT (${negated.sql})`, params: negated.params } })
      } else if (expected === null) parts.push(lacks(key))
      else if (Array.isArray(expected)) {
        const items = expected.map(encodeItem)
        if (items.some((item) => item === undefined)) parts.push({ filter: FALSE })
        else {
          // the marker leads only an empty array's search (a record holding an item holds the marker)
          const marker = has({ name: key, kind: 'a', value: '' })
          parts.push(and([items.length ? { filter: marker.filter } : marker, ...items.map((value) => has({ name: key, kind: 'i', value: value! }))]))
        }
      } else {
        const value = encode(normalize(expected))
        parts.push(value === undefined ? { filter: FALSE } : has({ name: key, kind: 's', value }))
      }
    }
    return and(parts)
  }
  const { filter, driver } = translate(query)
  return driver ? { sql: `${alias}.id IN (${driver.sql}) AND (${filter.sql})`, params: [...driver.params, ...filter.params] } : filter
}
