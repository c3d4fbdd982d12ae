import { type CreatedOffer, type OfferRequest, offerRequestSchema } from '@interop-lab/contracts'
import { type CredentialType, claimsSchema } from '@interop-lab/common/credentialTypes'
import { DomainError } from '@interop-lab/common/errors'
import { parseInput } from '@interop-lab/common/http'
import type { DidCommConnection } from '@interop-lab/common/didcomm/invitations'
import { FORMAT_LIMITS, formatsOver, MDOC_FORMAT, type Protocol, protocolOf, type RequestableFormat } from '@interop-lab/common/protocols'
import type { OfferMetadata } from './credentialMapper'
import type { StatusAllocation } from './status'
import type { JurisdictionIssuer } from './jurisdictions'

const toOfferStatus = ({ idx, tokenUris, bitstringUri }: StatusAllocation): OfferMetadata['status'] => ({ index: idx, listUris: tokenUris, bitstringUri })

export { type CreatedOffer, type OfferRequest, offerRequestSchema }

/** Why an offer could not be made, by check; the HTTP edge answers it as a problem, its status from the kind. */
export type OfferErrorCode = 'unsupported_format' | 'unsupported_option' | 'unsupported_credential_type' | 'anoncreds_not_ready' | 'didcomm_single_process'
export class OfferError extends DomainError<OfferErrorCode> {}

/** An offer request checked against the jurisdiction, credential type and protocol: what a protocol adapter offers. */
export interface CheckedOffer {
  issuer: JurisdictionIssuer
  type: CredentialType
  format: RequestableFormat
  signing?: OfferRequest['signing']
  txCode?: boolean
  connection?: DidCommConnection
  /** OID4VCI only: `haip`, the HAIP 1.0 authorization code flow (issuer/haip.ts). */
  profile?: OfferRequest['profile']
  metadata: OfferMetadata
}

/** Where an offer stands: the protocol's own state name. */
export interface OfferState {
  offerId: string
  state: string
  errorMessage?: string
}

/** Issuing over one protocol (issuer/adapters): makes the offer a wallet is handed, and tells where one stands. */
export interface IssuanceAdapter {
  createOffer(offer: CheckedOffer): Promise<{ offerId: string; offerUri: string; txCode?: string }>
  /** Where an offer made over this protocol stands, or undefined when this protocol has no such offer. */
  offerState(offerId: string): Promise<OfferState | undefined>
}

/** One adapter per protocol an offer can name. */
export type IssuanceAdapters = Record<Protocol, IssuanceAdapter>

/**
 * Validates an offer request against the jurisdiction, credential type and protocol, then has that protocol's adapter
 * create the offer (a pre-authorized OID4VCI offer, a DIDComm out-of-band offer).
 */
export async function createOffer(
  adapters: IssuanceAdapters,
  issuer: JurisdictionIssuer,
  types: Map<string, CredentialType>,
  body: unknown,
  allocateStatus?: () => Promise<StatusAllocation>,
): Promise<CreatedOffer> {
  const parsed = parseInput(offerRequestSchema, body)
  const request = { ...parsed, protocol: parsed.protocol ?? protocolOf(parsed.format) }
  if (!formatsOver(request.protocol).includes(request.format)) {
    throw new OfferError(
      'unprocessable',
      'unsupported_format',
      `${request.format} is not issued over ${request.protocol}; over ${request.protocol} this issuer issues ${formatsOver(request.protocol).join(', ')}`,
    )
  }
  if (request.connection && request.protocol !== 'didcomm') {
    throw new OfferError('unprocessable', 'unsupported_option', `connection (${request.connection}) is a DIDComm option; ${request.protocol} offers have no connection`)
  }
  const type = types.get(request.credentialType)
  if (!type || !issuer.credentialTypes.includes(request.credentialType)) {
    throw new OfferError('unprocessable', 'unsupported_credential_type', `${issuer.name.en} does not issue ${request.credentialType}; it issues ${issuer.credentialTypes.join(', ')}`)
  }
  if (request.format === MDOC_FORMAT && !type.mdoc) throw new OfferError('unprocessable', 'unsupported_format', `${type.id} has no mdoc doctype: it is not issued as ${MDOC_FORMAT}`)
  if (request.signing === 'x509' && request.format !== 'dc+sd-jwt') {
    throw new OfferError('unprocessable', 'unsupported_option', `signing 'x509' (ES256 with an x5c chain) is offered for dc+sd-jwt only, not ${request.format}`)
  }
  if (request.profile === 'haip') checkHaipOffer(request)
  const claims = parseInput(claimsSchema(type), request.claims)
  const limits = FORMAT_LIMITS[request.format]
  if (request.validUntil && limits?.expiry) throw new OfferError('unprocessable', 'unsupported_option', `validUntil cannot be honoured: ${limits.expiry}`)
  const issuanceMetadata: OfferMetadata = {
    issuerKey: issuer.key,
    claims,
    validUntil: request.validUntil,
    // a format without revocation gets no status entry (a correction then has nothing to revoke)
    status: allocateStatus && !limits?.status ? toOfferStatus(await allocateStatus()) : undefined,
  }
  const offer = await adapters[request.protocol].createOffer({
    issuer,
    type,
    format: request.format,
    signing: request.signing,
    txCode: request.txCode,
    connection: request.connection,
    profile: request.profile,
    metadata: issuanceMetadata,
  })
  return { ...offer, credentialType: type.id, format: request.format, protocol: request.protocol }
}

/** HAIP 1.0 offers: OID4VCI (§4), an SD-JWT VC signed under X.509 (§6.1.1) or an mdoc under the IACA, no pre-authorized code. */
function checkHaipOffer(request: OfferRequest & { protocol: Protocol }): void {
  if (request.protocol !== 'oid4vc') throw new OfferError('unprocessable', 'unsupported_option', `profile 'haip' is an OID4VCI profile (HAIP 1.0 §4); this offer is over ${request.protocol}`)
  if (request.format !== 'dc+sd-jwt' && request.format !== MDOC_FORMAT) {
    throw new OfferError('unprocessable', 'unsupported_option', `profile 'haip' issues dc+sd-jwt or ${MDOC_FORMAT} (HAIP 1.0 §6), not ${request.format}`)
  }
  if (request.signing === 'did') throw new OfferError('unprocessable', 'unsupported_option', "profile 'haip' signs under X.509 with x5c (HAIP 1.0 §6.1.1), not with a DID key: drop signing 'did'")
}
