import { createHash } from 'node:crypto'
import { Router, type Request } from 'express'
import { z } from 'zod'
import { handle, HttpError, parseInput, requireApiKey } from '../common/http'
import { authorizationSchema, entityFields, entityStatusSchema, jurisdictionSchema, recognitionSchema, registryLinkSchema, validityInOrder, validityMessage } from './governance'
import { RegistryChangeError, type RegistryStore } from './store'

const did = z.string().max(4096).regex(/^did:[a-z0-9]+:\S+$/, 'expected a DID such as did:web:example.ca')
const timestamp = z.iso.datetime({ offset: true })

const bindDidSchema = z.strictObject({ did })
const createEntitySchema = z.strictObject({ ...entityFields, entityId: did.optional() }).refine(validityInOrder, validityMessage)
const updateEntitySchema = z
  .strictObject({
    status: entityStatusSchema.optional(),
    authorizations: z.array(authorizationSchema).optional(),
    validFrom: timestamp.nullable().optional(),
    validUntil: timestamp.nullable().optional(),
  })
  .refine((changes) => Object.keys(changes).length > 0, 'nothing to change: give status, authorizations, validFrom or validUntil')
const recognitionTermsSchema = recognitionSchema.omit({ authority: true, recognizes: true })
const withdrawalQuerySchema = z.strictObject({ resource: z.string().regex(/^([A-Za-z0-9]+|\*)$/).optional() })
const registryLinkBodySchema = registryLinkSchema.omit({ jurisdiction: true })
const jurisdictionParam = (req: Request) => parseInput(jurisdictionSchema, String(req.params.jurisdiction))
const auditQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  target: z.string().min(1).max(100).optional(),
})

/** Who made a change, for the audit trail: a digest of the API key they presented, never the key. */
export function adminKeyId(req: Request): string {
  const header = req.header('authorization') ?? ''
  const key = header.startsWith('Bearer ') ? header.slice(7) : header
  return `api-key:${createHash('sha256').update(key).digest('hex').slice(0, 12)}`
}

const STATUS_OF: Record<RegistryChangeError['reason'], number> = { 'not-found': 404, conflict: 409, invalid: 400 }
const refusal = (error: RegistryChangeError) => new HttpError(STATUS_OF[error.reason], error.reason.replace('-', '_'), error.message)
async function change<T>(apply: () => Promise<T>): Promise<T> {
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
