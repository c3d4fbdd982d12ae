import type { CredentialType } from '@interop-lab/common/credentialTypes'
import type { PartyIdentity } from '@interop-lab/common/identities'
import { fullCapabilities } from '@interop-lab/common/protocols'
import { Router } from 'express'
import type { JurisdictionIssuer, MedicalCertifier } from '../jurisdictions'

export interface CatalogRouterOptions {
  baseUrl: string
  types: Map<string, CredentialType>
  jurisdictions: readonly JurisdictionIssuer[]
  certifiers: readonly MedicalCertifier[]
  identities: Map<string, PartyIdentity>
  /** Each jurisdiction's did:webvh, when it has one. */
  webvhDid(issuerKey: string): string | undefined
  /** The URL a jurisdiction's X.509-signed credentials name as `iss`, and the anchors their chains lead to. */
  x509Of(issuer: JurisdictionIssuer): { issuerUrl: string; anchors: { kind: 'root' | 'iaca'; certificate: string | undefined }[] }
  /** Why AnonCreds offers are not possible yet, while the credential definitions are being made. */
  anonCredsPending(): string | undefined
}

/** What the issuer service is and hosts: /health, /capabilities, /credential-types, /issuers. */
export function catalogRouter(options: CatalogRouterOptions): Router {
  const { baseUrl, types, jurisdictions, certifiers, identities } = options
  const router = Router()
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: 'issuer' })
  })
  router.get('/capabilities', (_req, res) => {
    const pending = options.anonCredsPending()
    const capabilities = fullCapabilities()
    if (pending) capabilities.protocols.didcomm = capabilities.protocols.didcomm?.filter((format) => format !== 'anoncreds')
    res.json(pending ? { ...capabilities, pending: { anoncreds: pending } } : capabilities)
  })
  router.get('/credential-types', (_req, res) => {
    res.json({ credentialTypes: [...types.values()] })
  })
  router.get('/issuers', (_req, res) => {
    res.json({
      issuers: jurisdictions.map((j) => ({
        ...j,
        did: identities.get(j.key)!.did,
        // the issuer id of its AnonCreds objects (the same key as `did`)
        webvhDid: options.webvhDid(j.key),
        credentialIssuer: `${baseUrl}/oid4vci/${j.key}`,
        x509: options.x509Of(j),
      })),
      certifiers: certifiers.map((c) => ({ ...c, did: identities.get(c.key)!.did })),
    })
  })
  return router
}
