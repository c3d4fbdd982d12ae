import type { Agent } from '@credo-ts/core'
import { Router } from 'express'
import { handle, requireApiKey } from '../../common/http'
import { createDocumentLoader } from '../../common/jsonld'
import { problemDetailsHandler } from '../../common/vc2'
import { checksFrom, parseVerifyCredentialRequest, parseVerifyPresentationRequest } from './requests'
import { agentKeyResolver } from './resolveKey'
import { verifyCredential, type VerifierContext } from './verifyCredential'
import { verifyPresentation } from './verifyPresentation'

export interface VcApiVerifierRouterOptions {
  agent: Agent
  adminApiKeys: readonly string[]
}

/**
 * The W3C VC API (VCALM) verifier endpoints (API key):
 *  POST /credentials/verify    {verifiableCredential, options} → 200 verified, 400 not verified or malformed
 *  POST /presentations/verify  {verifiablePresentation | presentation, options} → 200 with `verified`, 400 malformed
 * Bodies carry `verified`, `checks`, `warnings`, `errors` (RFC 9457 problems) and per-step `results`.
 */
export function createVcApiVerifierRouter(options: VcApiVerifierRouterOptions): Router {
  const context: VerifierContext = { agentContext: options.agent.context, resolveKey: agentKeyResolver(options.agent), documentLoader: createDocumentLoader() }
  const router = Router()
  const apiKey = requireApiKey(options.adminApiKeys)

  router.post(
    '/credentials/verify',
    apiKey,
    handle(async (req, res) => {
      const { verifiableCredential, options: verifyOptions } = parseVerifyCredentialRequest(req.body)
      const result = await verifyCredential(context, verifiableCredential, checksFrom(verifyOptions.checks))
      res.status(result.verified ? 200 : 400).json({
        ...result,
        ...(verifyOptions.returnCredential ? { credential: verifiableCredential } : {}),
        ...(verifyOptions.returnProblemDetails ? { problemDetails: [...result.errors, ...result.warnings] } : {}),
      })
    }),
  )
  router.post(
    '/presentations/verify',
    apiKey,
    handle(async (req, res) => {
      const { presentation, proofless, options: verifyOptions } = parseVerifyPresentationRequest(req.body)
      const { challenge, domain } = verifyOptions
      const result = await verifyPresentation(context, presentation, { challenge, domain, proofless }, checksFrom(verifyOptions.checks))
      // VCALM: 200 whenever verification ran, whatever its outcome; 400 is for requests it could not run
      res.status(200).json({ ...result, ...(verifyOptions.returnProblemDetails ? { problemDetails: [...result.errors, ...result.warnings] } : {}) })
    }),
  )
  router.use(problemDetailsHandler({ verificationResult: true }))
  return router
}
