import type { AgentContext } from '@credo-ts/core'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { checkBitstringStatus, checkTokenStatus, type CredentialStatus, readTokenStatusReference, StatusCheckError, type StatusListSignerCheck } from '@interop-lab/common/status'
import type { PresentedCredential } from '../presented'
import type { CheckResult } from './result'
import { type X509AnchorSource, x5cSignerIsIssuer } from './x5cSignerIsIssuer'

const TOKEN_CLAUSE = 'Token Status List (draft-ietf-oauth-status-list), Verification and Processing'
const BITSTRING_CLAUSE = 'Bitstring Status List v1.0 §3.2 (validate)'

/**
 * The signer check of a Status List Token of a credential signed under X.509: the token's x5c chain validates to an
 * anchor of the same kind the registry lists for the credential's type and jurisdiction (a root for an x5c SD-JWT VC, an
 * IACA for an mdoc), its leaf names the credential's issuer URL as `iss`, and its key verifies the token.
 */
function x5cListSignerCheck(credential: PresentedCredential, anchors: X509AnchorSource, anchorKind: 'root' | 'iaca'): StatusListSignerCheck {
  return async (jwt, uri) => {
    const signed = await x5cSignerIsIssuer(jwt, credential.issuer, credential.credentialType, credential.claims.jurisdiction, anchors, anchorKind)
    if (!signed.passed) throw new StatusCheckError('status_list_signature_invalid', `Status list ${uri} is not signed under the credential issuer's chain: ${signed.message}`)
  }
}

/** Which status list a credential points to, and the clause that says how to read it; undefined when it points to none. */
function statusReference(agentContext: AgentContext, credential: PresentedCredential, anchors: X509AnchorSource): { read: () => Promise<CredentialStatus>; clause: string } | undefined {
  const { proof, issuer } = credential
  if (proof.kind === 'mdoc' && credential.status !== undefined) {
    const reference = credential.status
    return { read: async () => (await readTokenStatusReference(agentContext, reference, x5cListSignerCheck(credential, anchors, 'iaca'))).status, clause: TOKEN_CLAUSE }
  }
  if (proof.kind === 'jws') {
    const payload = decodeJwt(proof.jws) as Record<string, unknown>
    if (payload.status !== undefined) {
      const header = decodeProtectedHeader(proof.jws) as Record<string, unknown>
      // an issuer named by URL signs under X.509 (verifier/checks/signerIsIssuer.ts), and so does its status list
      if (!issuer.startsWith('did:') && 'x5c' in header) {
        return { read: async () => (await readTokenStatusReference(agentContext, payload.status, x5cListSignerCheck(credential, anchors, 'root'))).status, clause: TOKEN_CLAUSE }
      }
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
export async function credentialStatusCheck(agentContext: AgentContext, credential: PresentedCredential, anchors: X509AnchorSource = async () => []): Promise<CheckResult | undefined> {
  const reference = statusReference(agentContext, credential, anchors)
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
