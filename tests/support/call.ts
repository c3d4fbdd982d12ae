/** One JSON request to a lab API, answered with its status and parsed JSON body (an admin key as a Bearer token). */
export async function call(method: 'GET' | 'POST', url: string, body?: unknown, apiKey?: string) {
  const response = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}
