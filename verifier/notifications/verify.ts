import { compactVerify, createRemoteJWKSet, decodeProtectedHeader, errors } from 'jose'
import { DomainError } from '@interop-lab/common/errors'
import { parseInput } from '@interop-lab/common/http'
import { NOTIFICATION_ALGORITHMS, NOTIFICATION_JWS_TYPE, notificationPayloadSchema, type NotificationPayload } from '@interop-lab/common/notifications/contract'

export interface NotificationVerifierOptions {
  publisherJwksUrl: string
  /** How long fetched publisher keys are used before fetching again (default 10 minutes). */
  jwksCacheMaxAgeMs?: number
}

export type NotificationVerifier = (jws: string) => Promise<NotificationPayload>

/** Why a notification was refused, by check; the HTTP edge answers it as a problem, its status from the kind. */
export type NotificationErrorCode =
  | 'invalid_jws'
  | 'missing_jws'
  | 'invalid_notification'
  | 'wrong_recipient'
  | 'invalid_signature'
  | 'unknown_signing_key'
  | 'unsupported_algorithm'
  | 'publisher_keys_unavailable'
export class NotificationError extends DomainError<NotificationErrorCode> {}

/**
 * Checks a notification against the publisher's JWKS (fetched on first use, cached, fetched
 * again when an unknown `kid` shows up after a rotation) and returns its payload, or throws a NotificationError:
 * invalid (malformed), unauthenticated (not signed by the publisher), unavailable (publisher keys unreachable).
 */
export function createNotificationVerifier(options: NotificationVerifierOptions): NotificationVerifier {
  const publisherKeys = createRemoteJWKSet(new URL(options.publisherJwksUrl), {
    cacheMaxAge: options.jwksCacheMaxAgeMs ?? 600_000,
    timeoutDuration: 5_000,
  })
  return async (jws) => {
    let header: ReturnType<typeof decodeProtectedHeader>
    try {
      header = decodeProtectedHeader(jws)
    } catch {
      throw new NotificationError('invalid', 'invalid_jws', 'The notification is not a compact JWS (header.payload.signature)')
    }
    if (header.typ !== NOTIFICATION_JWS_TYPE) throw new NotificationError('invalid', 'invalid_jws', `The JWS header typ must be '${NOTIFICATION_JWS_TYPE}'`)
    if (typeof header.kid !== 'string' || !header.kid) throw new NotificationError('invalid', 'invalid_jws', 'The JWS header has no kid naming the signing key')
    let payload: Uint8Array
    try {
      ;({ payload } = await compactVerify(jws, publisherKeys, { algorithms: [...NOTIFICATION_ALGORITHMS] }))
    } catch (error) {
      throw verificationError(error, header.kid, options.publisherJwksUrl)
    }
    let claims: unknown
    try {
      claims = JSON.parse(new TextDecoder().decode(payload))
    } catch {
      throw new NotificationError('invalid', 'invalid_notification', 'The JWS payload is not JSON')
    }
    return parseInput(notificationPayloadSchema, claims)
  }
}

function verificationError(error: unknown, kid: string, jwksUrl: string): NotificationError {
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new NotificationError('unauthenticated', 'invalid_signature', `The signature does not verify with the publisher's key ${kid}: the notification was altered or not signed by the publisher`)
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new NotificationError('unauthenticated', 'unknown_signing_key', `No key '${kid}' in the publisher's key set (${jwksUrl})`)
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new NotificationError('invalid', 'unsupported_algorithm', `Notifications must be signed with ${NOTIFICATION_ALGORITHMS.join(' or ')}`)
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JOSENotSupported) {
    return new NotificationError('invalid', 'invalid_jws', `The notification is not a valid JWS: ${error.message}`)
  }
  // The publisher's JWKS could not be fetched or read: not the sender's fault, and worth a retry.
  const reason = error instanceof Error ? error.message : String(error)
  return new NotificationError('unavailable', 'publisher_keys_unavailable', `The publisher's keys could not be fetched from ${jwksUrl} (${reason}); try again later`)
}
