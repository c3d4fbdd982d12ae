import type { Agent } from '@credo-ts/core'
import { OpenId4VcIssuanceSessionState, OpenId4VcIssuerService } from '@credo-ts/openid4vc'
import { createHash, timingSafeEqual } from 'node:crypto'
import { type Request, type RequestHandler, type Response, Router } from 'express'
import type { Database, Migration } from '@interop-lab/common/db'

export const redemptionMigrations: Migration[] = [
  {
    id: 'oid4vci-redemption-1',
    sql: `CREATE TABLE credential_request_claims (token_hash TEXT PRIMARY KEY, claimed_at TEXT NOT NULL);
      CREATE TABLE tx_code_failures (session_id TEXT PRIMARY KEY, failures INTEGER NOT NULL, last_failed_at TEXT NOT NULL)`,
  },
  { id: 'oid4vci-redemption-2', sql: 'CREATE TABLE pre_authorized_code_claims (code_hash TEXT PRIMARY KEY, claimed_at TEXT NOT NULL)' },
]

/** Wrong transaction codes an offer survives; the next wrong one locks it for good. */
export const MAX_WRONG_TX_CODES = 5

const PRE_AUTHORIZED_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code'

export interface RedemptionDependencies {
  agent: Agent
  db: Database
}

/** An OAuth 2.0 error response (RFC 6749 §5.2), as the OID4VCI endpoints answer. */
function refuse(res: Response, error: string, description: string): void {
  res.status(400).set('Cache-Control', 'no-store').json({ error, error_description: description })
}

