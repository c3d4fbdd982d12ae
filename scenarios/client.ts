import { z } from 'zod'
import type { Problem } from '@interop-lab/contracts'

/** A service answered with an error (or not at all): names the call, so a report can name the party. */
export class ServiceCallError extends Error {
  public constructor(
    message: string,
    public readonly url: string,
    public readonly status?: number,
    /** The error answer's JSON body (a problem details object), when it had one. */
    public readonly body?: unknown,
  ) {
    super(message)
    this.name = 'ServiceCallError'
  }
}

/** What a service answered to a JSON call: the response, its body, and the body's value when it is JSON. */
export interface JsonAnswer {
  response: Response
  text: string
  parsed: unknown
  isJson: boolean
}

/**
 * Sends `body` as JSON (with the API key as a bearer token, and any further `headers`) and reads the answer; a fetch
 * that fails rejects as fetch does.
 */
export async function exchangeJson(method: string, url: string, body?: unknown, apiKey?: string, signal?: AbortSignal, headers: Record<string, string> = {}): Promise<JsonAnswer> {
  const response = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  })
  const text = await response.text()
  try {
    return { response, text, parsed: text ? JSON.parse(text) : undefined, isJson: true }
  } catch {
    return { response, text, parsed: undefined, isJson: false }
  }
}

/** JSON over HTTP between the runner and the services, with errors that name the call. */
export async function callJson<T>(method: string, url: string, body?: unknown, apiKey?: string): Promise<T> {
  let answer: JsonAnswer
  try {
    answer = await exchangeJson(method, url, body, apiKey)
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message
    throw new ServiceCallError(`${method} ${url} could not be reached: ${cause}`, url)
  }
  const { response, text, parsed, isJson } = answer
  if (!isJson && response.ok) throw new ServiceCallError(`${method} ${new URL(url).pathname} answered ${response.status} with something other than JSON`, url, response.status)
  if (!response.ok) {
    // a lab service's refusal is an RFC 9457 problem; another implementation's body is quoted as it came
    const message = (parsed as Partial<Problem> | undefined)?.detail ?? text
    throw new ServiceCallError(`${method} ${new URL(url).pathname} answered ${response.status}: ${message}`, url, response.status, parsed)
  }
  return parsed as T
}

/** A lab API's answer, parsed with its contract (contracts/): an answer outside the contract is an error naming the call. */
export async function callApi<Contract extends z.ZodType>(contract: Contract, method: string, url: string, body?: unknown, apiKey?: string): Promise<z.infer<Contract>> {
  const answer = contract.safeParse(await callJson<unknown>(method, url, body, apiKey))
  if (!answer.success) throw new ServiceCallError(`${method} ${new URL(url).pathname} answered outside its contract: ${z.prettifyError(answer.error)}`, url)
  return answer.data
}
