import type { CredentialFormat } from './credentialTypes'
import { MDOC_FORMAT, type Profile, PROTOCOLS, type Protocol, REQUESTABLE_FORMATS, type RequestableFormat } from '@interop-lab/contracts'

/** How credentials travel: OpenID for Verifiable Credentials (OID4VCI / OID4VP 1.0) or DIDComm v1 (Aries). */
export { PROTOCOLS, type Protocol }

/** The formats each protocol carries in this lab. */
export const PROTOCOL_FORMATS: Record<Protocol, readonly CredentialFormat[]> = {
  oid4vc: ['dc+sd-jwt', 'jwt_vc_json', MDOC_FORMAT],
  didcomm: ['ldp_vc', 'anoncreds'],
}

/**
 * The W3C VC API as a matrix column: an issuer signs what it is sent (`/credentials/issue`), a verifier verifies what
 * it is sent (`/presentations/verify`). It has no offer or request of its own, so the services' admin APIs do not make
 * its exchanges: the runner's `vc-api` drivers do.
 */
export const VC_API = 'vc-api'
export const VC_API_FORMATS: readonly CredentialFormat[] = ['ldp_vc']
/**
 * OpenID4VC High Assurance Interoperability Profile 1.0 as a matrix column: its exchanges travel over `oid4vc` with
 * `profile: 'haip'` on every offer and verification (ES256 under X.509 chains, OID4VCI authorization code with PAR,
 * PKCE, DPoP and wallet attestation, OID4VP signed requests with x509 client ids and encrypted responses). HAIP 1.0
 * names two formats: SD-JWT VC and mdoc.
 */
export const HAIP = 'haip'
export const HAIP_FORMATS: readonly RequestableFormat[] = ['dc+sd-jwt', MDOC_FORMAT]
/** The matrix's protocol columns. */
export const MATRIX_PROTOCOLS = [...PROTOCOLS, VC_API, HAIP] as const
export type MatrixProtocol = (typeof MATRIX_PROTOCOLS)[number]
/** What a party's exchange is asked to travel over: a matrix column other than `haip`, whose exchanges are OID4VC ones. */
export type ExchangeProtocol = Exclude<MatrixProtocol, typeof HAIP>
/** The formats a matrix column carries. */
export const matrixFormatsOver = (protocol: MatrixProtocol): readonly RequestableFormat[] => (protocol === VC_API ? VC_API_FORMATS : protocol === HAIP ? HAIP_FORMATS : PROTOCOL_FORMATS[protocol])
/** How a matrix column's exchanges travel: its protocol, and the profile they follow (`haip`: OID4VC under HAIP 1.0). */
export const exchangeOf = (column: MatrixProtocol): { protocol: ExchangeProtocol; profile?: Profile } => (column === HAIP ? { protocol: 'oid4vc', profile: 'haip' } : { protocol: column })

export { MDOC_FORMAT, REQUESTABLE_FORMATS, type RequestableFormat }

/** The formats a protocol carries here. */
export const formatsOver = (protocol: Protocol): readonly RequestableFormat[] => PROTOCOL_FORMATS[protocol]

/**
 * What a format cannot show, by the check a scenario expects to fail: a variant or step that relies on one of these
 * is not applicable to the format (reported with this reason), never a failure.
 */
export const FORMAT_LIMITS: Partial<Record<RequestableFormat, Record<string, string>>> = {
  anoncreds: {
    expiry: 'AnonCreds credentials carry no expiry date',
    status: 'AnonCreds revocation is not supported on the WASM backend (no revocation registries)',
    'holder-binding': "AnonCreds binds a credential to the holder's link secret, not to a key a wallet could swap",
  },
  mso_mdoc: {
    nonce:
      'An mdoc DeviceResponse carries no nonce to compare: the request is bound only through the session transcript its device signature covers (OID4VP 1.0 Appendix B.2.6.1), so a replay is refused on holder-binding',
  },
}

/** Why `format` cannot show a failure of `check`, or undefined when it can. */
export const formatLimit = (format: CredentialFormat, check: string | undefined): string | undefined => (check ? FORMAT_LIMITS[format]?.[check] : undefined)

/** What a service answers at `GET /capabilities`. */
export interface Capabilities {
  protocols: Partial<Record<Protocol, CredentialFormat[]>>
  /** Formats this service will speak but cannot yet (an AnonCreds credential definition still generating), and why. */
  pending?: Partial<Record<CredentialFormat, string>>
}

export const supports = (capabilities: Capabilities, protocol: Protocol, format: CredentialFormat) => capabilities.protocols[protocol]?.includes(format) ?? false

/** The protocol a format travels over here, when a caller names only the format. */
export const protocolOf = (format: RequestableFormat): Protocol => ((PROTOCOL_FORMATS.didcomm as readonly string[]).includes(format) ? 'didcomm' : 'oid4vc')

/** The capabilities of a service speaking every protocol in every format the lab knows. */
export const fullCapabilities = (): Capabilities => ({ protocols: { oid4vc: [...PROTOCOL_FORMATS.oid4vc], didcomm: [...PROTOCOL_FORMATS.didcomm] } })

/** An out-of-band invitation (`?oob=`), a legacy connection invitation (`?c_i=`) or a connectionless message (`?d_m=`). */
export function isDidCommInvitationUrl(url: string): boolean {
  try {
    const { searchParams } = new URL(url)
    return searchParams.has('oob') || searchParams.has('c_i') || searchParams.has('d_m')
  } catch {
    return false
  }
}
