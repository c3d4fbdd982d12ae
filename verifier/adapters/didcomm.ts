import type { Database } from '@interop-lab/common/db'
import { createAnonCredsVerification, decideAnonCredsVerification } from '../didcomm/anoncreds'
import { createDidCommVerification, decideDidCommVerification, type DidCommVerifier } from '../didcomm/verifications'
import type { VerificationPolicy } from '../policy'
import type { VerificationRow } from '../sessions'
import { keepDecision, keptDecision, type VerificationAdapter, type VerificationState } from '../verifications'

export interface DidCommVerificationOptions {
  verifier: DidCommVerifier
  db: Database
  policyFor(policyId: string): VerificationPolicy
}

/** DIDComm v1 present-proof v2 with a DIF presentation definition (ldp_vc), in an out-of-band invitation. */
export function didCommVerification({ verifier, db, policyFor }: DidCommVerificationOptions): VerificationAdapter {
  return {
    createRequest: (policy, { connection }) => createDidCommVerification(verifier, policy, connection),
    decide: decidingOnce(
      db,
      (row) => proofStateOf(verifier, row.id),
      (row) => decideDidCommVerification(verifier, policyFor(row.policy_id), row.id),
    ),
  }
}

/** DIDComm v1 present-proof v2 with AnonCreds proof requests, one per credential. */
export function anonCredsVerification({ verifier, db, policyFor }: DidCommVerificationOptions): VerificationAdapter {
  return {
    async createRequest(policy, { connection }) {
      const { id, requestUris } = await createAnonCredsVerification(verifier, db, policy, connection)
      return { id, requestUri: requestUris[0], requestUris }
    },
    decide: decidingOnce(
      db,
      async (row) => {
        // where its last request's exchange stands
        const [part] = await db.query<{ proof_record_id: string }>('SELECT proof_record_id FROM anoncreds_requests WHERE verification_id = ? ORDER BY query_id DESC LIMIT 1', [row.id])
        return proofStateOf(verifier, part?.proof_record_id ?? row.id)
      },
      (row) => decideAnonCredsVerification(verifier, db, policyFor(row.policy_id), row.id),
    ),
  }
}

const proofStateOf = async (verifier: DidCommVerifier, proofRecordId: string) => (await verifier.didcomm.proofs.findById(proofRecordId))?.state ?? 'unknown'

/** A kept decision is answered with the exchange's state now; otherwise the exchange is decided, and a decision kept. */
function decidingOnce(db: Database, stateOf: (row: VerificationRow) => Promise<string>, decideNow: (row: VerificationRow) => Promise<VerificationState>) {
  return async (row: VerificationRow): Promise<VerificationState> => {
    const kept = keptDecision(row)
    if (kept) return { state: await stateOf(row), decision: kept }
    const decided = await decideNow(row)
    if (decided.decision) await keepDecision(db, row.id, decided.decision)
    return decided
  }
}
