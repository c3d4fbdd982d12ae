import { HttpError } from '@interop-lab/common/http'
import type { Problem } from '@interop-lab/contracts'
import { exchangeJson, type JsonAnswer } from '../client'

/**
 * JSON over HTTP to one of the lab's services, keeping its answer's status: a 4xx from the
 * service reaches the dashboard's caller unchanged, an unreachable service becomes a 502.
 */
export async function relay<T>(method: string, url: string, body?: unknown, apiKey?: string): Promise<T> {
  let answer: JsonAnswer
  try {
    answer = await exchangeJson(method, url, body, apiKey, AbortSignal.timeout(30_000))
  } catch (error) {
    throw new HttpError(502, 'upstream_unreachable', `${new URL(url).origin} did not answer: ${error instanceof Error ? error.message : String(error)}`)
  }
  const { response, parsed, isJson } = answer
  if (!isJson) throw new HttpError(502, 'upstream_error', `${method} ${new URL(url).pathname} answered ${response.status} with a body that is not JSON`)
  if (response.ok) return parsed as T
  // the lab's services refuse with RFC 9457 problem details (contracts/z-problem.ts)
  const refusal = (parsed ?? {}) as Partial<Problem>
  const message = refusal.detail ?? `${method} ${new URL(url).pathname} answered ${response.status}`
  throw response.status < 500 ? new HttpError(response.status, refusal.code ?? 'upstream_refused', message, refusal.errors) : new HttpError(502, 'upstream_error', message)
}
