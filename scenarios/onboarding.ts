import { programsAnswerSchema, subscriptionsAnswerSchema, verifiersAnswerSchema, WALLET_ATTESTATION_TYPE, walletProviderAnswerSchema } from '@interop-lab/contracts'
import { callApi, callJson } from './client'

/** A change through the trust registry's admin API; the answer is the caller's to judge (404: no such entity). */
const adminPut = (url: string, body: object, adminApiKey: string): Promise<Response> =>
  fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${adminApiKey}` }, body: JSON.stringify(body) })

/** Binds `did` to the trust registry's entity `entity` (admin API). */
export const bindEntityDid = (registryUrl: string, entity: string, did: string, adminApiKey: string): Promise<Response> =>
  adminPut(`${registryUrl}/admin/entities/${encodeURIComponent(entity)}/did`, { did }, adminApiKey)

/** Binds a certificate-identified issuer's URL (its x5c leaf's SAN URI, its SD-JWT VC `iss`) to the entity `entity` (admin API). */
export const bindEntityIssuerUrl = (registryUrl: string, entity: string, issuerUrl: string, adminApiKey: string): Promise<Response> =>
  adminPut(`${registryUrl}/admin/entities/${encodeURIComponent(entity)}/issuer-url`, { issuerUrl }, adminApiKey)

export interface X509AnchorEntry {
  jurisdiction: string
  kind: 'root' | 'iaca' | 'verifier'
  /** PEM or base64 DER. */
  certificate: string
  credentialTypes: string[]
}

/** Lists an X.509 root or IACA in the registry for the credential types a chain to it may issue (admin API). */
export const listX509Anchor = (registryUrl: string, anchor: X509AnchorEntry, adminApiKey: string): Promise<Response> => adminPut(`${registryUrl}/admin/x509/anchors`, anchor, adminApiKey)

interface HostedIssuer {
  key: string
  did: string
  jurisdiction?: string
  credentialTypes?: string[]
  /** The URL its X.509-signed credentials name as `iss`, and the roots (IACAs) their chains lead to. */
  x509?: { issuerUrl: string; anchors: { kind: X509AnchorEntry['kind']; certificate: string; credentialTypes?: string[] }[] }
}

const refused = async (registryUrl: string, what: string, response: Response) => new Error(`The trust registry at ${registryUrl} refused ${what}: ${response.status} ${await response.text()}`)

/**
 * Binds each hosted issuer's and certifier's DID, and an issuer's X.509 `iss` URL, to its entity in the trust registry
 * that governs it, among `registryUrls` (one registry for every jurisdiction, or one per jurisdiction), and lists there
 * its jurisdiction's X.509 roots for the types its issuers issue; an issuer none of them names stays unknown, hence untrusted.
 */
export async function onboardIssuers(issuerUrl: string, registryUrls: string | readonly string[], adminApiKey: string): Promise<{ bound: string[]; unknown: string[] }> {
  const { issuers, certifiers } = await callJson<Record<'issuers' | 'certifiers', HostedIssuer[]>>('GET', `${issuerUrl}/issuers`)
  const bound: string[] = []
  const unknown: string[] = []
  // per registry, per certificate: one anchor, with every type of the jurisdiction's issuers that chain to it
  const anchors = new Map<string, Map<string, X509AnchorEntry>>()
  for (const issuer of [...issuers, ...certifiers]) {
    let governed = false
    for (const registryUrl of typeof registryUrls === 'string' ? [registryUrls] : registryUrls) {
      const response = await bindEntityDid(registryUrl, issuer.key, issuer.did, adminApiKey)
      if (response.status === 404) continue
      if (!response.ok) throw await refused(registryUrl, `to bind ${issuer.key}`, response)
      governed = true
      if (!issuer.x509 || !issuer.jurisdiction) continue
      const urlBound = await bindEntityIssuerUrl(registryUrl, issuer.key, issuer.x509.issuerUrl, adminApiKey)
      if (!urlBound.ok) throw await refused(registryUrl, `to bind ${issuer.key}'s issuer URL`, urlBound)
      const listed = anchors.get(registryUrl) ?? new Map<string, X509AnchorEntry>()
      anchors.set(registryUrl, listed)
      for (const { kind, certificate, credentialTypes = issuer.credentialTypes ?? [] } of issuer.x509.anchors) {
        const entry = listed.get(certificate) ?? { jurisdiction: issuer.jurisdiction, kind, certificate, credentialTypes: [] }
        entry.credentialTypes = [...new Set([...entry.credentialTypes, ...credentialTypes])]
        listed.set(certificate, entry)
      }
    }
    ;(governed ? bound : unknown).push(issuer.key)
  }
  for (const [registryUrl, listed] of anchors) {
    for (const anchor of listed.values()) {
      const response = await listX509Anchor(registryUrl, anchor, adminApiKey)
      if (!response.ok) throw await refused(registryUrl, `to list ${anchor.jurisdiction}'s ${anchor.kind}`, response)
    }
  }
  return { bound, unknown }
}

