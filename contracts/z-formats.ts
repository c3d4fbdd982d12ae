import { z } from 'zod'

/** The credential formats the lab issues, holds and verifies. */
export const CREDENTIAL_FORMATS = ['dc+sd-jwt', 'jwt_vc_json', 'ldp_vc', 'anoncreds'] as const
export type CredentialFormat = (typeof CREDENTIAL_FORMATS)[number]
export const credentialFormatSchema = z.enum(CREDENTIAL_FORMATS)

/** ISO 18013-5 mdoc, over OID4VCI and OID4VP (DCQL), for the credential types that declare a doctype: not yet a matrix column. */
export const MDOC_FORMAT = 'mso_mdoc'
/** Every format an offer, a presentation request or a held credential may be in: the matrix's, and mdoc. */
export const REQUESTABLE_FORMATS = [...CREDENTIAL_FORMATS, MDOC_FORMAT] as const
export type RequestableFormat = (typeof REQUESTABLE_FORMATS)[number]
export const requestableFormatSchema = z.enum(REQUESTABLE_FORMATS)

/** How credentials travel: OpenID for Verifiable Credentials (OID4VCI / OID4VP 1.0) or DIDComm v1 (Aries). */
export const PROTOCOLS = ['oid4vc', 'didcomm'] as const
export type Protocol = (typeof PROTOCOLS)[number]
export const protocolSchema = z.enum(PROTOCOLS)

/** DIDComm only: the message attached to a connectionless invitation (RFC 0434), or to one asking for a DID Exchange 1.1 connection first (RFC 0023). */
export const DIDCOMM_CONNECTIONS = ['connectionless', 'did-exchange'] as const
export type DidCommConnection = (typeof DIDCOMM_CONNECTIONS)[number]
export const didCommConnectionSchema = z.enum(DIDCOMM_CONNECTIONS)

export const localizedTextSchema = z.object({ en: z.string(), fr: z.string() })

/** What a service answers at `GET /capabilities`. */
export const capabilitiesSchema = z.object({
  protocols: z.partialRecord(protocolSchema, z.array(credentialFormatSchema)),
  /** Formats this service will speak but cannot yet (an AnonCreds credential definition still generating), and why. */
  pending: z.partialRecord(credentialFormatSchema, z.string()).optional(),
})

export const healthSchema = z.looseObject({ status: z.literal('ok'), service: z.string() })
