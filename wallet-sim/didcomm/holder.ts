import type { EventEmitter } from '@credo-ts/core'
import { type CredentialRecordBinding, type DidCommOutOfBandInvitation, DidCommCredentialState, DidCommProofState } from '@credo-ts/didcomm'
import type { DidCommAgentApi } from '@interop-lab/common/didcomm/modules'
import { specVersionMismatch } from '@interop-lab/common/specVersions'
import { credentialExchangeReaching, proofExchangeReaching } from './exchanges'
import { UnsatisfiedPredicateError } from './FaultInjectingAnonCredsProofFormat'

/** The parts of a holder agent a DIDComm exchange uses. */
export interface DidCommHolderAgent {
  events: EventEmitter
  didcomm: DidCommAgentApi
  /** How the holder names itself to the other party. */
  label: string
}

export interface DidCommPresentationResult {
  submitted: boolean
  /** Where the exchange ended: `done` when the verifier acknowledged the presentation. */
  state?: string
  error?: string
  /** The spec-version mismatch the error shows, when it shows one. */
  specVersion?: string
  /** The wallet holds the credential asked for, but its values do not satisfy a predicate of the request. */
  predicateUnsatisfied?: boolean
}

const describeError = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** The invitation and the thread of the message it carries (an offer or a request), checked to be of `kind`. */
async function openInvitation(agent: DidCommHolderAgent, url: string, kind: 'issue-credential' | 'present-proof') {
  const invitation: DidCommOutOfBandInvitation = await agent.didcomm.oob.parseInvitation(url)
  const [message] = invitation.getRequests() ?? []
  if (!message) throw new Error(`The invitation carries no ${kind === 'issue-credential' ? 'credential offer' : 'presentation request'}; connection-only invitations are not accepted`)
  const type = String(message['@type'] ?? '')
  if (!type.includes(`/${kind}/`)) throw new Error(`The invitation carries a ${type} message, not ${kind}`)
  if (!type.includes(`/${kind}/2.`)) throw new Error(`The invitation asks for ${type}; this wallet speaks ${kind}/2.0`)
  const thread = message['~thread'] as { thid?: string } | undefined
  return { invitation, threadId: thread?.thid ?? String(message['@id']) }
}

/** Accepts the credential offer in an out-of-band invitation (bound to the holder's DID, or its link secret); returns where the credentials are stored. */
export async function acceptDidCommOffer(agent: DidCommHolderAgent, url: string): Promise<CredentialRecordBinding[]> {
  const { invitation, threadId } = await openInvitation(agent, url, 'issue-credential')
  const offered = credentialExchangeReaching(agent.events, threadId, [DidCommCredentialState.OfferReceived])
  await agent.didcomm.oob.receiveInvitation(invitation, { label: agent.label })
  const offer = await offered
  const finished = credentialExchangeReaching(agent.events, threadId, [DidCommCredentialState.Done, DidCommCredentialState.Abandoned, DidCommCredentialState.Declined])
  await agent.didcomm.credentials.acceptOffer({ credentialExchangeRecordId: offer.id })
  const exchange = await finished
  if (exchange.state !== DidCommCredentialState.Done) throw new Error(`The issuer ended the exchange (${exchange.state}): ${exchange.errorMessage ?? 'no reason given'}`)
  return exchange.credentials
}

/** Answers the presentation request in an out-of-band invitation with the credentials that satisfy it. */
export async function presentOverDidComm(agent: DidCommHolderAgent, url: string): Promise<DidCommPresentationResult> {
  const { invitation, threadId } = await openInvitation(agent, url, 'present-proof')
  const requested = proofExchangeReaching(agent.events, threadId, [DidCommProofState.RequestReceived])
  await agent.didcomm.oob.receiveInvitation(invitation, { label: agent.label })
  const request = await requested
  let selected: Awaited<ReturnType<DidCommAgentApi['proofs']['selectCredentialsForRequest']>>
  try {
    selected = await agent.didcomm.proofs.selectCredentialsForRequest({ proofExchangeRecordId: request.id })
  } catch (error) {
    const reason = describeError(error)
    if (error instanceof UnsatisfiedPredicateError) return { submitted: false, error: reason, predicateUnsatisfied: true }
    return { submitted: false, error: `This wallet holds no credentials that satisfy the request: ${reason}`, specVersion: specVersionMismatch(reason) }
  }
  const finished = proofExchangeReaching(agent.events, threadId, [DidCommProofState.Done, DidCommProofState.Abandoned, DidCommProofState.Declined])
  await agent.didcomm.proofs.acceptRequest({ proofExchangeRecordId: request.id, proofFormats: selected.proofFormats })
  try {
    const exchange = await finished
    if (exchange.state === DidCommProofState.Done) return { submitted: true, state: exchange.state }
    const reason = exchange.errorMessage ?? 'no reason given'
    return { submitted: true, state: exchange.state, error: `The verifier refused the presentation: ${reason}`, specVersion: specVersionMismatch(reason) }
  } catch (error) {
    return { submitted: true, error: describeError(error) }
  }
}
