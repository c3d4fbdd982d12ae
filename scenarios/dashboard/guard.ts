import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { HttpError } from '@interop-lab/common/http'

/** The cookie a browser holds once it has presented the dashboard's token. */
export const SESSION_COOKIE = 'interop_dashboard_session'

/** Names every loopback address answers to; any other Host must be configured. */
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]']

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** Why the dashboard refuses a request before any of its routes runs. */
export class DashboardRefusal extends Error {
  public constructor(
    public readonly reason: 'foreign-host' | 'cross-origin' | 'no-session' | 'wrong-token' | 'not-json',
    message: string,
  ) {
    super(message)
  }
}

const STATUS_OF: Record<DashboardRefusal['reason'], number> = { 'foreign-host': 421, 'cross-origin': 403, 'no-session': 401, 'wrong-token': 401, 'not-json': 415 }
const toHttp = (refusal: DashboardRefusal) => new HttpError(STATUS_OF[refusal.reason], refusal.reason.replaceAll('-', '_'), refusal.message)

/** Runs `check` on each request; a refusal becomes its HTTP answer. */
const guard =
  (check: (req: Request) => void): RequestHandler =>
  (req: Request, _res: Response, next: NextFunction) => {
    try {
      check(req)
      next()
    } catch (error) {
      next(error instanceof DashboardRefusal ? toHttp(error) : error)
    }
  }

const hostnameOf = (host: string): string | undefined => {
  try {
    return new URL(`http://${host}`).hostname
  } catch {
    return undefined
  }
}

/** A fresh dashboard token for each start: 256 random bits. */
export const newDashboardToken = () => randomBytes(32).toString('base64url')

export interface GuardOptions {
  token: string
  /** Host names the dashboard answers for besides loopback (its public address, the address it listens on). */
  extraHosts: string[]
  /** The Host (name:port) of an https public address: the session cookie it sets is Secure (https only). */
  httpsHost?: string
}

/**
 * The dashboard's protection: it answers only for its own host names (DNS rebinding), takes state-changing
 * requests only from its own pages as JSON (CSRF), and serves its API only to a browser holding the session
 * cookie it sets in exchange for the per-start token printed in the console.
 */
export function dashboardGuard(options: GuardOptions) {
  const allowedHosts = new Set([...LOOPBACK_HOSTS, ...options.extraHosts.map((h) => h.toLowerCase())])
  const expected = Buffer.from(options.token)
  const isToken = (presented: string | undefined) => {
    const candidate = Buffer.from(presented ?? '')
    return candidate.length === expected.length && timingSafeEqual(candidate, expected)
  }

  const ownHostOnly = guard((req) => {
    const host = req.headers.host ?? ''
    const name = hostnameOf(host)
    if (!name || !allowedHosts.has(name)) {
      throw new DashboardRefusal(
        'foreign-host',
        `Host '${host}' is not a name this dashboard answers for (${[...allowedHosts].join(', ')}): refused against DNS rebinding (RFC 9110 §15.5.20, 421 Misdirected Request). Open it by one of those names, or start it with --dashboard-url <its public address>.`,
      )
    }
  })

  /** A state-changing request must come from the dashboard's own pages (Fetch Metadata, then Origin) and carry JSON. */
  const sameOriginJsonWrites = guard((req) => {
    if (SAFE_METHODS.has(req.method)) return
    const site = req.header('sec-fetch-site')
    if (site !== undefined && site !== 'same-origin') {
      throw new DashboardRefusal(
        'cross-origin',
        `A ${req.method} from another site (Sec-Fetch-Site: ${site}) is refused: only the dashboard's own pages may act (W3C Fetch Metadata Request Headers, Sec-Fetch-Site; CSRF protection)`,
      )
    }
    const origin = req.header('origin')
    const originHost = origin && origin !== 'null' ? URL.canParse(origin) && new URL(origin).host : undefined
    if (!originHost || originHost !== req.headers.host) {
      throw new DashboardRefusal(
        'cross-origin',
        `A ${req.method} must carry an Origin header naming this dashboard (${req.headers.host}), not ${origin ?? 'none'}: only its own pages may act (RFC 6454 §7 Origin; CSRF protection)`,
      )
    }
    if (!req.is('application/json')) {
      throw new DashboardRefusal(
        'not-json',
        `The dashboard takes JSON only (Content-Type: application/json), not ${req.header('content-type') ?? 'no content type'} (RFC 9110 §15.5.16, 415 Unsupported Media Type)`,
      )
    }
  })

  const sessionOnly = guard((req) => {
    if (!isToken(sessionCookieOf(req))) {
      throw new DashboardRefusal('no-session', 'No dashboard session: open the dashboard link the console printed at start (it ends with #token=…); a link from an earlier start no longer works')
    }
  })

  /** `POST /api/session {token}`: exchanges the printed token for an HttpOnly, SameSite=Strict session cookie. */
  const signIn = (req: Request, res: Response) => {
    const token = typeof req.body?.token === 'string' ? req.body.token : undefined
    if (!isToken(token)) throw toHttp(new DashboardRefusal('wrong-token', "That is not this dashboard's token: open the link the console printed at its latest start"))
    res.cookie(SESSION_COOKIE, options.token, { httpOnly: true, sameSite: 'strict', path: '/', secure: req.headers.host === options.httpsHost })
    res.status(204).end()
  }

  return { ownHostOnly, sameOriginJsonWrites, sessionOnly, signIn }
}

function sessionCookieOf(req: Request): string | undefined {
  for (const pair of (req.header('cookie') ?? '').split(';')) {
    const [name, ...value] = pair.trim().split('=')
    if (name === SESSION_COOKIE) return value.join('=')
  }
  return undefined
}
