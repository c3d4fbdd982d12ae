import type { Agent } from '@credo-ts/core'
import { type Clock, systemClock } from '@interop-lab/common/clock'
import { type Response, Router } from 'express'
import { handle, requireApiKey } from '@interop-lab/common/http'
import { createDocumentLoader } from '@interop-lab/common/jsonld'
import { type ProblemDetails, problemDetailsHandler } from '@interop-lab/common/vc2'
import { checksFrom, parseVerifyCredentialRequest, parseVerifyPresentationRequest } from './requests'
import { agentKeyResolver } from './resolveKey'
import { verifyCredential, type VerifierContext } from './verifyCredential'
import { verifyPresentation } from './verifyPresentation'

export interface VcApiVerifierRouterOptions {
  agent: Agent
  adminApiKeys: readonly string[]
  /** The time validity periods are judged at (default the system clock). */
  clock?: Clock
}

/**
 * A verification result: 200 when it verified; otherwise 400 as an RFC 9457 problem (its first
 * error's type, title and detail) that still carries every verification-result field, as the W3C
 * suites read both.
 */
function answer(res: Response, result: { verified: boolean; errors: ProblemDetails[] }, extra: Record<string, unknown>): void {
  if (result.verified) {
    res.status(200).json({ ...result, ...extra })
    return
  }
  const [first] = result.errors
  res.status(400).type('application/problem+json')
  res.send(JSON.stringify({ type: first.type, title: first.title, detail: first.detail, status: 400, ...result, ...extra }))
}

/**
 * The W3C VC API (VCALM) verifier endpoints (API key):
 *  POST /credentials/verify    {verifiableCredential, options} → 200 verified, 400 not verified or malformed
 *  POST /presentations/verify  {verifiablePresentation | presentation, options} → 200 verified, 400 not verified or malformed
 * Bodies carry `verified`, `checks`, `warnings`, `errors` (RFC 9457 problems) and per-step `results`;
 * a 400 is itself a problem.
 */
export function createVcApiVerifierRouter(options: VcApiVerifierRouterOptions): Router {
  const context: VerifierContext = { agentContext: options.agent.context, resolveKey: agentKeyResolver(options.agent), documentLoader: createDocumentLoader(), clock: options.clock ?? systemClock }
  const router = Router()
  const apiKey = requireApiKey(options.adminApiKeys)

  router.post(
    '/credentials/verify',
    apiKey,
    handle(async (req, res) => {
      const { verifiableCredential, options: verifyOptions } = parseVerifyCredentialRequest(req.body)
      const result = await verifyCredential(context, verifiableCredential, checksFrom(verifyOptions.checks))
      answer(res, result, {
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
      answer(res, result, verifyOptions.returnProblemDetails ? { problemDetails: [...result.errors, ...result.warnings] } : {})
    }),
  )
  router.use(problemDetailsHandler({ verificationResult: true }))
  return router
}
