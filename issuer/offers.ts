import type { OpenId4VcIssuerApi } from '@credo-ts/openid4vc'
import { z } from 'zod'
import { CREDENTIAL_FORMATS, type CredentialFormat, type CredentialType, claimsSchema } from '../common/credentialTypes'
import { HttpError, parseInput } from '../common/http'
import { FORMAT_LIMITS, PROTOCOL_FORMATS, PROTOCOLS, type Protocol, protocolOf } from '../common/protocols'
import type { DidCommOffer } from './didcomm/offers'
import { configurationId } from './credentialConfigurations'
import type { OfferMetadata } from './credentialMapper'
import type { StatusAllocation } from './status'

const toOfferStatus = ({ idx, uri, bitstringUri }: StatusAllocation): OfferMetadata['status'] => ({ index: idx, listUri: uri, bitstringUri })
import type { JurisdictionIssuer } from './jurisdictions'

export const offerRequestSchema = z.strictObject({
  credentialType: z.string().min(1),
  format: z.enum(CREDENTIAL_FORMATS),
  /** OID4VCI (a credential offer URI) or DIDComm v1 (an out-of-band invitation URL carrying the offer); by default the format's own. */
  protocol: z.enum(PROTOCOLS).optional(),
  claims: z.record(z.string(), z.unknown()),
  /** ISO date-time; a past value issues an already expired credential (for negative tests). */
  validUntil: z.iso.datetime({ offset: true }).optional(),
  /** Require a transaction code delivered out of band (default true; OID4VCI only). */
  txCode: z.boolean().default(true),
})
export type OfferRequest = z.infer<typeof offerRequestSchema>

export interface CreatedOffer {
  offerId: string
  offerUri: string
  txCode?: string
  credentialType: string
  format: string
  protocol: Protocol
}

/** How an offer reaches the wallet, per protocol. */
export interface OfferChannels {
  oid4vc: OpenId4VcIssuerApi
  didcomm: (issuer: JurisdictionIssuer, type: CredentialType, metadata: OfferMetadata, format: CredentialFormat) => Promise<DidCommOffer>
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
  if (!PROTOCOL_FORMATS[request.protocol].includes(request.format)) {
    throw new HttpError(422, 'unsupported_format', `${request.format} is not issued over ${request.protocol}; over ${request.protocol} this issuer issues ${PROTOCOL_FORMATS[request.protocol].join(', ')}`)
  }
  const type = types.get(request.credentialType)
  if (!type || !issuer.credentialTypes.includes(request.credentialType)) {
    throw new HttpError(422, 'unsupported_credential_type', `${issuer.name.en} does not issue ${request.credentialType}; it issues ${issuer.credentialTypes.join(', ')}`)
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
    const { offerId, offerUri } = await channels.didcomm(issuer, type, issuanceMetadata, request.format)
    return { offerId, offerUri, credentialType: type.id, format: request.format, protocol: request.protocol }
  }
  const { credentialOffer, issuanceSession } = await channels.oid4vc.createCredentialOffer({
    issuerId: issuer.key,
    credentialConfigurationIds: [configurationId(type.id, request.format)],
    preAuthorizedCodeFlowConfig: request.txCode
      ? { txCode: { input_mode: 'numeric', length: 6, description: 'Code sent to you separately / Code envoyé séparément' } }
      : {},
    issuanceMetadata,
  })
  return { offerId: issuanceSession.id, offerUri: credentialOffer, txCode: issuanceSession.userPin, credentialType: type.id, format: request.format, protocol: request.protocol }
}
