import { type Response, Router } from 'express'
import { z } from 'zod'
import { handle, HttpError } from '@interop-lab/common/http'
import type { StatusListService } from './service'
import { STATUS_LIST_JWT_MEDIA_TYPE, VC_JWT_MEDIA_TYPE } from '@interop-lab/common/status/tokens'

const listIdSchema = z.uuid()

function listIdFrom(raw: unknown): string {
  const parsed = listIdSchema.safeParse(raw)
  if (!parsed.success) throw new HttpError(404, 'unknown_status_list', `No status list ${String(raw)}`)
  return parsed.data
}

function sendJwt(res: Response, mediaType: string, jwt: string, ttlSeconds: number) {
  res.set('Content-Type', mediaType)
  res.set('Cache-Control', `public, max-age=${ttlSeconds}`)
  res.send(jwt)
}

/**
 * Public, unauthenticated status publication (relying parties fetch these while verifying):
 *  GET /status/token/:listId                 IETF Status List Token
 *  GET /status/bitstring/:listId             W3C Bitstring Status List credential, purpose revocation
 *  GET /status/bitstring/:listId/suspension  the same for purpose suspension
 */
export function createStatusRouter(service: StatusListService): Router {
  const router = Router()
  const { ttlSeconds } = service
  router.get(
    '/status/token/:listId',
    handle(async (req, res) => {
      sendJwt(res, STATUS_LIST_JWT_MEDIA_TYPE, await service.statusListToken(listIdFrom(req.params.listId)), ttlSeconds)
    }),
  )
  router.get(
    '/status/bitstring/:listId',
    handle(async (req, res) => {
      sendJwt(res, VC_JWT_MEDIA_TYPE, await service.bitstringStatusListCredential(listIdFrom(req.params.listId), 'revocation'), ttlSeconds)
    }),
  )
  router.get(
    '/status/bitstring/:listId/suspension',
    handle(async (req, res) => {
      sendJwt(res, VC_JWT_MEDIA_TYPE, await service.bitstringStatusListCredential(listIdFrom(req.params.listId), 'suspension'), ttlSeconds)
    }),
  )
  return router
}
