import { createVerificationSchema } from '@interop-lab/contracts'
import type { Database } from '@interop-lab/common/db'
import { handle, HttpError, parseInput } from '@interop-lab/common/http'
import { formatsOver, protocolOf } from '@interop-lab/common/protocols'
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
      const { policyId, format, connection, ...requested } = parseInput(createVerificationSchema, req.body)
      const protocol = requested.protocol ?? protocolOf(format)
      const policy = policyFor(policyId)
      if (connection && protocol !== 'didcomm') throw new HttpError(422, 'unsupported_option', `connection (${connection}) is a DIDComm option; ${protocol} requests have no connection`)
      if (!formatsOver(protocol).includes(format)) {
        throw new HttpError(422, 'unsupported_format', `${format} is not requested over ${protocol}; over ${protocol} this verifier asks for ${formatsOver(protocol).join(', ')}`)
      }
      const { id, ...request } = await adapters[verificationKindOf(protocol, format)].createRequest(policy, { format, connection })
      await db.run('INSERT INTO verifications (id, policy_id, format, protocol, created_at) VALUES (?, ?, ?, ?, ?)', [id, policy.id, format, protocol, new Date().toISOString()])
      res.status(201).json({ id, policyId, format, protocol, ...request })
    }),
  )
  router.get(
    '/verifications/:id',
    handle(async (req, res) => {
      const [row] = await db.query<VerificationRow>('SELECT * FROM verifications WHERE id = ?', [String(req.params.id)])
      if (!row) throw new HttpError(404, 'unknown_verification', `No verification ${req.params.id}`)
      const { state, decision } = await adapters[verificationKindOf(row.protocol, row.format)].decide(row)
      res.json({ id: row.id, policyId: row.policy_id, format: row.format, protocol: row.protocol, state, decision })
    }),
  )
  return router
}
