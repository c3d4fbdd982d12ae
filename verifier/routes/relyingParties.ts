import { Router } from 'express'
import type { RelyingParty } from '../relyingParties'

/** `GET /verifiers`: each verifier's request-signing certificate and its root, for onboarding to list the root in the trust registry. */
export function relyingPartiesRouter(parties: Map<string, RelyingParty>): Router {
  const router = Router()
  router.get('/verifiers', (_req, res) => {
    res.json({
      verifiers: [...parties.values()].map(({ key, jurisdiction, credentialTypes, chain, clientIds }) => ({
        key,
        jurisdiction,
        credentialTypes,
        x509: { certificate: chain.leaf.der, root: chain.root.der, clientIds },
      })),
    })
  })
  return router
}
