import type { AgentContext } from '@credo-ts/core'
import { type OpenId4VcVerificationSessionRecord, type OpenId4VcVerificationSessionRepository, OpenId4VcVerificationSessionState, type OpenId4VcVerifierApi } from '@credo-ts/openid4vc'
import type { CredentialType } from '@interop-lab/common/credentialTypes'
import type { Database } from '@interop-lab/common/db'
import type { PartyIdentity } from '@interop-lab/common/identities'
import { dcqlQueryFor } from '../dcql'
import { type Decision, decide, type PresentationChecks } from '../decision'
import { oid4vpOutcome } from '../oid4vp/adapter'
import type { JwtVpTools } from '../oid4vp/jwtVp'
import type { Purposes, VerificationPolicy } from '../policy'
import { forgetResponse, forgetStaleResponses } from '../responses'
import type { VerificationRow } from '../sessions'
import { keepDecision, keptDecision, type VerificationAdapter } from '../verifications'

export interface Oid4vpVerificationOptions {
  verifierApi: OpenId4VcVerifierApi
  agentContext: AgentContext
  sessions: OpenId4VcVerificationSessionRepository
  db: Database
  types: Map<string, CredentialType>
  purposes: Purposes
  /** Each verifier's identity: its request objects are signed with its key. */
  identities: Map<string, PartyIdentity>
  checks: PresentationChecks
  presentationTools: JwtVpTools
  /** How long a response nobody asked a decision for is kept. */
  responseRetentionMs: number
  policyFor(policyId: string): VerificationPolicy
}

/** OID4VP 1.0: a signed request object with a DCQL query (direct_post), decided from the raw response by the lab's own checks. */
export function oid4vpVerification(options: Oid4vpVerificationOptions): VerificationAdapter {
  const { verifierApi, types, identities } = options
  return {
    async createRequest(policy, { format }) {
      const { authorizationRequest, verificationSession } = await verifierApi.createAuthorizationRequest({
        verifierId: policy.verifier,
        requestSigner: { method: 'did', didUrl: identities.get(policy.verifier)!.kid },
        dcql: { query: dcqlQueryFor(policy, types, format) },
        responseMode: 'direct_post',
        version: 'v1',
      })
      return { id: verificationSession.id, requestUri: authorizationRequest }
    },
    async decide(row) {
      const session = await verifierApi.getVerificationSessionById(row.id)
      return { state: session.state, decision: await decisionFor(options, row, session) }
    },
  }
}

/**
 * Decides once, when Credo has a final answer for the session, from the raw response by the lab's own checks, and
 * keeps the decision; the raw response is then deleted (ours and Credo's copy): only the trace remains.
 */
async function decisionFor(options: Oid4vpVerificationOptions, row: VerificationRow, session: OpenId4VcVerificationSessionRecord): Promise<Decision | undefined> {
  const { db, responseRetentionMs } = options
  const kept = keptDecision(row)
  if (kept) return kept
  const refused = session.state === OpenId4VcVerificationSessionState.Error
  if (!refused && session.state !== OpenId4VcVerificationSessionState.ResponseVerified) return undefined
  await forgetStaleResponses(db, responseRetentionMs)
  const state = String(session.requestPayload.state ?? '')
  const [response] = await db.query<{ vp_token: string; received_at: string }>('SELECT vp_token, received_at FROM verification_responses WHERE state = ?', [state])
  const { nonce, client_id, response_uri } = session.requestPayload
  const request = { nonce: String(nonce ?? ''), clientId: String(client_id ?? ''), responseUri: typeof response_uri === 'string' ? response_uri : undefined }
  const engineError = refused ? (session.errorMessage ?? 'The response could not be verified') : undefined
  const receivedAt = response ? new Date(response.received_at) : new Date()
  const outcome = await oid4vpOutcome(response?.vp_token, request, receivedAt, options.presentationTools, engineError)
  const decision = await decide(options.policyFor(row.policy_id), options.purposes, outcome, options.checks)
  if (await keepDecision(db, row.id, decision)) {
    await forgetResponse(db, options.sessions, options.agentContext, session, state)
    return decision
  }
  // decided concurrently: the first decision stands (and its decider forgets the response)
  const [stored] = await db.query<VerificationRow>('SELECT * FROM verifications WHERE id = ?', [row.id])
  return keptDecision(stored)
}
