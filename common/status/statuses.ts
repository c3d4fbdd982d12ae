/** What the issuer says about one credential. */
export type CredentialStatus = 'valid' | 'revoked' | 'suspended'

export const CREDENTIAL_STATUSES = ['valid', 'revoked', 'suspended'] as const satisfies readonly CredentialStatus[]

/** IETF Token Status List values: 0x00 VALID, 0x01 INVALID (revoked for good), 0x02 SUSPENDED. */
export const TOKEN_STATUS_CODES: Record<CredentialStatus, number> = { valid: 0, revoked: 1, suspended: 2 }

/** W3C Bitstring Status List purposes we publish: each is its own 1-bit view of the same entries. */
export type BitstringPurpose = 'revocation' | 'suspension'

export const BITSTRING_PURPOSE_STATUS: Record<BitstringPurpose, CredentialStatus> = { revocation: 'revoked', suspension: 'suspended' }

export function statusForTokenCode(code: number): CredentialStatus | undefined {
  return CREDENTIAL_STATUSES.find((status) => TOKEN_STATUS_CODES[status] === code)
}
