import type { Express, Request } from 'express'
import { type Clock, clockRouter, systemClock } from '@interop-lab/common/clock'
import { createApp, finishApp, handle, parseInput } from '@interop-lab/common/http'
import { adminRoutes } from './admin'
import { evaluateAuthorization, evaluateRecognition } from './evaluate'
import type { Governance } from './governance'
import { signAnswer, type ServiceSigner } from './signer'
import type { RegistryStore } from './store'
import { type X509AnchorStore, x509AnchorRoutes } from './x509Anchors'
import { authorizationQuerySchema, pageQuerySchema, recognitionQuerySchema, TRQP_JWS_TYPE, trustRegistryApi } from '@interop-lab/contracts'
import { serveApiDocs } from '@interop-lab/common/apiDocs'
import { ChangeFeed } from '@interop-lab/common/net/changeFeed'

export interface RegistryAppOptions {
  store: RegistryStore
  signer: ServiceSigner
  authority: Governance['authority']
  adminApiKeys: readonly string[]
  /** Base URL announced in the metadata; by default the one the request came in on. */
  publicUrl?: string
  /** The jurisdictions' X.509 roots and IACAs, and certificate-identified issuers' URLs. */
  x509Anchors: X509AnchorStore
  /** The time its answers are evaluated at (default the system clock). */
  clock?: Clock
}

/** A TRQP query from a POST body, or from a GET query string where `time` stands for `context.time`. */
const queryOf = (req: Request): unknown => {
  if (req.method === 'POST') return req.body
  const { time, ...fields } = req.query
  return time === undefined ? fields : { ...fields, context: { time } }
}

/** The registry's HTTP face: metadata and keys, signed TRQP answers, the public listing and the admin API. */
export function createRegistryApp(options: RegistryAppOptions): Express {
  const { store, signer, authority } = options
  const clock = options.clock ?? systemClock
  const app = createApp()
  const baseUrl = (req: Request) => options.publicUrl?.replace(/\/$/, '') ?? `${req.protocol}://${req.get('host')}`
  // any change (admin API, clock) is told to the parties keeping its answers before its caller hears back; a query is no change
  const changes = new ChangeFeed()
  app.get('/registry/changes', changes.subscribe)
  app.post('/registry/changes/acks', changes.acknowledge)
  app.use((req, res, next) => {
    if (req.method !== 'GET' && !req.path.startsWith('/trqp/')) changes.publishOnSuccess(res)
    next()
  })

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: 'trust-registry', authority: authority.id })
  })
  app.get('/.well-known/jwks.json', (_req, res) => {
    res.set('cache-control', 'public, max-age=300').json(signer.jwks)
  })
  app.get('/.well-known/trqp-configuration', (req, res) => {
    const base = baseUrl(req)
    res.json({
      authority_id: authority.id,
      authority_name: authority.name,
      authorization_endpoint: `${base}/trqp/authorization`,
      recognition_endpoint: `${base}/trqp/recognition`,
      jwks_uri: `${base}/.well-known/jwks.json`,
      answer_signing_alg_values_supported: ['EdDSA'],
      answer_jws_type: TRQP_JWS_TYPE,
    })
  })

  const authorization = handle(async (req, res) => {
    const answer = await evaluateAuthorization(store, parseInput(authorizationQuerySchema, queryOf(req)), authority.id, clock.now())
    res.json(await signAnswer(signer, answer))
  })
  const recognition = handle(async (req, res) => {
    const answer = await evaluateRecognition(store, parseInput(recognitionQuerySchema, queryOf(req)), clock.now())
    res.json(await signAnswer(signer, answer))
  })
  app.route('/trqp/authorization').post(authorization).get(authorization)
  app.route('/trqp/recognition').post(recognition).get(recognition)

  app.get(
    '/registry/entities',
    handle(async (req, res) => {
      const page = parseInput(pageQuerySchema, req.query)
      // one more than asked tells whether a next page exists, without counting a million rows
      const entities = await store.entities({ limit: page.limit + 1, offset: page.offset })
      const more = entities.length > page.limit
      res.json({ authority: authority.id, entities: entities.slice(0, page.limit), ...(more ? { next_offset: page.offset + page.limit } : {}) })
    }),
  )
  app.get(
    '/registry/recognitions',
    handle(async (_req, res) => {
      res.json({ authority: authority.id, recognitions: await store.recognitions(), registries: await store.registryLinks() })
    }),
  )

  app.use(x509AnchorRoutes(options.x509Anchors, signer, options.adminApiKeys))
  app.use('/admin', adminRoutes(store, options.adminApiKeys, authority.id))
  app.use(clockRouter(clock, options.adminApiKeys))
  serveApiDocs(app, trustRegistryApi, options.publicUrl)
  return finishApp(app)
}
