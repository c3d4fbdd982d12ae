import { DidCommCredentialPreviewAttribute, type JsonCredential } from '@credo-ts/didcomm'
import { toAnonCredsValues } from '@interop-lab/common/anoncreds'
import { LDP_PROOF_TYPE } from '@interop-lab/common/didcomm/ldp'
import { createInvitation, type DidCommConnection } from '@interop-lab/common/didcomm/invitations'
import type { DidCommAgentApi } from '@interop-lab/common/didcomm/modules'
import type { CredentialType } from '@interop-lab/common/credentialTypes'
import type { OfferMetadata } from '../credentialMapper'
import { ldpCredential } from './ldpCredential'

/** What a holder's wallet is handed: an out-of-band invitation URL carrying an issue-credential v2 offer. */
export interface DidCommOffer {
  offerId: string
  offerUri: string
}

/** What an offer is made under: a JSON-LD credential signed by the issuer's DID, or an AnonCreds credential definition. */
export type DidCommOfferFormat = { format: 'ldp_vc'; issuerDid: string } | { format: 'anoncreds'; credentialDefinitionId: string }

/**
 * Offers a credential over DIDComm v1 to whoever accepts the invitation (connectionless, or on the DID Exchange
 * connection the invitation asks for): a JSON-LD credential the wallet asks for bound to its DID, or an AnonCreds
 * credential (claims as strings, dates as YYYYMMDD) it asks for blinded to its link secret; the agent issues it then,
 * automatically.
 */
export async function createDidCommOffer(
  didcomm: DidCommAgentApi,
  invitationDomain: string,
  offer: { label: string; type: CredentialType; metadata: OfferMetadata; under: DidCommOfferFormat; connection?: DidCommConnection },
): Promise<DidCommOffer> {
  const { under } = offer
  const { message, credentialExchangeRecord } = await didcomm.credentials.createOffer({
    protocolVersion: 'v2',
    credentialFormats:
      under.format === 'anoncreds'
        ? {
            anoncreds: {
              credentialDefinitionId: under.credentialDefinitionId,
              attributes: Object.entries(toAnonCredsValues(offer.type, offer.metadata.claims)).map(([name, value]) => new DidCommCredentialPreviewAttribute({ name, value })),
            },
          }
        : { jsonld: ldpCredentialDetail(ldpCredential(offer.type, under.issuerDid, offer.metadata)) },
  })
  const invitation = await createInvitation(didcomm, message, offer.label, offer.connection)
  return { offerId: credentialExchangeRecord.id, offerUri: invitation.outOfBandInvitation.toUrl({ domain: invitationDomain }) }
}

/** The RFC 0593 detail of a JSON-LD offer: the options announce the type of the status the credential carries. */
function ldpCredentialDetail(credential: JsonCredential) {
  const status = credential.credentialStatus as { type: string } | undefined
  return { credential, options: { proofType: LDP_PROOF_TYPE, proofPurpose: 'assertionMethod', ...(status ? { credentialStatus: { type: status.type } } : {}) } }
}

/** Where a DIDComm offer stands (`offer-sent` … `done`), or undefined when there is no such offer. */
export async function didCommOfferState(didcomm: DidCommAgentApi, offerId: string) {
  const record = await didcomm.credentials.findById(offerId)
  return record ? { offerId: record.id, state: record.state, errorMessage: record.errorMessage } : undefined
}
