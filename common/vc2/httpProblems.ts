import { problemTypeOf } from '@interop-lab/contracts'
import type { ErrorRequestHandler } from 'express'
import { DomainError, STATUS_OF_KIND } from '../errors'
import { HttpError } from '../http'
import { isObject } from './dataModel'
import { type LabProblemCode, problem, type ProblemCode, type ProblemDetails } from './problems'

/** A VC API error: answered as an RFC 9457 problem (`application/problem+json`). */
export class ProblemError extends HttpError {
  public constructor(status: number, code: ProblemCode | LabProblemCode, detail: string, property?: string) {
    super(status, code, detail, problem(code, detail, property))
  }
}

const isProblem = (value: unknown): value is ProblemDetails => isObject(value) && typeof value.type === 'string' && typeof value.title === 'string'

function toProblem(error: HttpError): ProblemDetails & { code?: string } {
  if (isProblem(error.details)) return error.details
  // the lab's other errors (401 from requireApiKey, 404 from the status store…) keep their code
  return { type: problemTypeOf(error.code), title: error.code, detail: error.message, code: error.code }
}

/** Our errors, and the JSON body parser's (a body that is not JSON, or too large), which come before any route. */
function asHttpError(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err
  if (err instanceof DomainError) return new HttpError(STATUS_OF_KIND[err.kind], err.code, err.message, err.details)
  const parserError = err as { type?: unknown; status?: unknown; message?: unknown } | undefined
  if (parserError?.type === 'entity.parse.failed') return new ProblemError(400, 'PARSING_ERROR', 'The request body is not valid JSON (VCDM 2.0 §7.2 PARSING_ERROR)')
  if (typeof parserError?.type === 'string' && typeof parserError.status === 'number' && parserError.status >= 400 && parserError.status < 500)
    return new HttpError(parserError.status, parserError.type, String(parserError.message))
  return undefined
}

/**
 * Answers the VC API routes' errors as problem details. A verifier's answer also carries the
 * verification-result fields (`verified: false`, `errors`), which test harnesses read on a 400.
 * Mount it on the app for the API's paths too: body parsing fails before
 * the API's router is reached.
 */
export function problemDetailsHandler(options: { verificationResult?: boolean } = {}): ErrorRequestHandler {
  return (err, _req, res, next) => {
    const error = asHttpError(err)
    if (!error || res.headersSent) return next(err)
    const details = toProblem(error)
    res.status(error.status).type('application/problem+json')
    res.send(JSON.stringify({ ...details, status: error.status, ...(options.verificationResult ? { verified: false, checks: [], warnings: [], errors: [details] } : {}) }))
  }
}
