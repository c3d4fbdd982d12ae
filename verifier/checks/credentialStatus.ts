import type { AgentContext } from '@credo-ts/core'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { checkBitstringStatus, checkTokenStatus, type CredentialStatus } from '@interop-lab/common/status'
import type { PresentedCredential } from '../presented'
import type { CheckResult } from './result'

const TOKEN_CLAUSE = 'Token Status List (draft-ietf-oauth-status-list), Verification and Processing'
const BITSTRING_CLAUSE = 'Bitstring Status List v1.0 §3.2 (validate)'

/** Which status list a credential points to, and the clause that says how to read it; undefined when it points to none. */
function statusReference(agentContext: AgentContext, credential: PresentedCredential): { read: () => Promise<CredentialStatus>; clause: string } | undefined {
  const { proof, issuer } = credential
  if (proof.kind === 'jws') {
    const payload = decodeJwt(proof.jws) as Record<string, unknown>
    if (payload.status !== undefined) {
      const header = decodeProtectedHeader(proof.jws) as Record<string, unknown>
      return { read: async () => (await checkTokenStatus(agentContext, { header, payload })).status, clause: TOKEN_CLAUSE }
    }
    const entry = (payload.vc as { credentialStatus?: unknown } | undefined)?.credentialStatus
    if (entry !== undefined) return { read: async () => (await checkBitstringStatus(agentContext, entry, { issuer })).status, clause: BITSTRING_CLAUSE }
  }
  if (proof.kind === 'ldp' && credential.status !== undefined) {
    const entry = credential.status
    return { read: async () => (await checkBitstringStatus(agentContext, entry, { issuer })).status, clause: BITSTRING_CLAUSE }
  }
  return undefined
}

/**
 * The credential's published status (revoked, suspended), asked only once its signer is its issuer and the trust
 * registry vouches for that issuer: the status list URL comes from the credential, so it is fetched only from a
 * trusted issuer's credential. A failure says "status list unavailable" and nothing of what the URL answered.
 */
export async function credentialStatusCheck(agentContext: AgentContext, credential: PresentedCredential): Promise<CheckResult | undefined> {
  const reference = statusReference(agentContext, credential)
  if (!reference) return undefined
  const name = credential.queryId
  const { clause } = reference
  try {
    const status = await reference.read()
    const valid = status === 'valid'
    return { check: 'status', passed: valid, clause, message: valid ? `${name} is not revoked or suspended` : `${name} has been ${status} by its issuer` }
  } catch {
    return { check: 'status', passed: false, clause, message: `The status of ${name} could not be established: status list unavailable` }
  }
}
