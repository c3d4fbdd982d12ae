/** An RFC 9457 problem, as VCDM 2.0 §7.2, Data Integrity §4.7, Bitstring Status List §3.5 and VCALM use them. */
export interface ProblemDetails {
  type: string
  title: string
  detail: string
  /** JSON pointer(s) or property names the problem is about, when known. */
  property?: string
}

const VCDM = 'https://www.w3.org/TR/vc-data-model#'
const DATA_INTEGRITY = 'https://w3id.org/security#'
const STATUS_LIST = 'https://www.w3.org/ns/credentials/status-list#'
const VCALM = 'https://www.w3.org/TR/vcalm#'

/** Each problem code and the specification that defines it (its `type` URL prefix). */
export const PROBLEM_TYPES = {
  PARSING_ERROR: VCDM,
  CRYPTOGRAPHIC_SECURITY_ERROR: VCDM,
  MALFORMED_VALUE_ERROR: VCDM,
  RANGE_ERROR: VCDM,
  PROOF_GENERATION_ERROR: DATA_INTEGRITY,
  PROOF_VERIFICATION_ERROR: DATA_INTEGRITY,
  PROOF_TRANSFORMATION_ERROR: DATA_INTEGRITY,
  INVALID_DOMAIN_ERROR: DATA_INTEGRITY,
  INVALID_CHALLENGE_ERROR: DATA_INTEGRITY,
  STATUS_RETRIEVAL_ERROR: STATUS_LIST,
  STATUS_VERIFICATION_ERROR: STATUS_LIST,
  STATUS_LIST_LENGTH_ERROR: STATUS_LIST,
  UNKNOWN_OPTION_PROVIDED: VCALM,
} as const

export type ProblemCode = keyof typeof PROBLEM_TYPES

/**
 * The lab's own problem types, for outcomes the specifications name but give no code: a credential
 * outside its validity period, revoked or suspended by its issuer, or unknown to the issuer asked about it.
 */
const LAB = 'https://interop-lab.ca/problems#'
export const LAB_PROBLEM_TYPES = {
  CREDENTIAL_EXPIRED: LAB,
  CREDENTIAL_NOT_YET_VALID: LAB,
  CREDENTIAL_REVOKED: LAB,
  CREDENTIAL_SUSPENDED: LAB,
  CREDENTIAL_NOT_FOUND: LAB,
} as const

export type LabProblemCode = keyof typeof LAB_PROBLEM_TYPES

export function problem(code: ProblemCode | LabProblemCode, detail: string, property?: string): ProblemDetails {
  const prefix = code in PROBLEM_TYPES ? PROBLEM_TYPES[code as ProblemCode] : LAB_PROBLEM_TYPES[code as LabProblemCode]
  return { type: `${prefix}${code}`, title: code, detail, ...(property ? { property } : {}) }
}
