import { type OutboundPolicy, OutboundRequestError } from './outboundPolicy'

export interface GuardedFetchLimits {
  /** Whole request, redirects and body included. Default 10 s. */
  timeoutMs?: number
  /** Largest response body read. Default 2 MiB. */
  maxBytes?: number
}

const DEFAULT_TIMEOUT_MS = 10_000
const DEFAULT_MAX_BYTES = 2 * 1024 * 1024
const MAX_REDIRECTS = 3
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304])

/** Logs what the caller is not told: the reason an outbound request was refused or failed. */
function refused(error: OutboundRequestError): OutboundRequestError {
  console.warn(`[outbound] ${error.code}: ${error.detail}`)
  return error
}

async function boundedBody(response: Response, maxBytes: number, url: URL) {
  if (!response.body || NULL_BODY_STATUSES.has(response.status)) return null
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    await response.body.cancel()
    throw new OutboundRequestError('too_large', `${url.origin} announced a body larger than ${maxBytes} bytes`)
  }
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength
    if (size > maxBytes) throw new OutboundRequestError('too_large', `${url.origin} sent a body larger than ${maxBytes} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

/**
 * `fetch` under an outbound policy: only URLs the policy allows, redirects followed only within the same origin (and
 * only without a body), bounded in time and size. Any refusal or failure is an `OutboundRequestError` with a generic
 * message; its detail goes to this service's log.
 */
export function guardedFetch(policy: OutboundPolicy, limits: GuardedFetchLimits = {}): typeof fetch {
  const timeoutMs = limits.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES
  return async (input, init = {}) => {
    if (input instanceof Request) throw new TypeError('guardedFetch takes a URL, not a Request')
    const timeout = AbortSignal.timeout(timeoutMs)
    const signal = init.signal ? AbortSignal.any([timeout, init.signal]) : timeout
    try {
      let url = policy.check(input)
      for (let redirects = 0; ; redirects++) {
        let response: Response
        try {
          response = await fetch(url, { ...init, redirect: 'manual', signal })
        } catch (error) {
          if (init.signal?.aborted) throw error // the caller's own abort keeps its AbortError
          throw new OutboundRequestError(
            timeout.aborted ? 'timeout' : 'unreachable',
            `${url.origin}: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`,
            { cause: error },
          )
        }
        const location = response.status >= 300 && response.status < 400 ? response.headers.get('location') : null
        if (location === null) {
          const body = await boundedBody(response, maxBytes, url).catch((error: unknown) => {
            if (error instanceof OutboundRequestError || init.signal?.aborted) throw error
            throw new OutboundRequestError(timeout.aborted ? 'timeout' : 'unreachable', `${url.origin}: the body could not be read (${String(error)})`, { cause: error })
          })
          return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers })
        }
        await response.body?.cancel()
        const next = new URL(location, url)
        if (next.origin !== url.origin) throw new OutboundRequestError('redirect_refused', `${url.origin} redirects to another origin (${next.origin})`)
        if (init.body !== undefined && init.body !== null) throw new OutboundRequestError('redirect_refused', `${url.origin} redirects a request with a body`)
        if (redirects >= MAX_REDIRECTS) throw new OutboundRequestError('redirect_refused', `${url.origin} redirects more than ${MAX_REDIRECTS} times`)
        url = policy.check(next)
      }
    } catch (error) {
      throw error instanceof OutboundRequestError ? refused(error) : error
    }
  }
}