/**
 * Lists each verifier's root (kind `verifier`) in the trust registry wallets ask, for the credential types its relying
 * parties ask for: a wallet then trusts a HAIP request whose x5c chains to it (HAIP 1.0 x509 client ids).
 */
export async function onboardVerifiers(verifierUrl: string, registryUrl: string, adminApiKey: string): Promise<number> {
  const { verifiers } = await callApi(verifiersAnswerSchema, 'GET', `${verifierUrl}/verifiers`)
  const roots = new Map<string, X509AnchorEntry>()
  for (const { jurisdiction, credentialTypes, x509 } of verifiers) {
    const entry = roots.get(x509.root) ?? { jurisdiction, kind: 'verifier', certificate: x509.root, credentialTypes: [] }
    entry.credentialTypes = [...new Set([...entry.credentialTypes, ...credentialTypes])]
    roots.set(x509.root, entry)
  }
  for (const anchor of roots.values()) {
    const response = await listX509Anchor(registryUrl, anchor, adminApiKey)
    if (!response.ok) throw await refused(registryUrl, `to list ${anchor.jurisdiction}'s verifier root`, response)
  }
  return roots.size
}

/** Lists the wallet simulator's wallet-provider root in the registry (federal, `CA`) that issuers ask about wallets (HAIP 1.0 §4.4.1). */
export async function onboardWalletProvider(walletUrl: string, registryUrl: string, adminApiKey: string): Promise<void> {
  const { rootCertificate } = await callApi(walletProviderAnswerSchema, 'GET', `${walletUrl}/wallet-provider`)
  const response = await listX509Anchor(registryUrl, { jurisdiction: 'CA', kind: 'root', certificate: rootCertificate, credentialTypes: [WALLET_ATTESTATION_TYPE] }, adminApiKey)
  if (!response.ok) throw await refused(registryUrl, "to list the wallet simulator's wallet-provider root", response)
}

/** Subscribes each program hosted by the verifier service to the registrars' notifications, once. */
export async function subscribePrograms(issuerUrl: string, verifierUrl: string, adminApiKey: string): Promise<number> {
  const { programs } = await callApi(programsAnswerSchema, 'GET', `${verifierUrl}/programs`)
  const { subscriptions } = await callApi(subscriptionsAnswerSchema, 'GET', `${issuerUrl}/notifications/subscriptions`, undefined, adminApiKey)
  let added = 0
  for (const program of programs) {
    if (subscriptions.some((s) => s.programKey === program.key && s.callbackUrl === program.inbox)) continue
    await callJson(
      'POST',
      `${issuerUrl}/notifications/subscriptions`,
      { name: program.name, programKey: program.key, callbackUrl: program.inbox, topics: program.topics, jurisdictions: program.jurisdictions },
      adminApiKey,
    )
    added++
  }
  return added
}
