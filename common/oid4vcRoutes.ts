import type { Request, RequestHandler, Response } from 'express'

export interface Oid4vcRoutesGuardOptions {
  /** Where Credo mounts the actor routes (`/oid4vci`, `/oid4vp`: the path of the module's `baseUrl`). */
  basePath: string
  /** The issuer or verifier ids this service hosts. */
  actorIds: () => Iterable<string>
  /** `issuer` or `verifier`, for the error message. */
  actor: string
  /** The endpoints (path endings) whose parameters are form-encoded strings by their spec (OAuth token, PAR…). */
  formEndpoints?: string[]
  /** Why the service refuses a request Credo would fail on (a 400 invalid_request), if it does. */
  refusal?: (req: Request) => string | undefined
}

const ERROR_CODES: Record<number, string> = { 401: 'invalid_token', 403: 'access_denied', 404: 'not_found' }

/** An OAuth 2.0 error response (RFC 6749 §5.2), the format of the OID4VCI and OID4VP endpoints. */
function oauthError(res: Response, status: number, error: string, description: string): void {
  res
    .status(status)
    .type('application/json')
    .send(JSON.stringify({ error, error_description: description }))
}

/**
 * Credo refuses an access token with a 403 and a malformed challenge (`Bearer error, error_description, scope`): the
 * answer RFC 6750 §3.1 asks for is a 401 `invalid_token` (or no error code when no token was sent), 403 only for
 * `insufficient_scope`. Returns the body.
 */
function tokenRefusal(res: Response, challenge: string): string {
  // a DPoP-bound token's missing or bad proof is challenged under the DPoP scheme (RFC 9449 §7.1); Credo says Bearer
  const scheme = /^DPoP\b/.test(challenge) || /error="(?:invalid_dpop_proof|use_dpop_nonce)"/.test(challenge) ? 'DPoP' : 'Bearer'
  const error = /error="([^"]+)"/.exec(challenge)?.[1]
  res.type('application/json')
  if (!error) {
    res.status(401).set('WWW-Authenticate', scheme)
    return JSON.stringify({ error: 'invalid_token', error_description: 'This endpoint needs an access token: send Authorization: Bearer <access_token> (RFC 6750 §2.1)' })
  }
  const description =
    error === 'invalid_token'
      ? 'The access token is not valid: altered, expired or not issued by this issuer; ask the token endpoint for a new one (RFC 6750 §3.1 invalid_token)'
      : (/error_description="([^"]*)"/.exec(challenge)?.[1] ?? `The access token was refused (RFC 6750 §3.1 ${error})`)
  res.status(error === 'insufficient_scope' ? 403 : 401).set('WWW-Authenticate', `${scheme} error="${error}", error_description="${description}"`)
  return JSON.stringify({ error, error_description: description })
}

/**
 * In front of Credo's OID4VCI / OID4VP routes (mount it before the agent is created, so before them):
 * a path that is not valid URL encoding gets a 400, and an id this service does not host a 404, both as
 * OAuth errors. Credo would answer the first with a 500 (its error middleware needs the request context
 * its id handler never set) and the second with an HTML "Not found". A POST body must be form or JSON
 * parameters (Credo answers anything else with a 500). The error responses Credo sends without a body
 * (unknown offer, expired session) get an OAuth error body; its refusals of an access token become RFC 6750 answers.
 * A 5xx that still leaves is logged: the service's own checks answer a client's mistakes before Credo sees them.
 */
export function guardOid4vcRoutes(options: Oid4vcRoutesGuardOptions): RequestHandler {
  const base = options.basePath.replace(/\/+$/, '')
  // the actor routes, and the issuer metadata under /.well-known/<document>/<base>/<id>
  const actorPath = new RegExp(`^(?:/\\.well-known/[^/]+)?${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:/([^/]*)(?:/.*)?)?$`)
  return (req, res, next) => {
    const match = actorPath.exec(req.path)
    if (!match) return next()
    let id: string
    try {
      decodeURIComponent(req.path)
      id = decodeURIComponent(match[1] ?? '')
    } catch {
      return oauthError(res, 400, 'invalid_request', 'The request path is not valid URL encoding')
    }
    if (![...options.actorIds()].includes(id)) return oauthError(res, 404, 'not_found', `No ${options.actor} '${id}' here`)
    if (req.method === 'POST') {
      // the app parsed JSON and form bodies; Credo fails (500) on a body it cannot read or one that is not an object
      const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined
      if (hasBody && (typeof req.body !== 'object' || req.body === null)) return oauthError(res, 415, 'invalid_request', 'Send the parameters as application/x-www-form-urlencoded or application/json')
      if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) req.body = {}
      // Credo also reads these as JSON, and answers a parameter that is not a string with a 500
      const form = options.formEndpoints?.some((ending) => req.path.endsWith(ending))
      const notString = form && Object.entries(req.body as object).find(([, value]) => typeof value !== 'string')
      if (notString) return oauthError(res, 400, 'invalid_request', `Parameter '${notString[0]}' must be a string (this endpoint takes application/x-www-form-urlencoded parameters)`)
    }
    const refusal = options.refusal?.(req)
    if (refusal) return oauthError(res, 400, 'invalid_request', refusal)
    const send = res.send.bind(res)
    res.send = (body?: unknown) => {
      // what the request got wrong is answered with a 4xx before Credo sees it; a 5xx left is this service's fault
      if (res.statusCode >= 500)
        console.error(`[${options.actor}] ${req.method} ${req.path} answered ${res.statusCode} (a fault of the service; CREDO_LOG_LEVEL=error shows Credo's trace): ${String(body).slice(0, 300)}`)
      const challenge = res.get('www-authenticate')
      if (challenge && !body && (res.statusCode === 401 || res.statusCode === 403)) return send(tokenRefusal(res, challenge))
      if (res.statusCode < 400 || /json/.test(String(res.get('content-type') ?? ''))) return send(body)
      res.type('application/json')
      const description = typeof body === 'string' && body ? body : `The ${options.actor} refused the request (HTTP ${res.statusCode})`
      return send(JSON.stringify({ error: ERROR_CODES[res.statusCode] ?? 'invalid_request', error_description: description }))
    }
    next()
  }
}
