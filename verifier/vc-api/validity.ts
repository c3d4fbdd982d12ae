import { isDateTimeStamp, type JsonObject, problem, type ProblemDetails } from '../../common/vc2'
import type { StepResult } from './results'

export interface ValidityOutcome {
  validFrom?: StepResult
  validUntil?: StepResult
  errors: ProblemDetails[]
}

/**
 * VCDM 2.0 §4.9 validity period, plus a VC-JOSE envelope's `nbf`/`exp` when present; `skewSeconds`
 * (the agent's clock tolerance) is allowed either way.
 */
export function checkValidity(credential: JsonObject, jwtClaims: JsonObject = {}, skewSeconds = 0, now = Date.now()): ValidityOutcome {
  const outcome: ValidityOutcome = { errors: [] }
  const skew = skewSeconds * 1000
  const { validFrom, validUntil } = credential
  if (isDateTimeStamp(validFrom)) {
    const verified = Date.parse(validFrom) <= now + skew
    outcome.validFrom = { verified, input: validFrom }
    if (!verified) outcome.errors.push(problem('CREDENTIAL_NOT_YET_VALID', `The credential is not valid before ${validFrom}`, 'validFrom'))
  }
  if (isDateTimeStamp(validUntil)) {
    const verified = Date.parse(validUntil) >= now - skew
    outcome.validUntil = { verified, input: validUntil }
    if (!verified) outcome.errors.push(problem('CREDENTIAL_EXPIRED', `The credential expired at ${validUntil}`, 'validUntil'))
  }
  if (typeof jwtClaims.nbf === 'number' && jwtClaims.nbf * 1000 > now + skew) outcome.errors.push(problem('CREDENTIAL_NOT_YET_VALID', 'The envelope is not valid yet (nbf)', 'nbf'))
  if (typeof jwtClaims.exp === 'number' && jwtClaims.exp * 1000 < now - skew) outcome.errors.push(problem('CREDENTIAL_EXPIRED', 'The envelope has expired (exp)', 'exp'))
  return outcome
}
