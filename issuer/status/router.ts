import { type Response, Router } from 'express'
import { z } from 'zod'
import { handle, HttpError, setEntityTag } from '@interop-lab/common/http'
import { workerNumber } from '@interop-lab/common/workers'
import type { StatusListService, StatusListSigning } from './service'
import { STATUS_LIST_JWT_MEDIA_TYPE, VC_JWT_MEDIA_TYPE } from '@interop-lab/common/status/tokens'

const listIdSchema = z.uuid()
const x509SigningSchema = z.enum(['x509', 'mdoc'] as const satisfies readonly StatusListSigning[])

function listIdFrom(raw: unknown): string {
  const parsed = listIdSchema.safeParse(raw)
  if (!parsed.success) throw new HttpError(404, 'unknown_status_list', `No status list ${String(raw)}`)
  return parsed.data
}

function sendJwt(res: Response, mediaType: string, jwt: string, ttlSeconds: number) {
  res.set('Content-Type', mediaType)
  res.set('Cache-Control', `public, max-age=${ttlSeconds}`)
  setEntityTag(res, jwt).send(jwt)
}

/**
 * Public, unauthenticated status publication (relying parties fetch these while verifying):
 *  GET /status/token/:listId                 IETF Status List Token
 *  GET /status/token/:listId/:signing        the same, signed under X.509 (x509: the issuer certificate; mdoc: the document signer)
 *  GET /status/bitstring/:listId             W3C Bitstring Status List credential, purpose revocation
 *  GET /status/bitstring/:listId/suspension  the same for purpose suspension
 */
export function createStatusRouter(service: StatusListService): Router {
  const router = Router()
  const { ttlSeconds } = service
  // verifiers keep the lists below while following this feed: a status change reaches them before its caller hears back.
  // In one of several worker processes (--workers) a change made by another worker would never reach this feed's
  // followers, so there is no feed and no verifier keeps the lists.
  router.get(
    '/status/changes',
    workerNumber()
      ? handle(async () => {
          throw new HttpError(
            503,
            'change_feed_unavailable',
            'This issuer runs as several worker processes: its status changes have no feed, so status lists are not to be kept (fetch them at each use)',
          )
        })
      : service.changes.subscribe,
  )
  router.post('/status/changes/acks', service.changes.acknowledge)
  router.get(
    '/status/token/:listId',
    handle(async (req, res) => {
      sendJwt(res, STATUS_LIST_JWT_MEDIA_TYPE, await service.statusListToken(listIdFrom(req.params.listId)), ttlSeconds)
    }),
  )
  router.get(
    '/status/token/:listId/:signing',
    handle(async (req, res) => {
      const signing = x509SigningSchema.safeParse(req.params.signing)
      if (!signing.success) throw new HttpError(404, 'unknown_status_list', `No status list signing ${String(req.params.signing)}: x509 or mdoc`)
      sendJwt(res, STATUS_LIST_JWT_MEDIA_TYPE, await service.statusListToken(listIdFrom(req.params.listId), signing.data), ttlSeconds)
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
