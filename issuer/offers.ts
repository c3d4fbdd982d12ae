import type { OpenId4VcIssuerApi } from '@credo-ts/openid4vc'
import { z } from 'zod'
import { CREDENTIAL_FORMATS, type CredentialType, claimsSchema } from '../common/credentialTypes'
import { HttpError, parseInput } from '../common/http'
import { configurationId } from './credentialConfigurations'
import type { OfferMetadata } from './credentialMapper'
import type { StatusAllocation } from './status'

const toOfferStatus = ({ idx, uri, bitstringUri }: StatusAllocation): OfferMetadata['status'] => ({ index: idx, listUri: uri, bitstringUri })
import type { JurisdictionIssuer } from './jurisdictions'

export const offerRequestSchema = z.strictObject({
  credentialType: z.string().min(1),
  format: z.enum(CREDENTIAL_FORMATS),
  claims: z.record(z.string(), z.unknown()),
  /** ISO date-time; a past value issues an already expired credential (for negative tests). */
  validUntil: z.iso.datetime({ offset: true }).optional(),
  /** Require a transaction code delivered out of band (default true). */
  txCode: z.boolean().default(true),
})
export type OfferRequest = z.infer<typeof offerRequestSchema>

export interface CreatedOffer {
  offerId: string
  offerUri: string
  txCode?: string
  credentialType: string
  format: string
}

/** Validates an offer request against the jurisdiction and credential type, then creates a pre-authorized offer. */
export async function createOffer(
  issuerApi: OpenId4VcIssuerApi,
  issuer: JurisdictionIssuer,
  types: Map<string, CredentialType>,
  body: unknown,
  allocateStatus?: () => Promise<StatusAllocation>,
): Promise<CreatedOffer> {
  const request = parseInput(offerRequestSchema, body)
  const type = types.get(request.credentialType)
  if (!type || !issuer.credentialTypes.includes(request.credentialType)) {
    throw new HttpError(422, 'unsupported_credential_type', `${issuer.name.en} does not issue ${request.credentialType}; it issues ${issuer.credentialTypes.join(', ')}`)
  }
  const claims = parseInput(claimsSchema(type), request.claims)
  const issuanceMetadata: OfferMetadata = {
    issuerKey: issuer.key,
    claims,
    validUntil: request.validUntil,
    status: allocateStatus ? toOfferStatus(await allocateStatus()) : undefined,
  }
  const { credentialOffer, issuanceSession } = await issuerApi.createCredentialOffer({
    issuerId: issuer.key,
    credentialConfigurationIds: [configurationId(type.id, request.format)],
    preAuthorizedCodeFlowConfig: request.txCode
      ? { txCode: { input_mode: 'numeric', length: 6, description: 'Code sent to you separately / Code envoyé séparément' } }
      : {},
    issuanceMetadata,
  })
  return { offerId: issuanceSession.id, offerUri: credentialOffer, txCode: issuanceSession.userPin, credentialType: type.id, format: request.format }
}
