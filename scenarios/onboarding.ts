import { callJson } from './client'

/** Binds `did` to the trust registry's entity `entity` (admin API); the answer is the caller's to judge (404: no such entity). */
export function bindEntityDid(registryUrl: string, entity: string, did: string, adminApiKey: string): Promise<Response> {
  return fetch(`${registryUrl}/admin/entities/${encodeURIComponent(entity)}/did`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminApiKey}` },
    body: JSON.stringify({ did }),
  })
}

/**
 * Binds each hosted issuer's and certifier's DID to its entity in the trust registry that governs it, among
 * `registryUrls` (one registry for every jurisdiction, or one per jurisdiction); an issuer none of them names
 * stays unknown, hence untrusted.
 */
export async function onboardIssuers(issuerUrl: string, registryUrls: string | readonly string[], adminApiKey: string): Promise<{ bound: string[]; unknown: string[] }> {
  const { issuers, certifiers } = await callJson<Record<'issuers' | 'certifiers', { key: string; did: string }[]>>('GET', `${issuerUrl}/issuers`)
  const bound: string[] = []
  const unknown: string[] = []
  for (const issuer of [...issuers, ...certifiers]) {
    let governed = false
    for (const registryUrl of typeof registryUrls === 'string' ? [registryUrls] : registryUrls) {
      const response = await bindEntityDid(registryUrl, issuer.key, issuer.did, adminApiKey)
      if (response.ok) governed = true
      else if (response.status !== 404) throw new Error(`The trust registry at ${registryUrl} refused to bind ${issuer.key}: ${response.status} ${await response.text()}`)
    }
    ;(governed ? bound : unknown).push(issuer.key)
  }
  return { bound, unknown }
}

/** Subscribes each program hosted by the verifier service to the registrars' notifications, once. */
export async function subscribePrograms(issuerUrl: string, verifierUrl: string, adminApiKey: string): Promise<number> {
  const { programs } = await callJson<{ programs: { key: string; name: { en: string; fr: string }; topics: string[]; jurisdictions?: string[]; inbox: string }[] }>(
    'GET',
    `${verifierUrl}/programs`,
  )
  const { subscriptions } = await callJson<{ subscriptions: { programKey: string; callbackUrl: string }[] }>('GET', `${issuerUrl}/notifications/subscriptions`, undefined, adminApiKey)
  let added = 0
  for (const program of programs) {
    if (subscriptions.some((s) => s.programKey === program.key && s.callbackUrl === program.inbox)) continue
    await callJson('POST', `${issuerUrl}/notifications/subscriptions`, { name: program.name, programKey: program.key, callbackUrl: program.inbox, topics: program.topics, jurisdictions: program.jurisdictions }, adminApiKey)
    added++
  }
  return added
}
