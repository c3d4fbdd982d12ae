/**
 * What went wrong, in domain terms: domain code throws a `DomainError` with a code from its own union and a kind; the
 * HTTP edge (common/http.ts) picks the status from the kind and answers RFC 9457 problem details. HTTP statuses stay
 * at the edge (route handlers, `HttpError`). `internal` is the service's own failure, not the caller's or a peer's.
 */
export type DomainErrorKind = 'invalid' | 'unauthenticated' | 'forbidden' | 'not-found' | 'conflict' | 'unprocessable' | 'unavailable' | 'upstream' | 'internal'

export const STATUS_OF_KIND: Record<DomainErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  unprocessable: 422,
  unavailable: 503,
  upstream: 502,
  internal: 500,
}

export class DomainError<Code extends string = string> extends Error {
  public constructor(
    public readonly kind: DomainErrorKind,
    public readonly code: Code,
    message: string,
    public readonly details?: unknown,
  ) {
    super(message)
    this.name = new.target.name
  }
}

/** Input outside its schema; `details` lists each invalid field (`{ path, message }`). */
export class InvalidInputError extends DomainError<'invalid_request'> {}
