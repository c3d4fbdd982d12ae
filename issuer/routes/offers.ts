import type { CredentialType } from '@interop-lab/common/credentialTypes'
import { handle, HttpError, requireApiKey } from '@interop-lab/common/http'
import { Router } from 'express'
import type { JurisdictionIssuer } from '../jurisdictions'
import { createOffer, type IssuanceAdapters } from '../offers'
import type { StatusAllocation } from '../status'

export interface OffersRouterOptions {
  jurisdictions: readonly JurisdictionIssuer[]
  types: Map<string, CredentialType>
  adapters: IssuanceAdapters
  /** A status list entry for a new credential of this issuer. */
  allocateStatus(issuerKey: string): Promise<StatusAllocation>
  adminApiKeys: readonly string[]
}

/** Credential offers (admin): made over the protocol the request names, read back over whichever protocol made them. */
export function offersRouter({ jurisdictions, types, adapters, allocateStatus, adminApiKeys }: OffersRouterOptions): Router {
  const router = Router()
  const admin = requireApiKey(adminApiKeys)
  const jurisdictionFor = (key: string) => {
    const jurisdiction = jurisdictions.find((j) => j.key === key)
    if (!jurisdiction) throw new HttpError(404, 'unknown_issuer', `No issuer '${key}' here; known issuers: ${jurisdictions.map((j) => j.key).join(', ')}`)
    return jurisdiction
  }

  router.post(
    '/issuers/:key/offers',
    admin,
    handle(async (req, res) => {
      const issuer = jurisdictionFor(String(req.params.key))
      res.status(201).json(await createOffer(adapters, issuer, types, req.body, () => allocateStatus(issuer.key)))
    }),
  )
  router.get(
    '/issuers/:key/offers/:offerId',
    admin,
    handle(async (req, res) => {
      jurisdictionFor(String(req.params.key))
      const offerId = String(req.params.offerId)
      for (const adapter of Object.values(adapters)) {
        const offer = await adapter.offerState(offerId)
        if (offer) {
          res.json(offer)
          return
        }
      }
      throw new HttpError(404, 'unknown_offer', `No offer ${offerId}`)
    }),
  )
  return router
}
