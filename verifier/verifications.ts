import type { Database } from '@interop-lab/common/db'
import type { DidCommConnection } from '@interop-lab/common/didcomm/invitations'
import type { Protocol, RequestableFormat } from '@interop-lab/common/protocols'
import type { Profile } from '@interop-lab/contracts'
import type { ClientIdPrefix } from './oid4vp/haip'
import type { Decision } from './decision'
import type { VerificationPolicy } from './policy'
import type { VerificationRow } from './sessions'

/** What the wallet is handed: a request URI or invitation URL (AnonCreds over DIDComm: one per credential, the first as `requestUri`). */
export interface VerificationRequest {
  id: string
  requestUri: string
  requestUris?: string[]
  /** OID4VP: the signed request object the request_uri names, which the verifier serves (kept with the verification, never answered to its creator). */
  requestObject?: RequestObject
}

/** An OID4VP request object: its id in the request_uri, the signed JWT, and until when it is served. */
export interface RequestObject {
  id: string
  jwt: string
  expiresAt?: Date
}

/** Where an exchange stands in the protocol library, and the decision once there is one. */
export interface VerificationState {
  state: string
  decision?: Decision
}

/** Verifying over one protocol (verifier/adapters): builds the request for a policy, and decides on what came back. */
export interface VerificationAdapter {
  createRequest(
    policy: VerificationPolicy,
    options: { format: RequestableFormat; connection?: DidCommConnection; profile?: Profile; clientIdPrefix?: ClientIdPrefix; sameDevice?: boolean },
  ): Promise<VerificationRequest>
  /** Decides once the exchange is over, and keeps that decision: asked again, it answers the same. `responseCode`: a same-device redirect back (OID4VP). */
  decide(session: VerificationRow, options?: { responseCode?: string }): Promise<VerificationState>
}

/** OID4VP 1.0 + DCQL, DIDComm present-proof v2 + DIF PE (ldp_vc), DIDComm present-proof v2 + AnonCreds. */
export type VerificationKind = 'oid4vp' | 'didcomm' | 'anoncreds'
export type VerificationAdapters = Record<VerificationKind, VerificationAdapter>

export const verificationKindOf = (protocol: Protocol | string, format: RequestableFormat | string): VerificationKind =>
  protocol !== 'didcomm' ? 'oid4vp' : format === 'anoncreds' ? 'anoncreds' : 'didcomm'

export const keptDecision = (row: VerificationRow): Decision | undefined => (row.decision ? (JSON.parse(row.decision) as Decision) : undefined)

/** Keeps a verification's decision unless one was kept already (decided concurrently: the first stands); true when this one was kept. */
export async function keepDecision(db: Database, id: string, decision: Decision): Promise<boolean> {
  return (await db.run('UPDATE verifications SET decision = ? WHERE id = ? AND decision IS NULL', [JSON.stringify(decision), id])) > 0
}
