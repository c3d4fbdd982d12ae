import type { Agent } from '@credo-ts/core'
import type { CredentialFormat, CredentialType } from '@interop-lab/common/credentialTypes'
import type { DidCommAgentApi } from '@interop-lab/common/didcomm/modules'
import { workerNumber } from '@interop-lab/common/workers'
import type { AnonCredsDefinitions } from '../anoncreds/definitions'
import { publishUnderWebVh } from '../anoncreds/webvh'
import { createDidCommOffer, didCommOfferState, type DidCommOfferFormat } from '../didcomm/offers'
import type { JurisdictionIssuer } from '../jurisdictions'
import { type IssuanceAdapter, OfferError } from '../offers'

export interface DidCommIssuanceOptions {
  agent: Agent
  didcomm: DidCommAgentApi
  /** Where the out-of-band invitations point (the issuer's DIDComm endpoint). */
  invitationDomain: string
  /** The did:key a jurisdiction signs its JSON-LD credentials under. */
  ldpDid(issuerKey: string): string
  /** The did:webvh a jurisdiction's AnonCreds objects are published under; without one they stay under its did:jwk. */
  webvhDid(issuerKey: string): string | undefined
  /** The AnonCreds credential definitions (made in the background: until then offers are refused with 503). */
  anonCreds: AnonCredsDefinitions
}

/** DIDComm v1 issue-credential v2: an out-of-band invitation carrying a JSON-LD or AnonCreds offer. */
export function didCommIssuance(options: DidCommIssuanceOptions): IssuanceAdapter {
  const { didcomm, invitationDomain } = options
  // AnonCreds offers name the credential definition published under the jurisdiction's did:webvh, published on first use
  const publishedUnderWebVh = new Map<string, Promise<string>>()
  const underWebVh = (webvhDid: string, credentialDefinitionId: string) => {
    if (!publishedUnderWebVh.has(credentialDefinitionId)) {
      const publishing = publishUnderWebVh(options.agent, webvhDid, credentialDefinitionId)
      publishing.catch(() => publishedUnderWebVh.delete(credentialDefinitionId))
      publishedUnderWebVh.set(credentialDefinitionId, publishing)
    }
    return publishedUnderWebVh.get(credentialDefinitionId)!
  }
  const offerUnder = async (issuer: JurisdictionIssuer, type: CredentialType, format: CredentialFormat): Promise<DidCommOfferFormat> => {
    if (format !== 'anoncreds') return { format: 'ldp_vc', issuerDid: options.ldpDid(issuer.key) }
    const definition = options.anonCreds.get(issuer.key, type.id)
    if (!definition) throw new OfferError('unavailable', 'anoncreds_not_ready', options.anonCreds.pending() ?? `${issuer.name.en} has no AnonCreds credential definition for ${type.id}`)
    const webvhDid = options.webvhDid(issuer.key)
    return { format, credentialDefinitionId: webvhDid ? await underWebVh(webvhDid, definition.credentialDefinitionId) : definition.credentialDefinitionId }
  }
  return {
    async createOffer({ issuer, type, format, connection, metadata }) {
      if (workerNumber() !== undefined) {
        throw new OfferError(
          'conflict',
          'didcomm_single_process',
          'DIDComm issuance runs in a single issuer process: Credo keeps DIDComm transport sessions in process memory and updates an exchange without locking it across processes. Start the issuer with --workers 1 to offer over DIDComm; OID4VCI offers are served by every worker',
        )
      }
      // a DIDComm format: createOffer checked it against formatsOver('didcomm')
      const under = await offerUnder(issuer, type, format as CredentialFormat)
      return createDidCommOffer(didcomm, invitationDomain, { label: issuer.name.en, type, metadata, under, connection })
    },
    offerState: (offerId) => didCommOfferState(didcomm, offerId),
  }
}
