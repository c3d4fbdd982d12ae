import { ClaimFormat, W3cCredential, W3cCredentialSubject, W3cIssuer, parseDid, w3cDate } from '@credo-ts/core'
import type { OpenId4VciCredentialRequestToCredentialMapper } from '@credo-ts/openid4vc'
import type { CredentialType } from '../common/credentialTypes'
import { bitstringStatusEntry, w3cCredentialStatus } from '../common/status'
import { parseConfigurationId } from './credentialConfigurations'
import type { PartyIdentity } from '../common/identities'

/** What an offer carries to the moment the wallet asks for the credential (stored in the issuance session). */
export interface OfferMetadata extends Record<string, unknown> {
  issuerKey: string
  claims: Record<string, unknown>
  /** ISO date-time after which the credential is no longer valid. */
  validUntil?: string
  /** Where the credential's status is published, when the issuer tracks it. */
  status?: { listUri: string; index: number; bitstringUri: string }
}

export interface MapperContext {
  identities: Map<string, PartyIdentity>
  types: Map<string, CredentialType>
}

const epochSeconds = (iso: string) => Math.floor(new Date(iso).getTime() / 1000)

/** Turns an accepted offer into signed credentials: SD-JWT VC with every claim selectively disclosable, or a W3C JWT VC. */
export function createCredentialMapper(context: MapperContext): OpenId4VciCredentialRequestToCredentialMapper {
  return async ({ issuanceSession, credentialConfigurationId, holderBinding }) => {
    const offer = issuanceSession.issuanceMetadata as OfferMetadata
    const identity = context.identities.get(offer.issuerKey)
    const { typeId, format } = parseConfigurationId(credentialConfigurationId)
    const type = context.types.get(typeId)
    if (!identity || !type) throw new Error(`Offer refers to unknown issuer ${offer.issuerKey} or type ${typeId}`)

    if (format === 'dc+sd-jwt') {
      return {
        type: 'credentials',
        format: ClaimFormat.SdJwtDc,
        credentials: holderBinding.keys.map((holder) => ({
          payload: {
            vct: type.vct,
            ...offer.claims,
            ...(offer.validUntil ? { exp: epochSeconds(offer.validUntil) } : {}),
            ...(offer.status ? { status: { status_list: { idx: offer.status.index, uri: offer.status.listUri } } } : {}),
          },
          holder,
          issuer: { method: 'did', didUrl: identity.kid },
          disclosureFrame: { _sd: Object.keys(offer.claims) },
        })),
      }
    }

    return {
      type: 'credentials',
      format: ClaimFormat.JwtVc,
      credentials: holderBinding.keys.map((holder) => {
        if (holder.method !== 'did') throw new Error('W3C JWT credentials are bound to a holder DID')
        return {
          verificationMethod: identity.kid,
          credential: new W3cCredential({
            type: type.w3cType,
            issuer: new W3cIssuer({ id: identity.did }),
            // built directly: JsonTransformer.fromJSON would drop the claims
            credentialSubject: new W3cCredentialSubject({ id: parseDid(holder.didUrl).did, claims: offer.claims }),
            issuanceDate: w3cDate(Date.now()),
            ...(offer.validUntil ? { expirationDate: w3cDate(new Date(offer.validUntil).getTime()) } : {}),
            ...(offer.status ? { credentialStatus: w3cCredentialStatus(bitstringStatusEntry(offer.status.index, offer.status.bitstringUri)) } : {}),
          }),
        }
      }),
    }
  }
}