const sameCode = (given: string, expected: string) => {
  const [a, b] = [Buffer.from(given), Buffer.from(expected)]
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * Rules of redemption Credo does not keep, in front of its OID4VCI token and credential endpoints (mount before the
 * agent creates them; `deps` is there once it has):
 * - a wrong `tx_code` is counted per offer, in the database; after {@link MAX_WRONG_TX_CODES} the offer is dead;
 * - a pre-authorized code makes one token request at a time: of concurrent requests with one code only the first
 *   reaches Credo, whose token endpoint then takes the claim for its own (see {@link claimedBeforeCredo});
 * - an access token makes one credential request: of concurrent requests with one token only the first reaches
 *   Credo, so one offer yields exactly one credential. A request that fails gives its claim back (the token may try again).
 */
export function redemptionRules(basePath: string, deps: () => RedemptionDependencies | undefined): Router {
  const router = Router()
  const sessions = (agent: Agent) => agent.dependencyManager.resolve(OpenId4VcIssuerService)

  const guarded =
    (handler: (req: Request, res: Response, ready: RedemptionDependencies) => Promise<boolean>): RequestHandler =>
    (req, res, next) => {
      const ready = deps()
      if (!ready) return next()
      handler(req, res, ready).then((passOn) => passOn && next(), next)
    }

  router.post(
    `${basePath}/:issuerId/token`,
    guarded(async (req, res, { agent, db }) => {
      const body = (req.body ?? {}) as Record<string, unknown>
      const txCode = body.tx_code ?? body.user_pin
      const code = body['pre-authorized_code']
      // a request without a code (or with a malformed one) is Credo's to refuse
      if (body.grant_type !== PRE_AUTHORIZED_CODE_GRANT || typeof code !== 'string' || typeof txCode !== 'string') return true
      const [session] = await sessions(agent).findIssuanceSessionsByQuery(agent.context, { preAuthorizedCode: code })
      if (!session?.userPin) return true
      const locked = `This offer was locked after ${MAX_WRONG_TX_CODES} wrong transaction codes (tx_code); ask the issuer for a new offer (RFC 6749 §5.2 invalid_grant)`
      const [seen] = await db.query<{ failures: number }>('SELECT failures FROM tx_code_failures WHERE session_id = ?', [session.id])
      if ((seen?.failures ?? 0) >= MAX_WRONG_TX_CODES) {
        refuse(res, 'invalid_grant', locked)
        return false
      }
      if (sameCode(txCode, session.userPin)) return true
      const [{ failures }] = await db.query<{ failures: number }>(
        `INSERT INTO tx_code_failures (session_id, failures, last_failed_at) VALUES (?, 1, ?)
         ON CONFLICT (session_id) DO UPDATE SET failures = tx_code_failures.failures + 1, last_failed_at = excluded.last_failed_at
         RETURNING failures`,
        [session.id, new Date().toISOString()],
      )
      if (failures < MAX_WRONG_TX_CODES) {
        const left = MAX_WRONG_TX_CODES - failures
        refuse(res, 'invalid_grant', `Wrong transaction code (tx_code): ${left} attempt${left === 1 ? '' : 's'} left before the offer is locked (RFC 6749 §5.2 invalid_grant)`)
        return false
      }
      if (failures === MAX_WRONG_TX_CODES) {
        // the issuer's own record of the offer says why it is dead (another request may have moved it on: then it stays)
        session.errorMessage = `Locked after ${MAX_WRONG_TX_CODES} wrong transaction codes`
        await sessions(agent)
          .updateState(agent.context, session, OpenId4VcIssuanceSessionState.Error)
          .catch(() => undefined)
      }
      refuse(res, 'invalid_grant', locked)
      return false
    }),
  )

  router.post(
    `${basePath}/:issuerId/token`,
    guarded(async (req, res, { db }) => {
      const body = (req.body ?? {}) as Record<string, unknown>
      const code = body['pre-authorized_code']
      if (body.grant_type !== PRE_AUTHORIZED_CODE_GRANT || typeof code !== 'string') return true
      const codeHash = claimKey(code)
      const claimed = await db.run('INSERT INTO pre_authorized_code_claims (code_hash, claimed_at) VALUES (?, ?) ON CONFLICT (code_hash) DO NOTHING', [codeHash, new Date().toISOString()])
      if (!claimed) {
        refuse(res, 'invalid_grant', 'This pre-authorized code has been exchanged for an access token, or is being exchanged: an offer grants one access token (RFC 6749 §5.2 invalid_grant)')
        return false
      }
      claimedCodes.add(code)
      res.on('close', () => claimedCodes.delete(code))
      // a refused request gives the code back (a wrong tx_code, DPoP or expiry: the wallet may try again); a granted one keeps it
      res.on('finish', () => {
        if (res.statusCode < 400) return
        db.run('DELETE FROM pre_authorized_code_claims WHERE code_hash = ?', [codeHash]).catch((error: unknown) =>
          console.error(`[issuer] could not release a pre-authorized code claim: ${String(error)}`),
        )
      })
      return true
    }),
  )

  router.post(
    `${basePath}/:issuerId/credential`,
    guarded(async (req, res, { db }) => {
      const token = /^(?:Bearer|DPoP) +(\S+)$/i.exec(req.header('authorization') ?? '')?.[1]
      if (!token) return true // Credo answers 401
      const tokenHash = claimKey(token)
      const claimed = await db.run('INSERT INTO credential_request_claims (token_hash, claimed_at) VALUES (?, ?) ON CONFLICT (token_hash) DO NOTHING', [tokenHash, new Date().toISOString()])
      if (!claimed) {
        refuse(
          res,
          'credential_request_denied',
          'This access token has already made a credential request (answered or in progress): an offer yields exactly one credential (OID4VCI 1.0 §8.3.1.2 credential_request_denied)',
        )
        return false
      }
      // a request that fails (bad proof, malformed) leaves the token to try again; one that succeeds keeps its claim
      res.on('finish', () => {
        if (res.statusCode < 400) return
        db.run('DELETE FROM credential_request_claims WHERE token_hash = ?', [tokenHash]).catch((error: unknown) =>
          console.error(`[issuer] could not release a credential request claim: ${String(error)}`),
        )
      })
      return true
    }),
  )
  return router
}

/** How a claims table names a pre-authorized code or an access token: by its SHA-256, never the secret itself. */
const claimKey = (secret: string) => createHash('sha256').update(secret).digest('base64url')

/** Pre-authorized codes this process claimed for a token request in progress. */
const claimedCodes = new Set<string>()

/**
 * Installed once, where the issuer's agent is made. Credo's token endpoint stores AccessTokenRequested before it makes
 * the token, and AccessTokenCreated after: the first write is its claim of the pre-authorized code (a second request
 * finds the session past OfferUriRetrieved, or loses the record's compare-and-set). For a code this service claimed in
 * its own table, that write is left out: the session moves to AccessTokenRequested in memory only, and the one write
 * after the token is made stores it as AccessTokenCreated. The authorization code grant (HAIP) keeps Credo's two writes.
 */
export function claimedBeforeCredo(agent: Agent): void {
  const service = agent.dependencyManager.resolve(OpenId4VcIssuerService)
  const updateState = service.updateState.bind(service)
  service.updateState = async (context, session, state) => {
    const claimed = state === OpenId4VcIssuanceSessionState.AccessTokenRequested && session.preAuthorizedCode !== undefined && claimedCodes.has(session.preAuthorizedCode)
    if (!claimed) return updateState(context, session, state)
    const previous = session.state
    session.state = state
    service.emitStateChangedEvent(context, session, previous)
  }
}
