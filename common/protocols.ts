import type { CredentialFormat } from './credentialTypes'

/** How credentials travel: OpenID for Verifiable Credentials (OID4VCI / OID4VP 1.0) or DIDComm v1 (Aries). */
export const PROTOCOLS = ['oid4vc', 'didcomm'] as const
export type Protocol = (typeof PROTOCOLS)[number]

/** The formats each protocol carries in this lab. */
export const PROTOCOL_FORMATS: Record<Protocol, readonly CredentialFormat[]> = {
  oid4vc: ['dc+sd-jwt', 'jwt_vc_json'],
  didcomm: ['ldp_vc', 'anoncreds'],
}

/**
 * What a format cannot show, by the check a scenario expects to fail: a variant or step that relies on one of these
 * is not applicable to the format (reported with this reason), never a failure.
 */
export const FORMAT_LIMITS: Partial<Record<CredentialFormat, Record<string, string>>> = {
  anoncreds: {
    expiry: 'AnonCreds credentials carry no expiry date',
    status: 'AnonCreds revocation is not supported on the WASM backend (no revocation registries)',
    'holder-binding': "AnonCreds binds a credential to the holder's link secret, not to a key a wallet could swap",
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
export const protocolOf = (format: CredentialFormat): Protocol => (PROTOCOL_FORMATS.didcomm.includes(format) ? 'didcomm' : 'oid4vc')

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
