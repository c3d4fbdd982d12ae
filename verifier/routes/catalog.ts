import { fullCapabilities } from '@interop-lab/common/protocols'
import { Router } from 'express'
import { overAskedClaims, type Purposes, type VerificationPolicy } from '../policy'
import type { Program } from '../programs'

export interface CatalogRouterOptions {
  baseUrl: string
  policies: Map<string, VerificationPolicy>
  purposes: Purposes
  programs: readonly Program[]
}

/** What the verifier service is and asks for: /programs, /health, /capabilities, /policies. */
export function catalogRouter({ baseUrl, policies, purposes, programs }: CatalogRouterOptions): Router {
  const router = Router()
  router.get('/programs', (_req, res) => {
    res.json({ programs: programs.map((p) => ({ ...p, inbox: `${baseUrl}/programs/${p.key}/inbox` })) })
  })
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: 'verifier' })
  })
  router.get('/capabilities', (_req, res) => {
    res.json(fullCapabilities())
  })
  router.get('/policies', (_req, res) => {
    res.json({ policies: [...policies.values()].map((policy) => ({ ...policy, overAskedClaims: overAskedClaims(policy, purposes) })) })
  })
  return router
}
