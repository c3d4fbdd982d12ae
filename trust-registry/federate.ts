import type { Recognition } from './store'
import type { RegistryReference } from './trqp'

/** A registry as it describes itself: the authority it answers for, where, and its signing key's JWK thumbprint. */
export async function describeRegistry(url: string): Promise<RegistryReference> {
  const base = url.replace(/\/+$/, '')
  const configuration = await getJson<{ authority_id: string }>(`${base}/.well-known/trqp-configuration`)
  const { keys } = await getJson<{ keys: { kid?: string }[] }>(`${base}/.well-known/jwks.json`)
  const key = keys[0]?.kid
  if (!key) throw new Error(`The trust registry at ${base} publishes no signing key (its JWKS has no kid)`)
  return { jurisdiction: configuration.authority_id, url: base, key }
}

/**
 * For each registry, records where the registries of the jurisdictions it recognizes answer, and their keys
 * (PUT /admin/registries/:jurisdiction). The keys are read from the registries' JWKS now, by the operator
 * running this on a network they trust; from then on every answer must be signed by exactly that key.
 */
export async function linkRecognizedRegistries(registryUrls: readonly string[], adminApiKey: string): Promise<{ registry: string; linked: string[] }[]> {
  const registries = await Promise.all(registryUrls.map(describeRegistry))
  const byJurisdiction = new Map(registries.map((r) => [r.jurisdiction, r]))
  const results: { registry: string; linked: string[] }[] = []
  for (const registry of registries) {
    const { recognitions } = await getJson<{ recognitions: Recognition[] }>(`${registry.url}/registry/recognitions`)
    const recognized = new Set(recognitions.filter((r) => r.authority === registry.jurisdiction).map((r) => r.recognizes))
    const linked: string[] = []
    for (const jurisdiction of recognized) {
      const target = byJurisdiction.get(jurisdiction)
      if (!target) continue
      const response = await fetch(`${registry.url}/admin/registries/${jurisdiction}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminApiKey}` },
        body: JSON.stringify({ url: target.url, key: target.key }),
      })
      if (!response.ok) throw new Error(`The trust registry at ${registry.url} refused the link to ${jurisdiction}'s registry: ${response.status} ${await response.text()}`)
      linked.push(jurisdiction)
    }
    results.push({ registry: registry.url, linked })
  }
  return results
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { headers: { accept: 'application/json' } })
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`)
  return (await response.json()) as T
}
