import type { ProblemDetails } from '@interop-lab/common/vc2'

/** What the verifier checks; `proof` (and the data model) always, the others unless the caller leaves them out. */
export const VERIFICATION_CHECKS = ['proof', 'validity', 'credentialStatus'] as const
export type VerificationCheck = (typeof VERIFICATION_CHECKS)[number]

export interface StepResult {
  verified: boolean
  input: unknown
  problemDetails?: ProblemDetails[]
}

export interface StatusEntryResult extends StepResult {
  /** The status read from the list (not 0: revoked or suspended for those purposes); statusSize bits wide. */
  value?: number
  /** For the `message` purpose: the entry's statusMessage for that value. */
  message?: string
}

/**
 * VCDM 2.0 §7.1 verification output with VCALM's per-step `results`: `verified` is false exactly
 * when `errors` is not empty.
 */
export interface CredentialVerification {
  verified: boolean
  checks: VerificationCheck[]
  warnings: ProblemDetails[]
  errors: ProblemDetails[]
  mediaType: 'application/vc' | 'application/vc+jwt'
  /** Who secured the credential (its issuer, once the proof verified). */
  controller?: string
  /** The verified credential (for an enveloped one, the JWS payload). */
  document?: Record<string, unknown>
  results: {
    proof: StepResult[]
    validFrom?: StepResult
    validUntil?: StepResult
    credentialStatus?: StatusEntryResult[]
  }
}
