import type { Database } from '@interop-lab/common/db'
import type { RequestHandler } from 'express'
import { decodeJwt } from 'jose'
import type { VerificationPolicy } from '../policy'

export interface RequestObjectDependencies {
  db: Database
  policyFor(policyId: string): VerificationPolicy
}

const REQUEST_OBJECT_TYPE = 'application/oauth-authz-req+jwt'

/**
 * GET <oid4vp base>/:verifierId/authorization-requests/:requestId, in front of Credo's (mount before the agent creates
 * it; `deps` is there once it has): the signed request object a request_uri names (OID4VP 1.0 §5.10, RFC 9101 §5.2),
 * served from the verification that made it, while its request is open and not expired. The session stays as it was
 * created: the lab reads no "request fetched" state. A request made before the verifier kept its request objects
 * is left to Credo.
 */
export function requestObjects(deps: () => RequestObjectDependencies | undefined): RequestHandler<{ verifierId: string; requestId: string }> {
  return (req, res, next) => {
    const ready = deps()
    if (!ready) return next()
    const refuse = (status: number, error: string, description: string) => res.status(status).json({ error, error_description: description })
    const serve = async () => {
      const [row] = await ready.db.query<{ policy_id: string; request_object: string | null; request_expires_at: string | null; decision: string | null }>(
        'SELECT policy_id, request_object, request_expires_at, decision FROM verifications WHERE request_id = ?',
        [req.params.requestId],
      )
      if (!row?.request_object) return next()
      if (ready.policyFor(row.policy_id).verifier !== req.params.verifierId) return refuse(404, 'not_found', 'This verifier made no request with this id (OID4VP 1.0 §5.10, request_uri)')
      if (row.request_expires_at && Date.now() > Date.parse(row.request_expires_at)) return refuse(404, 'not_found', 'This request expired: ask the verifier for a new one')
      const answered = row.decision !== null || (await ready.db.query('SELECT 1 FROM verification_responses WHERE state = ?', [String(decodeJwt(row.request_object).state)])).length > 0
      if (answered) return refuse(400, 'invalid_request', 'This presentation request was already answered: a request takes one response (OID4VP 1.0 §8.2)')
      res.type(REQUEST_OBJECT_TYPE).send(row.request_object)
    }
    serve().catch(next)
  }
}
