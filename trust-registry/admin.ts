import { createHash } from 'node:crypto'
import { Router, type Request } from 'express'
import { handle, HttpError, parseInput, requireApiKey } from '@interop-lab/common/http'
import {
  auditQuerySchema,
  bindDidSchema,
  createEntitySchema,
  jurisdictionSchema,
  recognitionTermsSchema,
  registryLinkBodySchema,
  updateEntitySchema,
  withdrawalQuerySchema,
} from '@interop-lab/contracts'
import { RegistryChangeError, type RegistryStore } from './store'

const jurisdictionParam = (req: Request) => parseInput(jurisdictionSchema, String(req.params.jurisdiction))

/** Who made a change, for the audit trail: a digest of the API key they presented, never the key. */
export function adminKeyId(req: Request): string {
  const header = req.header('authorization') ?? ''
  const key = header.startsWith('Bearer ') ? header.slice(7) : header
  return `api-key:${createHash('sha256').update(key).digest('hex').slice(0, 12)}`
}

const STATUS_OF: Record<RegistryChangeError['reason'], number> = { 'not-found': 404, conflict: 409, invalid: 400 }
const refusal = (error: RegistryChangeError) => new HttpError(STATUS_OF[error.reason], error.reason.replace('-', '_'), error.message)
/** Applies an admin change; a refusal by the store (RegistryChangeError) becomes its HTTP answer. */
export async function change<T>(apply: () => Promise<T>): Promise<T> {
  try {
    return await apply()
  } catch (error) {
    throw error instanceof RegistryChangeError ? refusal(error) : error
  }
}

/** `/admin/*`: bearer-key protected changes to the registry, each one audited, and the audit trail itself. */
export function adminRoutes(store: RegistryStore, adminApiKeys: readonly string[], authority: string): Router {
  const router = Router()
  router.use(requireApiKey(adminApiKeys))

  router.post(
    '/entities',
    handle(async (req, res) => {
      const entity = parseInput(createEntitySchema, req.body)
      res.status(201).json(await change(() => store.createEntity(adminKeyId(req), entity)))
    }),
  )
  router.put(
    '/entities/:key/did',
    handle(async (req, res) => {
      const { did } = parseInput(bindDidSchema, req.body)
      res.json(await change(() => store.bindDid(adminKeyId(req), String(req.params.key), did)))
    }),
  )
  router.patch(
    '/entities/:key',
    handle(async (req, res) => {
      const changes = parseInput(updateEntitySchema, req.body)
      res.json(await change(() => store.updateEntity(adminKeyId(req), String(req.params.key), changes)))
    }),
  )
  // recognitions by this registry's authority, and where the recognized jurisdictions' registries answer
  router.put(
    '/recognitions/:jurisdiction',
    handle(async (req, res) => {
      const terms = parseInput(recognitionTermsSchema, req.body)
      res.json({ recognitions: await store.recognize(adminKeyId(req), { ...terms, authority, recognizes: jurisdictionParam(req) }) })
    }),
  )
  router.delete(
    '/recognitions/:jurisdiction',
    handle(async (req, res) => {
      const { resource } = parseInput(withdrawalQuerySchema, req.query)
      res.json({ recognitions: await change(() => store.withdrawRecognition(adminKeyId(req), authority, jurisdictionParam(req), resource)) })
    }),
  )
  router.put(
    '/registries/:jurisdiction',
    handle(async (req, res) => {
      const link = parseInput(registryLinkBodySchema, req.body)
      res.json(await store.linkRegistry(adminKeyId(req), { ...link, jurisdiction: jurisdictionParam(req) }))
    }),
  )
  router.get(
    '/audit',
    handle(async (req, res) => {
      res.json({ audit: await store.audit(parseInput(auditQuerySchema, req.query)) })
    }),
  )
  return router
}
