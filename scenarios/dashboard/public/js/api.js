/** JSON from the dashboard's API; a refusal becomes an Error carrying the server's message and status. */
export async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  const parsed = text ? JSON.parse(text) : undefined
  if (!response.ok) {
    const error = new Error(parsed?.message ?? `${method} ${path}: ${response.status}`)
    error.status = response.status
    throw error
  }
  return parsed
}

let catalog
/** Scenarios, policies, credential types and issuers, fetched once. */
export async function getCatalog() {
  catalog ??= await api('GET', '/api/scenarios')
  return catalog
}
