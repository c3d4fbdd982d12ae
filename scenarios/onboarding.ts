import { callJson } from './client'

/**
 * Binds each hosted issuer's DID to its entity in the trust registry, for the entities the
 * governance file names; an issuer it does not name stays unknown, hence untrusted.
 */
export async function onboardIssuers(issuerUrl: string, registryUrl: string, adminApiKey: string): Promise<{ bound: string[]; unknown: string[] }> {
  const { issuers } = await callJson<{ issuers: { key: string; did: string }[] }>('GET', `${issuerUrl}/issuers`)
  const bound: string[] = []
  const unknown: string[] = []
  for (const issuer of issuers) {
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
