/** JSON over HTTP between the runner and the services, with errors that name the call. */
export async function callJson<T>(method: string, url: string, body?: unknown, apiKey?: string): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  const parsed = text ? (JSON.parse(text) as unknown) : undefined
  if (!response.ok) {
    const message = (parsed as { message?: string } | undefined)?.message ?? text
    throw new Error(`${method} ${new URL(url).pathname} answered ${response.status}: ${message}`)
  }
  return parsed as T
}
