/** A service answered with an error (or not at all): names the call, so a report can name the party. */
export class ServiceCallError extends Error {
  public constructor(
    message: string,
    public readonly url: string,
    public readonly status?: number,
  ) {
    super(message)
    this.name = 'ServiceCallError'
  }
}

/** JSON over HTTP between the runner and the services, with errors that name the call. */
export async function callJson<T>(method: string, url: string, body?: unknown, apiKey?: string): Promise<T> {
  let response: Response
  try {
    response = await fetch(url, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message
    throw new ServiceCallError(`${method} ${url} could not be reached: ${cause}`, url)
  }
  const text = await response.text()
  let parsed: unknown
  try {
    parsed = text ? JSON.parse(text) : undefined
  } catch {
    if (response.ok) throw new ServiceCallError(`${method} ${new URL(url).pathname} answered ${response.status} with something other than JSON`, url, response.status)
  }
  if (!response.ok) {
    const message = (parsed as { message?: string } | undefined)?.message ?? text
    throw new ServiceCallError(`${method} ${new URL(url).pathname} answered ${response.status}: ${message}`, url, response.status)
  }
  return parsed as T
}
