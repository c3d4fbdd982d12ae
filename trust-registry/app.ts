import { createHash } from 'node:crypto'
import type { Express, Request } from 'express'
import { z } from 'zod'
import { handle, HttpError, parseInput, requireApiKey } from '../common/http'
import type { ServiceSigner } from '../common/serviceKey'
import { authorizationSchema, entitySchema } from './governance'
import type { RegistryStore } from './store'
import { authorizationQuerySchema, evaluateAuthorization, evaluateRecognition, recognitionQuerySchema, TRQP_JWS_TYPE } from './trqp'

const bindDidSchema = z.strictObject({ did: z.string().regex(/^did:[a-z0-9]+:.+/, 'expected a DID') })
const patchSchema = z
  .strictObject({
    status: z.enum(['active', 'suspended', 'revoked']).optional(),
    authorizations: z.array(authorizationSchema).optional(),
    validFrom: z.iso.datetime({ offset: true }).nullable().optional(),
    validUntil: z.iso.datetime({ offset: true }).nullable().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'nothing to change')

/** Who made an admin change, without writing the key itself into the audit trail. */
const actorOf = (req: Request) => `api-key:${createHash('sha256').update(req.header('authorization') ?? '').digest('hex').slice(0, 12)}`

/** Adds the registry's routes: TRQP queries (public, signed answers), listings, and audited admin changes. */
export function addRegistryRoutes(app: Express, store: RegistryStore, signer: ServiceSigner, adminApiKeys: string[], authorityId: string): void {
  const admin = requireApiKey(adminApiKeys)
  const entityOr404 = async (key: string) => {
    const entity = await store.entityByKey(key)
    if (!entity) throw new HttpError(404, 'unknown_entity', `No entity '${key}' in the registry`)
    return entity
  }

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: 'trust-registry' })
  })
  app.get('/.well-known/jwks.json', (_req, res) => {
    res.json(signer.jwks)
  })
  app.get('/.well-known/trqp-configuration', (req, res) => {
    const base = `${req.protocol}://${req.get('host')}`
    res.json({ authority_id: authorityId, authorization_endpoint: `${base}/trqp/authorization`, recognition_endpoint: `${base}/trqp/recognition`, jwks_uri: `${base}/.well-known/jwks.json`, answer_type: TRQP_JWS_TYPE })
  })
  app.post(
    '/trqp/authorization',
    handle(async (req, res) => {
      const answer = await evaluateAuthorization(store, parseInput(authorizationQuerySchema, req.body))
      res.json({ ...answer, jws: await signer.sign(answer, TRQP_JWS_TYPE) })
    }),
  )
  app.post(
    '/trqp/recognition',
    handle(async (req, res) => {
      const answer = await evaluateRecognition(store, parseInput(recognitionQuerySchema, req.body))
      res.json({ ...answer, jws: await signer.sign(answer, TRQP_JWS_TYPE) })
    }),
  )
  app.get(
    '/registry/entities',
    handle(async (_req, res) => {
      res.json({ authority: authorityId, entities: await store.entities() })
    }),
  )
  app.post(
    '/admin/entities',
    admin,
    handle(async (req, res) => {
      const entity = parseInput(entitySchema, req.body)
      if (await store.entityByKey(entity.key)) throw new HttpError(409, 'entity_exists', `Entity '${entity.key}' already exists`)
      const created = await store.change(actorOf(req), 'create-entity', entity.key, (tx) =>
        (async () => {
          await tx.run('INSERT INTO registry_entities (entity_key, name_en, name_fr, jurisdiction, status, valid_from, valid_until) VALUES (?, ?, ?, ?, ?, ?, ?)', [
            entity.key, entity.name.en, entity.name.fr, entity.jurisdiction, entity.status, entity.validFrom ?? null, entity.validUntil ?? null,
          ])
          for (const a of entity.authorizations) {
            await tx.run('INSERT INTO registry_authorizations (entity_key, authority_id, action, resource) VALUES (?, ?, ?, ?)', [entity.key, entity.jurisdiction, a.action, a.resource])
          }
        })(),
      )
      res.status(201).json(created)
    }),
  )
  app.put(
    '/admin/entities/:key/did',
    admin,
    handle(async (req, res) => {
      const entity = await entityOr404(String(req.params.key))
      const { did } = parseInput(bindDidSchema, req.body)
      const [holder] = await store.entitiesWithDid(did)
      if (holder && holder !== entity.key) throw new HttpError(409, 'did_taken', `${did} is already bound to '${holder}'`)
      if (entity.entityId === did) return void res.json(entity)
      res.json(await store.change(actorOf(req), 'bind-did', entity.key, (tx) => tx.run('UPDATE registry_entities SET entity_id = ? WHERE entity_key = ?', [did, entity.key]).then(() => undefined)))
    }),
  )
  app.patch(
    '/admin/entities/:key',
    admin,
    handle(async (req, res) => {
      const entity = await entityOr404(String(req.params.key))
      const patch = parseInput(patchSchema, req.body)
      res.json(
        await store.change(actorOf(req), 'update-entity', entity.key, async (tx) => {
          if (patch.status) await tx.run('UPDATE registry_entities SET status = ? WHERE entity_key = ?', [patch.status, entity.key])
          if (patch.validFrom !== undefined) await tx.run('UPDATE registry_entities SET valid_from = ? WHERE entity_key = ?', [patch.validFrom, entity.key])
          if (patch.validUntil !== undefined) await tx.run('UPDATE registry_entities SET valid_until = ? WHERE entity_key = ?', [patch.validUntil, entity.key])
          if (patch.authorizations) {
            await tx.run('DELETE FROM registry_authorizations WHERE entity_key = ?', [entity.key])
            for (const a of patch.authorizations) {
              await tx.run('INSERT INTO registry_authorizations (entity_key, authority_id, action, resource) VALUES (?, ?, ?, ?)', [entity.key, entity.jurisdiction, a.action, a.resource])
            }
          }
        }),
      )
    }),
  )
  app.get(
    '/admin/audit',
    admin,
    handle(async (_req, res) => {
      res.json({ audit: await store.audit() })
    }),
  )
}
