import { type BitsPerStatus, encodeBitstring, encodeTokenStatusList } from './encoding'
import type { BitstringPurpose } from './statuses'

export const STATUS_LIST_JWT_TYP = 'statuslist+jwt'
export const STATUS_LIST_JWT_MEDIA_TYPE = 'application/statuslist+jwt'
export const VC_JWT_MEDIA_TYPE = 'application/vc+jwt'
export const BITSTRING_STATUS_LIST_CONTEXT = 'https://www.w3.org/ns/credentials/status/v1'
const CREDENTIALS_CONTEXT_V1 = 'https://www.w3.org/2018/credentials/v1'

export interface Validity {
  /** Seconds since the epoch. */
  issuedAt: number
  /** How long the signed list stays valid. */
  validitySeconds: number
  /** How long a relying party may cache it before fetching again. */
  ttlSeconds: number
}

/**
 * Claims of an IETF Status List Token (draft-ietf-oauth-status-list §5.1): `sub` is the URI that
 * referenced tokens carry in `status.status_list.uri`.
 */
export function statusListTokenClaims(options: Validity & { uri: string; issuer: string; codes: Uint8Array; bits: BitsPerStatus }): Record<string, unknown> {
  return {
    sub: options.uri,
    iss: options.issuer,
    iat: options.issuedAt,
    exp: options.issuedAt + options.validitySeconds,
    ttl: options.ttlSeconds,
    status_list: encodeTokenStatusList(options.codes, options.bits),
  }
}

/**
 * A W3C Bitstring Status List credential as a VC-JWT (VCDM 1.1, the form Credo issues and
 * verifies as `jwt_vc_json`): `jti` is the URL credentials carry in `statusListCredential`.
 */
export function bitstringStatusListCredentialClaims(
  options: Validity & { url: string; issuer: string; purpose: BitstringPurpose; setIndexes: Iterable<number>; length: number },
): Record<string, unknown> {
  return {
    iss: options.issuer,
    jti: options.url,
    sub: `${options.url}#list`,
    nbf: options.issuedAt,
    iat: options.issuedAt,
    exp: options.issuedAt + options.validitySeconds,
    vc: {
      '@context': [CREDENTIALS_CONTEXT_V1, BITSTRING_STATUS_LIST_CONTEXT],
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      credentialSubject: {
        type: 'BitstringStatusList',
        statusPurpose: options.purpose,
        encodedList: encodeBitstring(options.setIndexes, options.length),
        ttl: options.ttlSeconds * 1000,
      },
    },
  }
}
