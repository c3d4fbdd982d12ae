import { ClaimFormat, W3cCredential, W3cCredentialSubject, W3cIssuer, parseDid, w3cDate } from '@credo-ts/core'
import type { OpenId4VciCredentialRequestToCredentialMapper } from '@credo-ts/openid4vc'
import type { CredentialType } from '@interop-lab/common/credentialTypes'
import { bitstringStatusEntry, w3cCredentialStatus } from '@interop-lab/common/status'
import { parseConfigurationId } from './credentialConfigurations'
import type { PartyIdentity } from '@interop-lab/common/identities'
import { MDOC_FORMAT } from '@interop-lab/common/protocols'
import type { CertificateChain } from '@interop-lab/common/x509/authorities'
import { DateOnly } from '@animo-id/mdoc'
import type { StatusListSigning } from './status'
import type { StatusMdocSignOptions } from './msoStatus'

/** What an offer carries to the moment the wallet asks for the credential (stored in the issuance session). */
export interface OfferMetadata extends Record<string, unknown> {
  issuerKey: string
  claims: Record<string, unknown>
  /** ISO date-time after which the credential is no longer valid. */
  validUntil?: string
  /** Where the credential's status is published, when the issuer tracks it: the Status List Token signed as the credential is (`listUris`), and the W3C list. */
  status?: { listUris: Record<StatusListSigning, string>; index: number; bitstringUri: string }
}

export interface MapperContext {
  identities: Map<string, PartyIdentity>
  types: Map<string, CredentialType>
  /** The jurisdiction's mdoc document signer certificate (its key in the KMS) and IACA, by issuer key. */
  mdocSigner: (issuerKey: string) => Promise<CertificateChain>
  /** The issuer's X.509 signing certificate and the URL it certifies (its `iss`), by issuer key. */
  x509Signer: (issuerKey: string) => Promise<CertificateChain & { issuerUrl: string }>
}

const DAY_MS = 24 * 60 * 60 * 1000

const epochSeconds = (iso: string) => Math.floor(new Date(iso).getTime() / 1000)

/** An mdoc's data elements: the type's dates as full-date (CBOR tag 1004, RFC 8943), as ISO 18013-5 encodes them. */
const dataElements = (type: CredentialType, claims: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(claims).map(([name, value]) => [name, type.claims[name]?.type === 'date' && typeof value === 'string' ? new DateOnly(value) : value]))

/** The Token Status List reference a credential carries, pointing at the list token signed as the credential is. */
const statusReference = (status: OfferMetadata['status'], signing: StatusListSigning) => (status ? { status_list: { idx: status.index, uri: status.listUris[signing] } } : undefined)

/** Turns an accepted offer into signed credentials: SD-JWT VC with every claim selectively disclosable, or a W3C JWT VC. */
export function createCredentialMapper(context: MapperContext): OpenId4VciCredentialRequestToCredentialMapper {
  return async ({ issuanceSession, credentialConfigurationId, holderBinding }) => {
    const offer = issuanceSession.issuanceMetadata as OfferMetadata
    const identity = context.identities.get(offer.issuerKey)
    const { typeId, format, signing } = parseConfigurationId(credentialConfigurationId)
    const type = context.types.get(typeId)
    if (!identity || !type) throw new Error(`Offer refers to unknown issuer ${offer.issuerKey} or type ${typeId}`)

    if (format === MDOC_FORMAT) {
      if (!type.mdoc) throw new Error(`${typeId} has no mdoc doctype`)
      const signer = await context.mdocSigner(offer.issuerKey)
      const { docType, namespace, validForDays } = type.mdoc
      const signed = new Date()
      return {
        type: 'credentials',
        format: ClaimFormat.MsoMdoc,
        credentials: holderBinding.keys.map((holder): StatusMdocSignOptions => {
          if (holder.method !== 'jwk') throw new Error('An mdoc is bound to a device key (ISO 18013-5 §9.1.3): the proof must carry a jwk')
          return {
            docType,
            issuerCertificate: signer.leaf.certificate,
            holderKey: holder.jwk,
            namespaces: { [namespace]: dataElements(type, offer.claims) },
            validityInfo: { signed, validFrom: signed, validUntil: offer.validUntil ? new Date(offer.validUntil) : new Date(signed.getTime() + validForDays * DAY_MS) },
            status: statusReference(offer.status, 'mdoc'),
          }
        }),
      }
    }

    if (format === 'dc+sd-jwt') {
      const x509 = signing === 'x509' ? await context.x509Signer(offer.issuerKey) : undefined
      const status = statusReference(offer.status, signing)
      return {
        type: 'credentials',
        format: ClaimFormat.SdJwtDc,
        credentials: holderBinding.keys.map((holder) => ({
          payload: {
            vct: type.vct,
            ...offer.claims,
            ...(offer.validUntil ? { exp: epochSeconds(offer.validUntil) } : {}),
            ...(status ? { status } : {}),
          },
          holder,
          // HAIP: the trust anchor is not sent in x5c, only the certificates below it
          issuer: x509 ? { method: 'x5c', x5c: [x509.leaf.certificate], issuer: x509.issuerUrl } : { method: 'did', didUrl: identity.kid },
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
