import { dataModelVersion, isDateTimeStamp, type JsonObject, problem, type ProblemDetails, VALIDITY_PROPERTIES } from '@interop-lab/common/vc2'
import type { StepResult } from './results'

export interface ValidityOutcome {
  validFrom?: StepResult
  validUntil?: StepResult
  errors: ProblemDetails[]
}

/**
 * The validity period as the credential's version defines it — VCDM 2.0 §4.9 validFrom/validUntil,
 * VCDM 1.1 §4.6 issuanceDate and §4.8 expirationDate — plus a VC-JOSE envelope's `nbf`/`exp` when
 * present. `skewSeconds` (the agent's clock tolerance) is allowed for a start only: an expired credential is
 * expired however close, as the OID4VP and DIDComm verdicts judge it (one expiry rule for every stack).
 */
export function checkValidity(credential: JsonObject, jwtClaims: JsonObject = {}, skewSeconds = 0, now = Date.now()): ValidityOutcome {
  const outcome: ValidityOutcome = { errors: [] }
  const skew = skewSeconds * 1000
  const { from, until } = VALIDITY_PROPERTIES[dataModelVersion(credential) ?? '2.0']
  const start = credential[from]
  const end = credential[until]
  if (isDateTimeStamp(start)) {
    const verified = Date.parse(start) <= now + skew
    outcome.validFrom = { verified, input: start }
    if (!verified) outcome.errors.push(problem('CREDENTIAL_NOT_YET_VALID', `The credential is not valid before ${start} (${from})`, from))
  }
  if (isDateTimeStamp(end)) {
    const verified = Date.parse(end) > now
    outcome.validUntil = { verified, input: end }
    if (!verified) outcome.errors.push(problem('CREDENTIAL_EXPIRED', `The credential expired at ${end} (${until})`, until))
  }
  if (typeof jwtClaims.nbf === 'number' && jwtClaims.nbf * 1000 > now + skew) outcome.errors.push(problem('CREDENTIAL_NOT_YET_VALID', 'The envelope is not valid yet (nbf)', 'nbf'))
  if (typeof jwtClaims.exp === 'number' && jwtClaims.exp * 1000 <= now) outcome.errors.push(problem('CREDENTIAL_EXPIRED', 'The envelope has expired (exp)', 'exp'))
  return outcome
}
