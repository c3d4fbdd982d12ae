import type { TagsBase, TagValue } from '@credo-ts/core'

/** A Credo storage query: tag equalities combined with $and / $or / $not. */
export interface TagQuery {
  $and?: TagQuery[]
  $or?: TagQuery[]
  $not?: TagQuery
  [tag: string]: TagValue | TagQuery | TagQuery[]
}

const normalize = (value: string | boolean) => (typeof value === 'boolean' ? (value ? '1' : '0') : value)

function matchesTag(actual: TagValue, expected: TagValue): boolean {
  if (expected === undefined) return true
  if (expected === null) return actual === undefined || actual === null
  if (Array.isArray(expected)) return Array.isArray(actual) && expected.every((item) => actual.includes(item))
  if (actual === undefined || actual === null || Array.isArray(actual)) return false
  return normalize(actual) === normalize(expected)
}

/** Same semantics as Askar's tag queries, evaluated in memory over a record's tags. */
export function matchesQuery(tags: TagsBase, query: TagQuery): boolean {
  for (const [key, expected] of Object.entries(query)) {
    if (expected === undefined) continue
    if (key === '$and') {
      if (!(expected as TagQuery[]).every((q) => matchesQuery(tags, q))) return false
    } else if (key === '$or') {
      const alternatives = expected as TagQuery[]
      if (alternatives.length && !alternatives.some((q) => matchesQuery(tags, q))) return false
    } else if (key === '$not') {
      if (matchesQuery(tags, expected as TagQuery)) return false
    } else if (!matchesTag(tags[key], expected as TagValue)) return false
  }
  return true
}
