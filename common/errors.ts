/**
 * What went wrong, in domain terms: domain code throws a `DomainError` with a code from its own union and a kind; the
 * HTTP edge (common/http.ts) picks the status from the kind and answers RFC 9457 problem details. HTTP statuses stay
 * at the edge (route handlers, `HttpError`).
 */
export type DomainErrorKind = 'invalid' | 'unauthenticated' | 'forbidden' | 'not-found' | 'conflict' | 'unprocessable' | 'unavailable' | 'upstream'

export const STATUS_OF_KIND: Record<DomainErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  unprocessable: 422,
  unavailable: 503,
  upstream: 502,
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
