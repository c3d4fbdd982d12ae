import { createHash } from 'node:crypto'
import { createServer, get, type IncomingMessage, type Server } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cachingFetch } from '@interop-lab/common/net/httpCache'
import { METADATA_MAX_AGE_SECONDS } from '@interop-lab/issuer/metadataCaching'
import { startTestStack } from './support/stack'

/**
 * The cache in front of the wallets' and the issuer's fetch (RFC 9111): what an issuer says may be reused is fetched
 * once, everything else every time; and the issuer marks its metadata and JWKS, not its credential endpoints.
 */

let server: Server
let base: string
const hits = new Map<string, number>()
/** Each path answers with the Cache-Control (and other headers) its name asks for. */
const HEADERS: Record<string, Record<string, string>> = {
  '/fresh': { 'cache-control': 'public, max-age=300' },
  '/one-second': { 'cache-control': 'max-age=1' },
  '/aged': { 'cache-control': 'max-age=60', age: '60' },
  '/no-store': { 'cache-control': 'no-store, max-age=300' },
  '/private': { 'cache-control': 'private, max-age=300' },
  '/varies': { 'cache-control': 'max-age=300', vary: 'accept' },
  '/none': {},
}

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const path = req.url!.split('?')[0]!
    hits.set(req.url!, (hits.get(req.url!) ?? 0) + 1)
    res.writeHead(path === '/missing' ? 404 : 200, { 'content-type': 'application/json', ...(HEADERS[path] ?? { 'cache-control': 'max-age=300' }) })
    res.end(JSON.stringify({ path, hit: hits.get(req.url!) }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

/** How many requests reached the server for `path` when fetched `times` through one cache, and the last body. */
async function fetchTimes(path: string, times: number, init?: RequestInit) {
  const fetch = cachingFetch(globalThis.fetch)
  let body: unknown
  for (let i = 0; i < times; i++) body = await (await fetch(`${base}${path}`, init)).json()
  return { reached: hits.get(path) ?? 0, body }
}

describe('cachingFetch', () => {
  it('reuses a 200 with max-age while fresh, the same body each time (RFC 9111 §4.2)', async () => {
    expect(await fetchTimes('/fresh', 3)).toEqual({ reached: 1, body: { path: '/fresh', hit: 1 } })
  })

  it('fetches again once max-age is over, and counts the Age the response already had (§4.2.3)', async () => {
    const fetch = cachingFetch(globalThis.fetch)
    await fetch(`${base}/one-second`)
    await sleep(1_100)
    await fetch(`${base}/one-second`)
    expect(hits.get('/one-second')).toBe(2)
    expect((await fetchTimes('/aged', 2)).reached).toBe(2)
  })

  it('never keeps no-store, private, Vary or no max-age responses, nor errors (§3, §5.2.2)', async () => {
    for (const path of ['/no-store', '/private', '/varies', '/none', '/missing']) expect({ path, reached: (await fetchTimes(path, 2)).reached }).toEqual({ path, reached: 2 })
  })

  it('never answers from the cache a request with credentials, a body or another method (§3.5, §9.3.1)', async () => {
    expect((await fetchTimes('/fresh?auth', 2, { headers: { authorization: 'Bearer x' } })).reached).toBe(2)
    expect((await fetchTimes('/fresh?post', 2, { method: 'POST', body: '{}' })).reached).toBe(2)
    expect((await fetchTimes('/fresh?reload', 2, { headers: { 'cache-control': 'no-cache' } })).reached).toBe(2)
  })
})

/** A GET over node:http: fetch adds `Cache-Control: no-cache` to a request with If-None-Match (Fetch §4.5), which no server answers 304. */
function conditionalGet(url: string, ifNoneMatch?: string): Promise<{ status: number; body: string; etag: string | undefined }> {
  return new Promise((resolve, reject) => {
    get(url, { headers: ifNoneMatch ? { 'if-none-match': ifNoneMatch } : {} }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString(), etag: res.headers.etag }))
    }).on('error', reject)
  })
}

describe("the issuer's Cache-Control", () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>
  beforeAll(async () => {
    stack = await startTestStack()
  }, 120_000)
  afterAll(async () => {
    await stack?.close()
  })

  it('marks its credential issuer and authorization server metadata and its JWKS reusable, and nothing of an exchange', async () => {
    const cacheControl = async (path: string, init?: RequestInit) => (await fetch(`${stack.issuer.url}${path}`, init)).headers.get('cache-control')
    const reusable = `public, max-age=${METADATA_MAX_AGE_SECONDS}`
    expect(await cacheControl('/.well-known/openid-credential-issuer/oid4vci/bc-registries')).toBe(reusable)
    expect(await cacheControl('/.well-known/oauth-authorization-server/oid4vci/bc-registries')).toBe(reusable)
    expect(await cacheControl('/oid4vci/bc-registries/jwks')).toBe(reusable)
    expect(await cacheControl('/oid4vci/bc-registries/token', { method: 'POST', body: 'grant_type=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).not.toBe(reusable)
    expect(await cacheControl('/oid4vci/bc-registries/credential', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).not.toBe(reusable)
  })

  // express hashed every response for its default ETag; only the status lists, which verifiers fetch at every ttl, keep one
  it('sends no ETag on metadata or an exchange, so If-None-Match gets the full 200 there', async () => {
    const metadata = `${stack.issuer.url}/.well-known/openid-credential-issuer/oid4vci/bc-registries`
    const first = await conditionalGet(metadata)
    expect([first.status, first.etag]).toEqual([200, undefined])
    const again = await conditionalGet(metadata, 'W/"anything"')
    expect([again.status, JSON.parse(again.body).credential_issuer]).toEqual([200, `${stack.issuer.url}/oid4vci/bc-registries`])
    const token = await fetch(`${stack.issuer.url}/oid4vci/bc-registries/token`, { method: 'POST', body: 'grant_type=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    expect([token.status, token.headers.get('etag')]).toEqual([400, null])
  })

  it('keeps a strong ETag on the status lists: a GET naming it in If-None-Match gets 304 and no body (RFC 9110 §13.1.2), another tag the list', async () => {
    const [list] = await stack.issuer.status.store.listsOf(stack.issuer.identities.get('bc-registries')!.did)
    for (const path of [`/status/token/${list!.id}`, `/status/bitstring/${list!.id}`, `/status-lists/${list!.id}-revocation`]) {
      const url = `${stack.issuer.url}${path}`
      const { body, etag } = await conditionalGet(url)
      expect({ path, etag }).toEqual({ path, etag: `"${createHash('sha256').update(body).digest('base64url')}"` })
      expect({ path, ...(await conditionalGet(url, etag)) }).toEqual({ path, status: 304, body: '', etag })
      const other = await conditionalGet(url, '"another-version"')
      expect({ path, status: other.status, same: other.body === body }).toEqual({ path, status: 200, same: true })
    }
  })
})
