import { createVerificationSchema, verificationQuerySchema } from '@interop-lab/contracts'
import type { Database } from '@interop-lab/common/db'
import { handle, HttpError, parseInput } from '@interop-lab/common/http'
import { formatsOver, HAIP_FORMATS, protocolOf } from '@interop-lab/common/protocols'
import { Router } from 'express'
import type { VerificationPolicy } from '../policy'
import type { VerificationRow } from '../sessions'
import { type VerificationAdapters, verificationKindOf } from '../verifications'

export interface VerificationsRouterOptions {
  db: Database
  adapters: VerificationAdapters
  policyFor(policyId: string): VerificationPolicy
}

/** Verifications: started from a policy over the protocol asked for, read back with the decision once there is one. */
export function verificationsRouter({ db, adapters, policyFor }: VerificationsRouterOptions): Router {
  const router = Router()
  router.post(
    '/verifications',
    handle(async (req, res) => {
      const { policyId, format, connection, profile, clientIdPrefix, sameDevice, ...requested } = parseInput(createVerificationSchema, req.body)
      const protocol = requested.protocol ?? protocolOf(format)
      const policy = policyFor(policyId)
      if (connection && protocol !== 'didcomm') throw new HttpError(422, 'unsupported_option', `connection (${connection}) is a DIDComm option; ${protocol} requests have no connection`)
      if (!formatsOver(protocol).includes(format)) {
        throw new HttpError(422, 'unsupported_format', `${format} is not requested over ${protocol}; over ${protocol} this verifier asks for ${formatsOver(protocol).join(', ')}`)
      }
      if (profile === 'haip' && (protocol !== 'oid4vc' || !HAIP_FORMATS.includes(format))) {
        throw new HttpError(422, 'unsupported_option', `HAIP 1.0 presentations are OID4VP requests for ${HAIP_FORMATS.join(' or ')}; not ${format} over ${protocol}`)
      }
      if (clientIdPrefix && profile !== 'haip') throw new HttpError(422, 'unsupported_option', `clientIdPrefix (${clientIdPrefix}) names an X.509 client id: a HAIP request's (profile: 'haip')`)
      if (sameDevice && profile !== 'haip') throw new HttpError(422, 'unsupported_option', `sameDevice asks for HAIP 1.0's same-device redirect back (§5): a HAIP request's (profile: 'haip')`)
      const { id, requestObject, ...request } = await adapters[verificationKindOf(protocol, format)].createRequest(policy, { format, connection, profile, clientIdPrefix, sameDevice })
      await db.run('INSERT INTO verifications (id, policy_id, format, protocol, created_at, profile, request_id, request_object, request_expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', [
        id,
        policy.id,
        format,
        protocol,
        new Date().toISOString(),
        profile ?? null,
        requestObject?.id ?? null,
        requestObject?.jwt ?? null,
        requestObject?.expiresAt?.toISOString() ?? null,
      ])
      res.status(201).json({ id, policyId, format, protocol, ...request })
    }),
  )
  router.get(
    '/verifications/:id',
    handle(async (req, res) => {
      const [row] = await db.query<VerificationRow>('SELECT * FROM verifications WHERE id = ?', [String(req.params.id)])
      if (!row) throw new HttpError(404, 'unknown_verification', `No verification ${req.params.id}`)
      const { response_code: responseCode } = parseInput(verificationQuerySchema, req.query)
      const { state, decision } = await adapters[verificationKindOf(row.protocol, row.format)].decide(row, { responseCode })
      res.json({ id: row.id, policyId: row.policy_id, format: row.format, protocol: row.protocol, state, decision })
    }),
  )
  return router
}
