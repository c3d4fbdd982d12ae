import type { AgentContext } from '@credo-ts/core'
import type { Clock } from '@interop-lab/common/clock'
import { randomUUID } from 'node:crypto'
import { DidCommProofState } from '@credo-ts/didcomm'
import { createInvitation, type DidCommConnection } from '@interop-lab/common/didcomm/invitations'
import type { CredentialType } from '@interop-lab/common/credentialTypes'
import type { DidCommAgentApi } from '@interop-lab/common/didcomm/modules'
import { credentialChecks } from '../checks'
import { type Decision, decide, finding, type TrustCheck } from '../decision'
import type { Purposes, VerificationPolicy } from '../policy'
import { ldpOutcome } from './ldpChecks'
import type { LdpPresentation } from './ldpPresentation'
import { ldpPresentationTools } from './ldpTools'
import { presentationDefinitionFor } from './presentationDefinition'

export interface DidCommVerifier {
  didcomm: DidCommAgentApi
  agentContext: AgentContext
  /** Where the verifier's DIDComm endpoint is: invitation URLs start with it. */
  invitationDomain: string
  types: Map<string, CredentialType>
  purposes: Purposes
  trust: TrustCheck
  /** The time its decisions judge validity periods at. */
  clock: Clock
}

/** Exchange states after which a decision can be made. */
const FINAL_STATES: string[] = [DidCommProofState.PresentationReceived, DidCommProofState.Done, DidCommProofState.Abandoned, DidCommProofState.Declined]

/** A present-proof v2 request (DIF PE, ldp_vp) for the policy, in an out-of-band invitation any wallet can answer (connectionless, or on the DID Exchange connection it asks for). */
export async function createDidCommVerification(verifier: DidCommVerifier, policy: VerificationPolicy, connection?: DidCommConnection): Promise<{ id: string; requestUri: string }> {
  const { message, proofRecord } = await verifier.didcomm.proofs.createRequest({
    protocolVersion: 'v2',
    // ACA-Py reads options.challenge as a UUID (Credo's default is 32 random bytes, base64url): a UUID v4 suits both
    proofFormats: { presentationExchange: { presentationDefinition: presentationDefinitionFor(policy, verifier.types), options: { challenge: randomUUID() } } },
  })
  const invitation = await createInvitation(verifier.didcomm, message, policy.name.en, connection)
  return { id: proofRecord.id, requestUri: invitation.outOfBandInvitation.toUrl({ domain: verifier.invitationDomain }) }
}

/**
 * The decision on a DIDComm presentation, once the exchange is over, whatever Credo concluded: the JSON-LD adapter's
 * checks (the holder's proof and whose it is, the challenge), then the decision core, the lab's own signer-is-issuer
 * check first.
 */
export async function decideDidCommVerification(verifier: DidCommVerifier, policy: VerificationPolicy, id: string): Promise<{ state: string; decision?: Decision }> {
  const record = await verifier.didcomm.proofs.findById(id)
  if (!record) return { state: 'unknown' }
  if (!FINAL_STATES.includes(record.state)) return { state: record.state }
  const { presentation, request } = await verifier.didcomm.proofs.getFormatData(id)
  const received = presentation?.presentationExchange as LdpPresentation | string | undefined
  const checks = { trust: verifier.trust, clock: verifier.clock, ...credentialChecks(verifier.agentContext) }
  const engineError = record.isVerified ? undefined : (record.errorMessage ?? 'The presentation was refused')
  if (!received || typeof received !== 'object') {
    const refused = received
      ? finding('spec-version', false, {
          en: 'A JWT presentation was received; this verifier asks for ldp_vp over DIDComm',
          fr: 'Une présentation JWT a été reçue ; ce vérificateur demande un ldp_vp sur DIDComm',
        })
      : finding('response', false, { en: `No presentation was received: ${engineError}`, fr: `Aucune présentation n’a été reçue : « ${engineError} »` })
    return { state: record.state, decision: await decide(policy, verifier.purposes, { response: [refused], credentials: [], engineError }, checks) }
  }
  const challenge = String(request?.presentationExchange?.options?.challenge ?? '')
  const outcome = await ldpOutcome(received, challenge, policy, verifier.types, ldpPresentationTools(verifier.agentContext), engineError)
  return { state: record.state, decision: await decide(policy, verifier.purposes, outcome, checks) }
}
