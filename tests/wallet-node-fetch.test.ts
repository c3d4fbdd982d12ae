import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodeFetch } from '@interop-lab/wallet-sim/nodeFetch'

/**
 * The wallet's fetch over node:http (wallet-sim/nodeFetch.ts) against Node's own fetch, on a real server: the same
 * requests reach the server and the same answers come back, redirects and aborts included (Fetch standard §4.4).
 */

const walletFetch = nodeFetch(globalThis.fetch)
let server: Server
let other: Server
let base: string
let otherBase: string
/** What each request the servers received looked like, by the id the test put in its query. */
const received = new Map<string, { method: string; path: string; contentType?: string; authorization?: string; body: string }[]>()
/** Requests to /hang, answered only when aborted. */
const hanging: (() => void)[] = []

function route(req: IncomingMessage, res: ServerResponse, body: string, origin: string) {
  const url = new URL(req.url!, origin)
  const id = url.searchParams.get('id') ?? ''
  received.set(id, [...(received.get(id) ?? []), { method: req.method!, path: url.pathname, contentType: req.headers['content-type'], authorization: req.headers.authorization, body }])
  const to = (path: string) => `${path}?id=${encodeURIComponent(id)}`
  switch (url.pathname) {
    case '/json':
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60' }).end(JSON.stringify({ method: req.method, body }))
      return
    case '/refused':
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_request' }))
      return
    case '/bom':
      // a UTF-8 byte order mark, which a Response's text() and json() drop (Encoding §6, UTF-8 decode)
      res.writeHead(200, { 'content-type': 'application/json' }).end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"name":"Émilie"}')]))
      return
    case '/empty':
      res.writeHead(204).end()
      return
    case '/see-other':
      res.writeHead(303, { location: to('/json') }).end()
      return
    case '/temporary':
      res.writeHead(307, { location: to('/json') }).end()
      return
    case '/found':
      res.writeHead(302, { location: to('/json') }).end()
      return
    case '/elsewhere':
      res.writeHead(302, { location: `${otherBase}${to('/json')}` }).end()
      return
    case '/loop':
      res.writeHead(302, { location: to('/loop') }).end()
      return
    case '/hang':
      hanging.push(() => res.destroy())
      return
    default:
      res.writeHead(404).end()
  }
}

const listen = (origin: () => string) =>
  new Promise<Server>((resolve) => {
    const created = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => route(req, res, Buffer.concat(chunks).toString(), origin()))
    })
    created.listen(0, '127.0.0.1', () => resolve(created))
  })
const urlOf = (s: Server) => `http://127.0.0.1:${(s.address() as { port: number }).port}`

