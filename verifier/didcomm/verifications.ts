import type { AgentContext } from '@credo-ts/core'
import { DidCommProofState } from '@credo-ts/didcomm'
import type { CredentialType } from '../../common/credentialTypes'
import type { DidCommAgentApi } from '../../common/didcomm/modules'
import { type CheckName, classifyVerificationError, type Decision, evaluatePresentation, finish, type TrustCheck } from '../decision'
import type { Purposes, VerificationPolicy } from '../policy'
import { diagnoseLdpPresentation } from './diagnoseLdp'
import { ldpPresentedCredentials, type LdpPresentation } from './ldpPresentation'
import { ldpDiagnosisTools } from './ldpTools'
import { presentationDefinitionFor } from './presentationDefinition'

export interface DidCommVerifier {
  didcomm: DidCommAgentApi
  agentContext: AgentContext
  /** Where the verifier's DIDComm endpoint is: invitation URLs start with it. */
  invitationDomain: string
  types: Map<string, CredentialType>
  purposes: Purposes
  trust: TrustCheck
}

/** Checks the diagnosis of a JSON-LD presentation reports per credential, in place of the evaluation's summary lines. */
const DIAGNOSED_CHECKS: CheckName[] = ['signature', 'holder-binding', 'nonce', 'expiry', 'status']

/** Exchange states after which a decision can be made. */
const FINAL_STATES: string[] = [DidCommProofState.PresentationReceived, DidCommProofState.Done, DidCommProofState.Abandoned, DidCommProofState.Declined]

/** A present-proof v2 request (DIF PE, ldp_vp) for the policy, in an out-of-band invitation any wallet can answer. */
export async function createDidCommVerification(verifier: DidCommVerifier, policy: VerificationPolicy): Promise<{ id: string; requestUri: string }> {
  const { message, proofRecord } = await verifier.didcomm.proofs.createRequest({
    protocolVersion: 'v2',
    proofFormats: { presentationExchange: { presentationDefinition: presentationDefinitionFor(policy, verifier.types) } },
  })
  const invitation = await verifier.didcomm.oob.createInvitation({ handshake: false, messages: [message], label: policy.name.en })
  return { id: proofRecord.id, requestUri: invitation.outOfBandInvitation.toUrl({ domain: verifier.invitationDomain }) }
}

/**
 * The decision on a DIDComm presentation, once the exchange is over. Credo verifies proofs and the
 * challenge; the diagnosis explains a refusal and also catches what Credo lets through (a presentation
 * signed by someone other than the credentials' subject); then the same policy evaluation as OID4VP.
 */
export async function decideDidCommVerification(verifier: DidCommVerifier, policy: VerificationPolicy, id: string): Promise<{ state: string; decision?: Decision }> {
  const record = await verifier.didcomm.proofs.findById(id)
  if (!record) return { state: 'unknown' }
  if (!FINAL_STATES.includes(record.state)) return { state: record.state }
  const { presentation, request } = await verifier.didcomm.proofs.getFormatData(id)
  const received = presentation?.presentationExchange as LdpPresentation | string | undefined
  const refusal = record.errorMessage ?? 'The presentation was refused'
  if (!received || typeof received !== 'object') {
    const message = received ? 'A JWT presentation was received; this verifier asks for ldp_vp over DIDComm' : `No presentation was received: ${refusal}`
    return { state: record.state, decision: finish([{ check: received ? 'spec-version' : 'response', passed: false, message }], {}, record.errorMessage) }
  }
  const challenge = String(request?.presentationExchange?.options?.challenge ?? '')
  const claims = Object.fromEntries(policy.credentials.map((wanted) => [wanted.id, wanted.claims]))
  const diagnosed = await diagnoseLdpPresentation(received, { challenge, claims }, ldpDiagnosisTools(verifier.agentContext))
  if (!record.isVerified || diagnosed.some((step) => !step.passed)) {
    const trace = diagnosed.some((step) => !step.passed) ? diagnosed : [{ check: classifyVerificationError(refusal), passed: false, message: refusal }, ...diagnosed]
    return { state: record.state, decision: finish(trace, {}, record.isVerified ? undefined : refusal) }
  }
  const evaluation = await evaluatePresentation(policy, verifier.purposes, ldpPresentedCredentials(received, policy, verifier.types), verifier.trust)
  // the diagnosis already names each proof, expiry and status check; the evaluation adds type, trust, minimization and rules
  const trace = [...diagnosed.filter((step) => step.check !== 'claims'), ...evaluation.trace.filter((step) => !DIAGNOSED_CHECKS.includes(step.check))]
  return { state: record.state, decision: finish(trace, evaluation.disclosed) }
}
