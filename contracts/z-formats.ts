import { z } from 'zod'

/** ISO 18013-5 mdoc, over OID4VCI and OID4VP (DCQL), for the credential types that declare a doctype. */
export const MDOC_FORMAT = 'mso_mdoc'
/** The credential formats the lab issues, holds and verifies: the matrix's formats. */
export const CREDENTIAL_FORMATS = ['dc+sd-jwt', 'jwt_vc_json', 'ldp_vc', 'anoncreds', MDOC_FORMAT] as const
export type CredentialFormat = (typeof CREDENTIAL_FORMATS)[number]
export const credentialFormatSchema = z.enum(CREDENTIAL_FORMATS)

/** @deprecated The credential formats themselves, since mdoc became a matrix format: use CREDENTIAL_FORMATS / CredentialFormat / credentialFormatSchema. */
export const REQUESTABLE_FORMATS = CREDENTIAL_FORMATS
export type RequestableFormat = CredentialFormat
export const requestableFormatSchema = credentialFormatSchema

/** How credentials travel: OpenID for Verifiable Credentials (OID4VCI / OID4VP 1.0) or DIDComm v1 (Aries). */
export const PROTOCOLS = ['oid4vc', 'didcomm'] as const
export type Protocol = (typeof PROTOCOLS)[number]
export const protocolSchema = z.enum(PROTOCOLS)

/** DIDComm only: the message attached to a connectionless invitation (RFC 0434), or to one asking for a DID Exchange 1.1 connection first (RFC 0023). */
export const DIDCOMM_CONNECTIONS = ['connectionless', 'did-exchange'] as const
export type DidCommConnection = (typeof DIDCOMM_CONNECTIONS)[number]
export const didCommConnectionSchema = z.enum(DIDCOMM_CONNECTIONS)

/**
 * A profile an exchange follows on top of its protocol: `haip`, OpenID4VC High Assurance Interoperability Profile 1.0
 * (ES256 with X.509 chains; OID4VCI authorization code + PAR + PKCE + DPoP with wallet attestation; OID4VP signed
 * request by reference with an x509_hash or x509_san_dns client id, direct_post.jwt, DCQL, KB always).
 */
export const PROFILES = ['haip'] as const
export type Profile = (typeof PROFILES)[number]
export const profileSchema = z.enum(PROFILES)

export const localizedTextSchema = z.object({ en: z.string(), fr: z.string() })

/** What a service answers at `GET /capabilities`. */
export const capabilitiesSchema = z.object({
  protocols: z.partialRecord(protocolSchema, z.array(credentialFormatSchema)),
  /** Formats this service will speak but cannot yet (an AnonCreds credential definition still generating), and why. */
  pending: z.partialRecord(credentialFormatSchema, z.string()).optional(),
})

export const healthSchema = z.looseObject({ status: z.literal('ok'), service: z.string() })
