import type { ErrorRequestHandler } from 'express'
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

function toProblem(error: HttpError): ProblemDetails {
  if (isProblem(error.details)) return error.details
  // the lab's other errors (401 from requireApiKey, 404 from the status store…) keep their code
  return { type: `https://interop-lab.ca/problems#${error.code}`, title: error.code, detail: error.message }
}

/**
 * Answers the VC API routes' errors as problem details. A verifier's answer also carries the
 * verification-result fields (`verified: false`, `errors`), which test harnesses read on a 400.
 */
export function problemDetailsHandler(options: { verificationResult?: boolean } = {}): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (!(err instanceof HttpError) || res.headersSent) return next(err)
    const details = toProblem(err)
    res.status(err.status).type('application/problem+json')
    res.send(JSON.stringify({ ...details, status: err.status, ...(options.verificationResult ? { verified: false, checks: [], warnings: [], errors: [details] } : {}) }))
  }
}
