import type { Express } from 'express'
import { problemDetailsHandler } from '@interop-lab/common/vc2'
import { createVcApiVerifierRouter, type VcApiVerifierRouterOptions } from './router'

/** Adds the VC API verifier endpoints to the verifier service's app; a body that is not JSON is a problem there too. */
export function mountVcApiVerifier(app: Express, options: VcApiVerifierRouterOptions): void {
  app.use(['/credentials', '/presentations'], problemDetailsHandler({ verificationResult: true }))
  app.use(createVcApiVerifierRouter(options))
}
