import type { Agent } from '@credo-ts/core'
import type { Express } from 'express'
import type { CredentialType } from '@interop-lab/common/credentialTypes'
import type { PartyIdentity } from '@interop-lab/common/identities'
import { createDocumentLoader } from '@interop-lab/common/jsonld'
import { problemDetailsHandler } from '@interop-lab/common/vc2'
import type { JurisdictionIssuer } from '../jurisdictions'
import type { StatusListService } from '../status'
import { VcApiIssuers } from './issuers'
import { createVcApiIssuerRouter } from './router'
import { StatusListCredentials } from './statusLists'

export interface MountVcApiIssuerOptions {
  agent: Agent
  status: StatusListService
  jurisdictions: readonly JurisdictionIssuer[]
  identities: ReadonlyMap<string, PartyIdentity>
  types: ReadonlyMap<string, CredentialType>
  baseUrl: string
  adminApiKeys: readonly string[]
}

/** Adds the VC API issuer endpoints to the issuer service's app (after its identities and status lists exist). */
export async function mountVcApiIssuer(app: Express, options: MountVcApiIssuerOptions): Promise<void> {
  const documentLoader = createDocumentLoader()
  const issuers = await VcApiIssuers.load(options.agent, options.jurisdictions, options.identities)
  const baseUrl = options.baseUrl.replace(/\/+$/, '')
  const statusLists = new StatusListCredentials(options.status, issuers, baseUrl, documentLoader)
  app.use(['/credentials', '/status-lists'], problemDetailsHandler())
  app.use(createVcApiIssuerRouter({ issuers, status: options.status, statusLists, types: options.types, documentLoader, adminApiKeys: options.adminApiKeys, baseUrl }))
}
