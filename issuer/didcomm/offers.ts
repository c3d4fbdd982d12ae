import { LDP_PROOF_TYPE } from '../../common/didcomm/ldp'
import type { DidCommAgentApi } from '../../common/didcomm/modules'
import type { CredentialType } from '../../common/credentialTypes'
import type { OfferMetadata } from '../credentialMapper'
import { ldpCredential } from './ldpCredential'

/** What a holder's wallet is handed: an out-of-band invitation URL carrying an issue-credential v2 offer. */
export interface DidCommOffer {
  offerId: string
  offerUri: string
}

/**
 * Offers a JSON-LD credential over DIDComm v1 to whoever accepts the invitation (no connection first):
 * the wallet asks for it bound to its DID, and the agent signs it then, automatically.
 */
export async function createDidCommOffer(
  didcomm: DidCommAgentApi,
  invitationDomain: string,
  offer: { issuerDid: string; label: string; type: CredentialType; metadata: OfferMetadata },
): Promise<DidCommOffer> {
  const { message, credentialExchangeRecord } = await didcomm.credentials.createOffer({
    protocolVersion: 'v2',
    credentialFormats: {
      jsonld: {
        credential: ldpCredential(offer.type, offer.issuerDid, offer.metadata),
        options: { proofType: LDP_PROOF_TYPE, proofPurpose: 'assertionMethod' },
      },
    },
  })
  const invitation = await didcomm.oob.createInvitation({ handshake: false, messages: [message], label: offer.label })
  return { offerId: credentialExchangeRecord.id, offerUri: invitation.outOfBandInvitation.toUrl({ domain: invitationDomain }) }
}

/** Where a DIDComm offer stands (`offer-sent` … `done`), or undefined when there is no such offer. */
export async function didCommOfferState(didcomm: DidCommAgentApi, offerId: string) {
  const record = await didcomm.credentials.findById(offerId)
  return record ? { offerId: record.id, state: record.state, errorMessage: record.errorMessage } : undefined
}
