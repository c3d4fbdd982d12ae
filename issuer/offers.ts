import type { OpenId4VcIssuerApi } from '@credo-ts/openid4vc'
import { type CreatedOffer, type OfferRequest, offerRequestSchema } from '@interop-lab/contracts'
import { type CredentialFormat, type CredentialType, claimsSchema } from '@interop-lab/common/credentialTypes'
import { HttpError, parseInput } from '@interop-lab/common/http'
import type { DidCommConnection } from '@interop-lab/common/didcomm/invitations'
import { FORMAT_LIMITS, formatsOver, MDOC_FORMAT, protocolOf } from '@interop-lab/common/protocols'
import type { DidCommOffer } from './didcomm/offers'
import { configurationId } from './credentialConfigurations'
import type { OfferMetadata } from './credentialMapper'
import type { StatusAllocation } from './status'

const toOfferStatus = ({ idx, uri, bitstringUri }: StatusAllocation): OfferMetadata['status'] => ({ index: idx, listUri: uri, bitstringUri })
import type { JurisdictionIssuer } from './jurisdictions'

export { type CreatedOffer, type OfferRequest, offerRequestSchema }

/** How an offer reaches the wallet, per protocol. */
export interface OfferChannels {
  oid4vc: OpenId4VcIssuerApi
  didcomm: (issuer: JurisdictionIssuer, type: CredentialType, metadata: OfferMetadata, format: CredentialFormat, connection?: DidCommConnection) => Promise<DidCommOffer>
}

/**
 * Validates an offer request against the jurisdiction, credential type and protocol, then creates a pre-authorized
 * OID4VCI offer or a DIDComm out-of-band offer.
 */
export async function createOffer(
  channels: OfferChannels,
  issuer: JurisdictionIssuer,
  types: Map<string, CredentialType>,
  body: unknown,
  allocateStatus?: () => Promise<StatusAllocation>,
): Promise<CreatedOffer> {
  const parsed = parseInput(offerRequestSchema, body)
  const request = { ...parsed, protocol: parsed.protocol ?? protocolOf(parsed.format) }
  if (!formatsOver(request.protocol).includes(request.format)) {
    throw new HttpError(422, 'unsupported_format', `${request.format} is not issued over ${request.protocol}; over ${request.protocol} this issuer issues ${formatsOver(request.protocol).join(', ')}`)
  }
  if (request.connection && request.protocol !== 'didcomm') {
    throw new HttpError(422, 'unsupported_option', `connection (${request.connection}) is a DIDComm option; ${request.protocol} offers have no connection`)
  }
  const type = types.get(request.credentialType)
  if (!type || !issuer.credentialTypes.includes(request.credentialType)) {
    throw new HttpError(422, 'unsupported_credential_type', `${issuer.name.en} does not issue ${request.credentialType}; it issues ${issuer.credentialTypes.join(', ')}`)
  }
  if (request.format === MDOC_FORMAT && !type.mdoc) throw new HttpError(422, 'unsupported_format', `${type.id} has no mdoc doctype: it is not issued as ${MDOC_FORMAT}`)
  if (request.signing === 'x509' && request.format !== 'dc+sd-jwt') {
    throw new HttpError(422, 'unsupported_option', `signing 'x509' (ES256 with an x5c chain) is offered for dc+sd-jwt only, not ${request.format}`)
  }
  const claims = parseInput(claimsSchema(type), request.claims)
  const limits = FORMAT_LIMITS[request.format]
  if (request.validUntil && limits?.expiry) throw new HttpError(422, 'unsupported_option', `validUntil cannot be honoured: ${limits.expiry}`)
  const issuanceMetadata: OfferMetadata = {
    issuerKey: issuer.key,
    claims,
    validUntil: request.validUntil,
    // a format without revocation gets no status entry (a correction then has nothing to revoke)
    status: allocateStatus && !limits?.status ? toOfferStatus(await allocateStatus()) : undefined,
  }
  if (request.protocol === 'didcomm') {
    // a DIDComm format: formatsOver('didcomm') said so above
    const { offerId, offerUri } = await channels.didcomm(issuer, type, issuanceMetadata, request.format as CredentialFormat, request.connection)
    return { offerId, offerUri, credentialType: type.id, format: request.format, protocol: request.protocol }
  }
  const { credentialOffer, issuanceSession } = await channels.oid4vc.createCredentialOffer({
    issuerId: issuer.key,
    credentialConfigurationIds: [configurationId(type.id, request.format, request.signing)],
    preAuthorizedCodeFlowConfig: request.txCode
      ? { txCode: { input_mode: 'numeric', length: 6, description: 'Code sent to you separately / Code envoyé séparément' } }
      : {},
    issuanceMetadata,
  })
  return { offerId: issuanceSession.id, offerUri: credentialOffer, txCode: issuanceSession.userPin, credentialType: type.id, format: request.format, protocol: request.protocol }
}
