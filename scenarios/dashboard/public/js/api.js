// @ts-check
/** An API refusal: the server's message, and the HTTP status. */
export class ApiError extends Error {
  /**
   * @param {string} message
   * @param {number} status
   */
  constructor(message, status) {
    super(message)
    this.status = status
  }
}

/**
 * JSON from the dashboard's API; a refusal becomes an ApiError carrying the server's message and status.
 * The caller names what it expects (`@type` on the result), as the server's types in ../../pageTypes.ts say.
 * @param {'GET' | 'POST'} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  const parsed = text ? JSON.parse(text) : undefined
  if (!response.ok) {
    // an RFC 9457 problem: `detail` says what went wrong in words the user can act on
    throw new ApiError(parsed?.detail ?? `${method} ${path}: ${response.status}`, response.status)
  }
  return parsed
}

/**
 * What a failed call or a thrown value says, for an error line.
 * @param {unknown} error
 */
export const messageOf = (error) => (error instanceof Error ? error.message : String(error))

/** @type {import('../../pageTypes').Catalog | undefined} */
let catalog
/**
 * Scenarios, policies, credential types and issuers, fetched once.
 * @returns {Promise<import('../../pageTypes').Catalog>}
 */
export async function getCatalog() {
  if (!catalog) catalog = /** @type {import('../../pageTypes').Catalog} */ (await api('GET', '/api/scenarios'))
  return catalog
}
