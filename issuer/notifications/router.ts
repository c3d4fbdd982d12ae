import { Router } from 'express'
import { deliveriesQuerySchema } from '@interop-lab/contracts'
import { handle, HttpError, parseInput, requireApiKey } from '@interop-lab/common/http'
import type { NotificationHub } from './hub'

export interface NotificationRouterOptions {
  adminApiKeys: readonly string[]
}

/**
 * The publisher's HTTP face. Everything but the JWKS needs the admin key: subscriptions name
 * the programs' endpoints and the delivery log tells who was told what, and when.
 */
export function createNotificationRouter(hub: NotificationHub, options: NotificationRouterOptions): Router {
  const router = Router()
  const admin = requireApiKey(options.adminApiKeys)

  router.get('/notifications/jwks.json', (_req, res) => {
    res.set('cache-control', 'public, max-age=300').type('application/jwk-set+json').send(JSON.stringify(hub.jwks))
  })
  router.get('/notifications/topics', (_req, res) => {
    res.json({ publisher: hub.publisher, topics: hub.topics })
  })
  router.get(
    '/notifications/subscriptions',
    admin,
    handle(async (_req, res) => {
      res.json({ subscriptions: await hub.subscriptions() })
    }),
  )
  router.post(
    '/notifications/subscriptions',
    admin,
    handle(async (req, res) => {
      res.status(201).json(await hub.subscribe(req.body))
    }),
  )
  router.delete(
    '/notifications/subscriptions/:id',
    admin,
    handle(async (req, res) => {
      const id = String(req.params.id)
      if (!(await hub.unsubscribe(id))) throw new HttpError(404, 'unknown_subscription', `No active subscription ${id}`)
      res.status(204).end()
    }),
  )
  router.get(
    '/notifications/deliveries',
    admin,
    handle(async (req, res) => {
      const query = parseInput(deliveriesQuerySchema, req.query)
      res.json({ deliveries: await hub.deliveries({ eventId: query.event_id, subscriptionId: query.subscription_id, state: query.state }) })
    }),
  )
  router.post(
    '/notifications/events',
    admin,
    handle(async (req, res) => {
      res.status(201).json(await hub.publish(req.body))
    }),
  )
  return router
}
