import type { Agent } from '@credo-ts/core'
import { OpenId4VcIssuanceSessionState, OpenId4VcIssuerService } from '@credo-ts/openid4vc'
import { Router } from 'express'

/** Offers a wallet may still fetch: Credo's token endpoint and the HAIP PAR endpoint (issuer/haip.ts) take them in these states. */
const FETCHABLE = [OpenId4VcIssuanceSessionState.OfferCreated, OpenId4VcIssuanceSessionState.OfferUriRetrieved]

/**
 * GET <oid4vci base>/:issuerId/offers/:credentialOfferId, in front of Credo's (mount before the agent creates it; `deps`
 * is there once it has): the credential offer a `credential_offer_uri` names (OID4VCI 1.0 §4.1.3), served from its
 * issuance session while the offer is open and not expired. The session stays as it was created (Credo's endpoint moved
 * it to OfferUriRetrieved, a record update per offer that nothing here reads). Any other offer is Credo's to answer (404).
 */
export function offersByReference(basePath: string, deps: () => { agent: Agent } | undefined): Router {
  const router = Router()
  router.get(`${basePath}/:issuerId/offers/:credentialOfferId`, (req, res, next) => {
    const ready = deps()
    if (!ready) return next()
    const sessions = ready.agent.dependencyManager.resolve(OpenId4VcIssuerService)
    const { issuerId, credentialOfferId } = req.params
    // by the offer's id alone (a query of one tag), then held to the issuer in the path
    sessions.findIssuanceSessionsByQuery(ready.agent.context, { credentialOfferId }).then((found) => {
      const session = found.find((candidate) => candidate.issuerId === issuerId)
      const open = session && FETCHABLE.includes(session.state) && session.expiresAt && Date.now() <= session.expiresAt.getTime()
      if (!open) return next()
      res.setHeader('Content-Type', 'application/json')
      res.send(JSON.stringify(session.credentialOfferPayload))
    }, next)
  })
  return router
}
