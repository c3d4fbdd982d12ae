import { HttpError } from '../../common/http'

/**
 * JSON over HTTP to one of the lab's services, keeping its answer's status: a 4xx from the
 * service reaches the dashboard's caller unchanged, an unreachable service becomes a 502.
 */
export async function relay<T>(method: string, url: string, body?: unknown, apiKey?: string): Promise<T> {
  let response: Response
  try {
    response = await fetch(url, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    })
  } catch (error) {
    throw new HttpError(502, 'upstream_unreachable', `${new URL(url).origin} did not answer: ${error instanceof Error ? error.message : String(error)}`)
  }
  const text = await response.text()
  let parsed: unknown
  try {
    parsed = text ? JSON.parse(text) : undefined
  } catch {
    throw new HttpError(502, 'upstream_error', `${method} ${new URL(url).pathname} answered ${response.status} with a body that is not JSON`)
  }
  if (response.ok) return parsed as T
  const answer = (parsed ?? {}) as { error?: string; message?: string; details?: unknown }
  const message = answer.message ?? `${method} ${new URL(url).pathname} answered ${response.status}`
  throw response.status < 500 ? new HttpError(response.status, answer.error ?? 'upstream_refused', message, answer.details) : new HttpError(502, 'upstream_error', message)
}