beforeAll(async () => {
  server = await listen(() => base)
  other = await listen(() => otherBase)
  base = urlOf(server)
  otherBase = urlOf(other)
})
afterAll(async () => {
  for (const release of hanging) release()
  await Promise.all([server, other].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
})

/** What a fetch answered, and what reached the servers for it. */
async function exchange(fetcher: typeof fetch, path: string, id: string, init?: RequestInit) {
  const response = await fetcher(`${base}${path}?id=${encodeURIComponent(id)}`, init)
  const answer = { status: response.status, ok: response.ok, contentType: response.headers.get('content-type'), location: response.headers.get('location')?.split('?')[0], body: await response.text() }
  return { answer, reached: received.get(id) }
}

let requests = 0
/** The same request through the wallet's fetch and through Node's: both must answer and send the same. */
async function bothAnswer(path: string, init?: RequestInit) {
  const name = `${++requests}${path}`
  const ours = await exchange(walletFetch, path, `ours${name}`, init)
  const theirs = await exchange(globalThis.fetch, path, `theirs${name}`, init)
  expect(ours).toEqual(theirs)
  return ours
}

describe('the wallet fetch over node:http', () => {
  it('sends GETs and form, JSON and text POSTs as Node’s fetch does, and answers the same status, headers and body', async () => {
    expect((await bothAnswer('/json')).answer).toMatchObject({ status: 200, contentType: 'application/json', body: '{"method":"GET","body":""}' })
    const form = await bothAnswer('/json', { method: 'POST', body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': 'é&=' }) })
    expect(form.reached?.[0]).toMatchObject({
      contentType: 'application/x-www-form-urlencoded;charset=UTF-8',
      body: 'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code=%C3%A9%26%3D',
    })
    const json = await bothAnswer('/json', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer t' }, body: JSON.stringify({ proof: 'ü' }) })
    expect(json.reached?.[0]).toMatchObject({ contentType: 'application/json', authorization: 'Bearer t', body: '{"proof":"ü"}' })
    expect((await bothAnswer('/json', { method: 'POST', body: 'plain' })).reached?.[0]).toMatchObject({ contentType: 'text/plain;charset=UTF-8' })
    expect((await bothAnswer('/refused', { method: 'POST', body: '{}' })).answer).toMatchObject({ status: 400, ok: false, body: '{"error":"invalid_request"}' })
    expect((await bothAnswer('/empty')).answer).toMatchObject({ status: 204, body: '' })
  })

  it('follows redirects as the Fetch standard says: 303 (and 302 after a POST) as a GET, 307 with the same request, credentials kept to their origin', async () => {
    const post = { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer t' }, body: '{"a":1}' }
    expect((await bothAnswer('/see-other', post)).reached?.map((r) => `${r.method} ${r.path} ${r.body}`)).toEqual(['POST /see-other {"a":1}', 'GET /json '])
    expect((await bothAnswer('/found', post)).reached?.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /found', 'GET /json'])
    expect((await bothAnswer('/temporary', post)).reached?.map((r) => `${r.method} ${r.path} ${r.body} ${r.authorization}`)).toEqual([
      'POST /temporary {"a":1} Bearer t',
      'POST /json {"a":1} Bearer t',
    ])
    // the second request reached the other server: its Authorization header was dropped on the way (Fetch §4.4 step 13)
    const crossOrigin = await bothAnswer('/elsewhere', { headers: { authorization: 'Bearer t' } })
    expect(crossOrigin.reached?.map((r) => r.authorization)).toEqual(['Bearer t', undefined])
    expect((await bothAnswer('/see-other', { redirect: 'manual' })).answer).toMatchObject({ status: 303, location: '/json' })
  })

  it('answers a Response whose body reads as Node’s does: once, cloned before a read, as text, JSON, bytes or a stream', async () => {
    /** What each way of reading the body answers, and what reading it twice or cloning it after a read does. */
    const readings = async (fetcher: typeof fetch) => {
      const url = `${base}/bom?id=read`
      const response = await fetcher(url)
      const copy = response.clone()
      const text = await response.text()
      const again = await response.text().catch((error: unknown) => (error as Error).name)
      const cloneAfterRead = (() => {
        try {
          response.clone()
          return 'cloned'
        } catch (error) {
          return (error as Error).name
        }
      })()
      const bytes = await (await fetcher(url)).arrayBuffer()
      const streamed = await new Response((await fetcher(url)).body).text()
      const empty = await fetcher(`${base}/empty?id=read`)
      return {
        text,
        again,
        cloneAfterRead,
        // the clone's body is its own: unread while the original's is used up
        used: [response.bodyUsed, copy.bodyUsed],
        json: await copy.json(),
        byteLength: bytes.byteLength,
        streamed,
        emptyBody: empty.body,
        ok: [response.ok, empty.ok],
      }
    }
    const ours = await readings(walletFetch)
    expect(ours).toEqual(await readings(globalThis.fetch))
    expect(ours).toMatchObject({ text: '{"name":"Émilie"}', again: 'TypeError', cloneAfterRead: 'TypeError', used: [true, false], json: { name: 'Émilie' }, emptyBody: null })
    // the body's own bytes (BOM included), not the memory pool a small Node Buffer is cut from
    expect(ours.byteLength).toBe(3 + Buffer.byteLength('{"name":"Émilie"}'))
  })

  it('refuses a redirect loop and a redirect it was told to refuse, and stops when aborted, as Node’s fetch does', async () => {
    for (const fetcher of [walletFetch, globalThis.fetch]) {
      await expect(fetcher(`${base}/loop?id=loop`)).rejects.toThrow(TypeError)
      await expect(fetcher(`${base}/see-other?id=error`, { redirect: 'error' })).rejects.toThrow(TypeError)
      const controller = new AbortController()
      const pending = fetcher(`${base}/hang?id=hang`, { signal: controller.signal })
      controller.abort()
      await expect(pending).rejects.toMatchObject({ name: 'AbortError' })
    }
  })
})
