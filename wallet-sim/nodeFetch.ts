import http from 'node:http'
import https from 'node:https'
import { BufferedResponse } from '@interop-lab/common/net/bufferedResponse'

const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) }
const REDIRECTS = new Set([301, 302, 303, 307, 308])
const NULL_BODY = new Set([101, 204, 205, 304])
const MAX_REDIRECTS = 20
const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'])
/** A connection silent this long fails the call, as undici's headers and body timeouts do. */
const SILENCE_TIMEOUT_MS = 300_000

type RequestBody = string | URLSearchParams | Uint8Array

/**
 * `fetch` over node:http on kept-alive connections, for the wallet's calls to issuers and verifiers: Node's fetch (undici)
 * costs about 0.4 ms of CPU per call against 0.17 ms here (WHATWG streams, request and header objects), three calls per
 * issuance. What it sends and answers is what `fallback` would for the requests it takes: a URL (http or https), a string,
 * form or bytes body or none, an abort signal, redirects followed as the Fetch standard says (`manual` answers them as
 * they are); anything else (a Request object, a streamed body, other schemes) goes to `fallback`. Bodies are not compressed.
 * The answer is a `BufferedResponse` over the body received (common/net/bufferedResponse.ts): no stream to read it back from.
 */
export function nodeFetch(fallback: typeof fetch): typeof fetch {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : undefined
    const body = init?.body ?? undefined
    const protocol = url !== undefined && URL.canParse(url) ? new URL(url).protocol : undefined
    if (url === undefined || (protocol !== 'http:' && protocol !== 'https:') || !(body === undefined || isRequestBody(body))) return fallback(input, init)
    const headers = new Headers(init?.headers)
    if (!headers.has('accept')) headers.set('accept', '*/*')
    if (typeof body === 'string' && !headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8')
    if (body instanceof URLSearchParams && !headers.has('content-type')) headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8')
    const method = init?.method ?? 'GET'
    // Fetch §2.2.1: these method names are normalized to upper case, others sent as they are
    const normalized = NORMALIZED_METHODS.has(method.toUpperCase()) ? method.toUpperCase() : method
    return follow(url, normalized, headers, body === undefined ? undefined : bytesOf(body), init?.redirect ?? 'follow', init?.signal ?? undefined, 0)
  }
}

function isRequestBody(body: unknown): body is RequestBody {
  return typeof body === 'string' || body instanceof URLSearchParams || body instanceof Uint8Array
}

function bytesOf(body: RequestBody): Buffer {
  return typeof body === 'string' || body instanceof URLSearchParams ? Buffer.from(body.toString()) : Buffer.from(body.buffer, body.byteOffset, body.byteLength)
}

async function follow(url: string, method: string, headers: Headers, body: Buffer | undefined, redirect: RequestRedirect, signal: AbortSignal | undefined, hops: number): Promise<Response> {
  const response = await send(url, method, headers, body, signal)
  const location = response.headers.get('location')
  if (!REDIRECTS.has(response.status) || location === null || redirect === 'manual') return response
  if (redirect === 'error') throw new TypeError(`fetch failed: ${url} redirected (redirect: 'error')`)
  if (hops >= MAX_REDIRECTS) throw new TypeError(`fetch failed: more than ${MAX_REDIRECTS} redirects from ${url}`)
  const next = new URL(location, url)
  const nextHeaders = new Headers(headers)
  // Fetch §4.4: a 303, or a 301/302 answering a POST, is followed with a GET and no body; credentials stay on their origin
  const asGet = response.status === 303 ? method !== 'HEAD' : (response.status === 301 || response.status === 302) && method === 'POST'
  if (asGet) for (const name of ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']) nextHeaders.delete(name)
  if (next.origin !== new URL(url).origin) for (const name of ['authorization', 'cookie', 'proxy-authorization']) nextHeaders.delete(name)
  return follow(next.href, asGet ? 'GET' : method, nextHeaders, asGet ? undefined : body, redirect, signal, hops + 1)
}

function send(url: string, method: string, headers: Headers, body: Buffer | undefined, signal: AbortSignal | undefined): Promise<Response> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const target = new URL(url)
    const outgoing: Record<string, string> = Object.fromEntries(headers)
    if (body) outgoing['content-length'] = String(body.length)
    const request = (target.protocol === 'https:' ? https : http).request(target, { method, headers: outgoing, agent: agents[target.protocol as 'http:' | 'https:'] }, (incoming) => {
      const chunks: Buffer[] = []
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
      incoming.on('error', (error) => reject(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: error })))
      incoming.on('close', () => {
        if (!incoming.complete) reject(signal?.aborted ? signal.reason : new TypeError(`fetch failed: the response from ${url} ended early`))
      })
      incoming.on('end', () => {
        signal?.removeEventListener('abort', abort)
        try {
          const answered = new Headers()
          for (let i = 0; i < incoming.rawHeaders.length; i += 2) answered.append(incoming.rawHeaders[i], incoming.rawHeaders[i + 1])
          const status = incoming.statusCode ?? 0
          const body = NULL_BODY.has(status) || method === 'HEAD' ? null : Buffer.concat(chunks)
          resolve(new BufferedResponse(body, status, incoming.statusMessage ?? '', answered))
        } catch (error) {
          reject(new TypeError('fetch failed', { cause: error }))
        }
      })
    })
    request.setTimeout(SILENCE_TIMEOUT_MS, () => request.destroy(new Error(`no answer from ${url} for ${SILENCE_TIMEOUT_MS / 1000} s`)))
    const abort = () => request.destroy(signal?.reason)
    signal?.addEventListener('abort', abort, { once: true })
    request.on('error', (error) => {
      signal?.removeEventListener('abort', abort)
      reject(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: error }))
    })
    request.end(body)
  })
}
