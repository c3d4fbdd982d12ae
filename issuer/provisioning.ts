import type { Agent } from '@credo-ts/core'
import type { OpenId4VcIssuerApi } from '@credo-ts/openid4vc'
import type { CredentialType } from '@interop-lab/common/credentialTypes'
import type { Database } from '@interop-lab/common/db'
import { ensureLdpDid, type LdpDid } from '@interop-lab/common/didcomm/ldpDid'
import { ensureIdentity, type PartyIdentity } from '@interop-lab/common/identities'
import type { X509Authorities, X509Issuer } from '@interop-lab/common/x509/authorities'
import { ensureOid4vciIssuer } from './adapters/oid4vci'
import { startAnonCredsDefinitions } from './anoncreds/definitions'
import { chooseAnonCredsMaterial, type DeploymentSettings } from './anoncreds/material'
import { ensureWebVhDid, webvhLocation } from './anoncreds/webvh'
import type { JurisdictionIssuer, MedicalCertifier } from './jurisdictions'
import type { StatusListService } from './status'

/** An X.509-signed SD-JWT VC's `iss` is the jurisdiction's credential issuer URL, the SAN URI of its certificate. */
export const x509IssuerOf = (baseUrl: string, jurisdiction: JurisdictionIssuer): X509Issuer => ({
  key: jurisdiction.key,
  name: jurisdiction.name.en,
  jurisdiction: jurisdiction.jurisdiction,
  issuerUrl: `${baseUrl}/oid4vci/${jurisdiction.key}`,
})

export interface ProvisioningDependencies {
  agent: Agent
  oid4vciIssuer: OpenId4VcIssuerApi
  db: Database
  baseUrl: string
  types: Map<string, CredentialType>
  jurisdictions: JurisdictionIssuer[]
  certifiers: MedicalCertifier[]
  authorities: X509Authorities
  status: StatusListService
  /** Filled here, by party key: the credential mapper, made with the agent, reads it when it issues. */
  identities: Map<string, PartyIdentity>
  anonCredsMaterialDir?: string
  deployment: DeploymentSettings
}

/**
 * Makes sure every hosted party has what it signs with, the same after a restart: each jurisdiction and certifier
 * its DID (the imported AnonCreds material's, if any), each jurisdiction its did:key for JSON-LD, its did:webvh for
 * AnonCreds objects (where its URL allows one), its X.509 root (and IACA for mdoc types), its status list and its
 * OID4VCI issuer; then starts its AnonCreds credential definitions (generated in the background when not imported).
 */
export async function provisionJurisdictions(deps: ProvisioningDependencies) {
  const { agent, db, jurisdictions, certifiers, identities } = deps
  const materials = await chooseAnonCredsMaterial({
    dir: deps.anonCredsMaterialDir,
    deployment: deps.deployment,
    db,
    partyKeys: [...jurisdictions, ...certifiers].map((party) => party.key),
    log: (message) => console.info(`[anoncreds] ${message}`),
  })
  for (const party of [...jurisdictions, ...certifiers]) {
    // imported AnonCreds material names its issuer's DID: the jurisdiction signs with that DID's key
    const material = materials.get(party.key)
    identities.set(party.key, await ensureIdentity(agent, db, party.key, material && { did: material.issuerId, privateJwk: material.issuerPrivateJwk }))
  }
  // JSON-LD credentials are signed under the did:key of each jurisdiction's key: what peers such as ACA-Py can read
  const ldpDids = new Map<string, LdpDid>()
  for (const jurisdiction of jurisdictions) ldpDids.set(jurisdiction.key, await ensureLdpDid(agent, identities.get(jurisdiction.key)!.kid))
  // each jurisdiction's AnonCreds objects live under its did:webvh (same key), whose files this service serves
  const webvhDids = new Map<string, string>()
  for (const jurisdiction of jurisdictions) {
    const location = webvhLocation(deps.baseUrl, jurisdiction.key)
    if ('unsupported' in location) {
      // AnonCreds objects stay under the did:jwk, in the file registry the services must then share
      console.warn(`[anoncreds] no did:webvh for ${jurisdiction.key}: ${location.unsupported}`)
      continue
    }
    webvhDids.set(jurisdiction.key, await ensureWebVhDid(agent, location, identities.get(jurisdiction.key)!.kid))
  }
  /** Each jurisdiction's root certificate (base64 DER), by issuer key: what onboarding lists in the trust registry. */
  const x509Roots = new Map<string, string>()
  /** The IACA (base64 DER) of each issuer of an mdoc credential type, by issuer key: listed in the trust registry too. */
  const mdocIacas = new Map<string, string>()
  const statusListIds = new Map<string, string>()
  for (const jurisdiction of jurisdictions) {
    const identity = identities.get(jurisdiction.key)!
    x509Roots.set(jurisdiction.key, (await deps.authorities.signer(x509IssuerOf(deps.baseUrl, jurisdiction))).root.der)
    if (jurisdiction.credentialTypes.some((id) => deps.types.get(id)?.mdoc)) {
      mdocIacas.set(jurisdiction.key, (await deps.authorities.documentSigner(x509IssuerOf(deps.baseUrl, jurisdiction))).root.der)
    }
    const [list] = await deps.status.store.listsOf(identity.did)
    statusListIds.set(jurisdiction.key, (list ?? (await deps.status.createList({ issuer: identity.did, kid: identity.kid }))).id)
    await ensureOid4vciIssuer(deps.oid4vciIssuer, jurisdiction, deps.types)
  }

  const anonCreds = await startAnonCredsDefinitions({ agent, jurisdictions, identities, types: deps.types, materials })
  return { ldpDids, webvhDids, x509Roots, mdocIacas, statusListIds, anonCreds }
}

export type ProvisionedJurisdictions = Awaited<ReturnType<typeof provisionJurisdictions>>
