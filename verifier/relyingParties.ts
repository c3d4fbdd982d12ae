import type { Agent } from '@credo-ts/core'
import type { Database } from '@interop-lab/common/db'
import { type CertificateChain, X509Authorities } from '@interop-lab/common/x509/authorities'
import { x509Hash } from '@interop-lab/common/x509/chain'
import type { VerificationPolicy } from './policy'

/**
 * The lab's relying parties (a chartered bank, the revenue agency) are federally regulated: their request-signing
 * certificates are under the federal verifier root.
 */
export const RELYING_PARTY_JURISDICTION = 'CA'

/** A verifier with the X.509 certificate its HAIP requests are signed with, and the client ids that name it. */
export interface RelyingParty {
  key: string
  jurisdiction: string
  credentialTypes: string[]
  chain: CertificateChain
  clientIds: { x509_hash: string; x509_san_dns: string }
}

/**
 * Each verifier's P-256 key and certificate (SAN dNSName = the verifier's host, SAN URI = its OID4VP URL) under its
 * jurisdiction's verifier root, made on first start and kept (keys in the KMS, certificates in the database).
 */
export async function ensureRelyingParties(agent: Agent, db: Database, baseUrl: string, policies: Iterable<VerificationPolicy>): Promise<Map<string, RelyingParty>> {
  const authorities = new X509Authorities(agent, db)
  const typesByVerifier = new Map<string, Set<string>>()
  for (const policy of policies) {
    const types = typesByVerifier.get(policy.verifier) ?? new Set<string>()
    for (const wanted of policy.credentials) types.add(wanted.credentialType)
    typesByVerifier.set(policy.verifier, types)
  }
  const parties = new Map<string, RelyingParty>()
  for (const [key, types] of typesByVerifier) {
    const url = `${baseUrl}/oid4vp/${key}`
    const chain = await authorities.relyingParty({ key, name: key, jurisdiction: RELYING_PARTY_JURISDICTION, url })
    const clientIds = { x509_hash: `x509_hash:${x509Hash(chain.leaf.der)}`, x509_san_dns: `x509_san_dns:${new URL(baseUrl).hostname}` }
    parties.set(key, { key, jurisdiction: RELYING_PARTY_JURISDICTION, credentialTypes: [...types], chain, clientIds })
  }
  return parties
}
