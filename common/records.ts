import { RecordNotFoundError } from '@credo-ts/core'

/**
 * For `.catch` on a Credo lookup: a record that does not exist is `undefined`; any other failure (storage down, a
 * duplicate record) still fails, never passing for "not found".
 */
export function absentIfNotFound(error: unknown): undefined {
  if (error instanceof RecordNotFoundError) return undefined
  throw error
}
