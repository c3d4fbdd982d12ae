import { callJson } from './client'

/**
 * Binds each hosted issuer's and certifier's DID to its entity in the trust registry, for the entities the
 * governance file names; an issuer it does not name stays unknown, hence untrusted.
 */
export async function onboardIssuers(issuerUrl: string, registryUrl: string, adminApiKey: string): Promise<{ bound: string[]; unknown: string[] }> {
  const { issuers, certifiers } = await callJson<Record<'issuers' | 'certifiers', { key: string; did: string }[]>>('GET', `${issuerUrl}/issuers`)
  const bound: string[] = []
  const unknown: string[] = []
  for (const issuer of [...issuers, ...certifiers]) {
    const response = await fetch(`${registryUrl}/admin/entities/${issuer.key}/did`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminApiKey}` },
      body: JSON.stringify({ did: issuer.did }),
    })
    if (response.status === 404) unknown.push(issuer.key)
    else if (response.ok) bound.push(issuer.key)
    else throw new Error(`The trust registry refused to bind ${issuer.key}: ${response.status} ${await response.text()}`)
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
