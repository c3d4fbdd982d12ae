import type { CredentialFormat } from './credentialTypes'
import { MDOC_FORMAT, PROTOCOLS, type Protocol, REQUESTABLE_FORMATS, type RequestableFormat } from '@interop-lab/contracts'

/** How credentials travel: OpenID for Verifiable Credentials (OID4VCI / OID4VP 1.0) or DIDComm v1 (Aries). */
export { PROTOCOLS, type Protocol }

/** The formats each protocol carries in this lab. */
export const PROTOCOL_FORMATS: Record<Protocol, readonly CredentialFormat[]> = {
  oid4vc: ['dc+sd-jwt', 'jwt_vc_json'],
  didcomm: ['ldp_vc', 'anoncreds'],
}

/**
 * The W3C VC API as a matrix column: an issuer signs what it is sent (`/credentials/issue`), a verifier verifies what
 * it is sent (`/presentations/verify`). It has no offer or request of its own, so the services' admin APIs do not make
 * its exchanges: the runner's `vc-api` drivers do.
 */
export const VC_API = 'vc-api'
export const VC_API_FORMATS: readonly CredentialFormat[] = ['ldp_vc']
/** The matrix's protocol columns. */
export const MATRIX_PROTOCOLS = [...PROTOCOLS, VC_API] as const
export type MatrixProtocol = (typeof MATRIX_PROTOCOLS)[number]
/** The formats a matrix column carries. */
export const matrixFormatsOver = (protocol: MatrixProtocol): readonly CredentialFormat[] => (protocol === VC_API ? VC_API_FORMATS : PROTOCOL_FORMATS[protocol])

export { MDOC_FORMAT, REQUESTABLE_FORMATS, type RequestableFormat }

/** The formats a protocol carries here, mdoc included. */
export const formatsOver = (protocol: Protocol): readonly RequestableFormat[] => (protocol === 'oid4vc' ? [...PROTOCOL_FORMATS.oid4vc, MDOC_FORMAT] : PROTOCOL_FORMATS.didcomm)

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
    status: "The lab's mdocs carry no status: the Token Status List for mdoc (an MSO `status`) is not implemented",
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
