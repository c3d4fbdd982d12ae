import { BufferedResponse } from './bufferedResponse'

/**
 * A small HTTP cache in front of `fetch` for what a service or wallet fetches again and again (issuer and
 * authorization server metadata, JWKS): a GET answered 200 with `Cache-Control: max-age` is reused until it is
 * stale (RFC 9111 §4.2). It keeps to what a shared cache may store (§3, §3.5, §5.2.2): nothing the request asked not
 * to store or sent with credentials, nothing marked `no-store`, `no-cache` or `private`, nothing that `Vary`s; a
 * response without `max-age` is fetched every time. The verifier does not use it: it must see a revocation at once.
 */

interface Entry {
  body: ArrayBuffer
  status: number
  headers: [string, string][]
  freshUntil: number
}

const DEFAULT_MAX_ENTRIES = 500

/** Seconds the response may be reused for (max-age less its Age), or undefined when it must not be stored. */
function freshSeconds(response: Response): number | undefined {
  if (response.status !== 200 || response.headers.has('vary')) return undefined
  const directives = (response.headers.get('cache-control') ?? '')
    .toLowerCase()
    .split(',')
    .map((d) => d.trim())
  if (directives.some((d) => d === 'no-store' || d === 'no-cache' || d === 'private' || d.startsWith('no-cache=') || d.startsWith('private='))) return undefined
  const maxAge = Number(directives.find((d) => d.startsWith('max-age='))?.slice('max-age='.length))
  if (!Number.isInteger(maxAge) || maxAge <= 0) return undefined
  const age = Number(response.headers.get('age') ?? 0)
  const fresh = maxAge - (Number.isFinite(age) && age > 0 ? age : 0)
  return fresh > 0 ? fresh : undefined
}

function cacheableRequest(init: RequestInit | undefined): boolean {
  if ((init?.method ?? 'GET').toUpperCase() !== 'GET' || init?.body) return false
  const headers = new Headers(init?.headers)
  return !headers.has('authorization') && !/no-store|no-cache/i.test(headers.get('cache-control') ?? '')
}

/** A `fetch` through the cache, which also says what it would answer a GET from memory. */
export type CachingFetch = typeof fetch & {
  /** The body of the response kept for `url` while it is fresh (a GET of it would get it with no request), else undefined. */
  freshBody(url: string): ArrayBuffer | undefined
}

export function cachingFetch(inner: typeof fetch, maxEntries = DEFAULT_MAX_ENTRIES): CachingFetch {
  const entries = new Map<string, Entry>()
  const freshEntry = (url: string) => {
    const kept = entries.get(url)
    return kept && kept.freshUntil > Date.now() ? kept : undefined
  }
  const fetchThrough: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? undefined : String(input)
    if (url === undefined || !cacheableRequest(init)) return inner(input, init)
    const kept = freshEntry(url)
    // the kept bytes are shared: a BufferedResponse hands out copies of them only
    if (kept) return new BufferedResponse(new Uint8Array(kept.body), kept.status, '', new Headers(kept.headers))
    entries.delete(url)
    const response = await inner(input, init)
    const fresh = freshSeconds(response)
    if (fresh === undefined) return response
    const body = await response.arrayBuffer()
    const headers = [...response.headers.entries()]
    if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!)
    entries.set(url, { body, status: response.status, headers, freshUntil: Date.now() + fresh * 1000 })
    return new BufferedResponse(new Uint8Array(body), response.status, response.statusText, new Headers(headers))
  }
  return Object.assign(fetchThrough, { freshBody: (url: string) => freshEntry(url)?.body })
}
