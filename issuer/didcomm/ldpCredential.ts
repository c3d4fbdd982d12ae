import type { JsonObject } from '@credo-ts/core'
import type { JsonCredential } from '@credo-ts/didcomm'
import type { CredentialType } from '@interop-lab/common/credentialTypes'
import { LDP_CREDENTIAL_CONTEXTS } from '@interop-lab/common/didcomm/ldp'
import { bitstringStatusEntry } from '@interop-lab/common/status'
import type { OfferMetadata } from '../credentialMapper'

/**
 * The unsigned W3C JSON-LD credential (VCDM 1.1) an offer carries: every claim defined by a bundled
 * context, the status as a Bitstring Status List entry, and no subject id (the holder names itself).
 */
export function ldpCredential(type: CredentialType, issuerDid: string, offer: OfferMetadata, issuedAt = new Date()): JsonCredential {
  return {
    '@context': [...LDP_CREDENTIAL_CONTEXTS],
    type: [...type.w3cType],
    issuer: issuerDid,
    issuanceDate: issuedAt.toISOString(),
    ...(offer.validUntil ? { expirationDate: new Date(offer.validUntil).toISOString() } : {}),
    credentialSubject: { ...(offer.claims as JsonObject) },
    ...(offer.status ? { credentialStatus: { ...bitstringStatusEntry(offer.status.index, offer.status.bitstringUri) } } : {}),
  }
}
