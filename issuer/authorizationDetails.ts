import type { Agent } from '@credo-ts/core'
import { OpenId4VcIssuanceSessionState, OpenId4VcIssuerService } from '@credo-ts/openid4vc'
import { randomUUID } from 'node:crypto'
import { type RequestHandler, type Response, Router } from 'express'
import type { Database, Migration } from '@interop-lab/common/db'

export const authorizationDetailsMigrations: Migration[] = [
  { id: 'oid4vci-authorization-details-1', sql: 'CREATE TABLE credential_identifiers (session_id TEXT PRIMARY KEY, identifiers TEXT NOT NULL)' },
]

const PRE_AUTHORIZED_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code'
const AUTHORIZATION_CODE_GRANT = 'authorization_code'
/** Offers whose pre-authorized code may still be exchanged for an access token. */
const GRANTABLE = [OpenId4VcIssuanceSessionState.OfferCreated, OpenId4VcIssuanceSessionState.OfferUriRetrieved]

export interface AuthorizationDetailsDependencies {
  agent: Agent
  db: Database
}

interface CredentialAuthorization {
  type: 'openid_credential'
  credential_configuration_id: string
  credential_identifiers: string[]
}

/** The credential identifiers (identifier → configuration id) the access token of an offer was issued with, if its token request had authorization_details. */
export async function credentialIdentifiersOf(db: Database, sessionId: string): Promise<Record<string, string> | undefined> {
  const [row] = await db.query<{ identifiers: string }>('SELECT identifiers FROM credential_identifiers WHERE session_id = ?', [sessionId])
  return row ? (JSON.parse(row.identifiers) as Record<string, string>) : undefined
}

function refuse(res: Response, error: string, description: string): void {
  res.status(400).set('Cache-Control', 'no-store').json({ error, error_description: description })
}

/** The configurations a token request's `authorization_details` asks for (OID4VCI 1.0 §5.1.1, §6.1), or why it cannot be granted. */
function requestedConfigurations(value: unknown, offered: string[]): string[] | string {
  let details: unknown
  try {
    details = typeof value === 'string' ? JSON.parse(value) : value
  } catch {
    return 'authorization_details is not JSON (RFC 9396 §2)'
  }
  if (!Array.isArray(details) || details.length === 0) return 'authorization_details must be a non-empty JSON array (RFC 9396 §2)'
  const requested: string[] = []
  for (const detail of details as Record<string, unknown>[]) {
    if (detail?.type !== 'openid_credential') return `authorization_details entries must be of type openid_credential (OID4VCI 1.0 §5.1.1); got ${JSON.stringify(detail?.type ?? null).slice(0, 60)}`
    const id = detail.credential_configuration_id
    if (typeof id !== 'string') return 'each openid_credential entry needs a credential_configuration_id (OID4VCI 1.0 §5.1.1)'
    if (!offered.includes(id)) return `credential_configuration_id ${id.slice(0, 100)} is not in this offer (it offers ${offered.join(', ')})`
    requested.push(id)
  }
  return requested
}

/**
 * In front of Credo's token endpoint (after the redemption rules): the pre-authorized code grant, and the authorization
 * code grant of HAIP offers (issuer/haip.ts; Credo checks it), are granted, as the metadata says; `authorization_details`
 * of type `openid_credential` (which Credo ignores) is answered with `credential_identifiers` in the token response
 * (OID4VCI 1.0 §6.2), kept per offer for the credential endpoint.
 */
export function authorizationDetailsRules(basePath: string, deps: () => AuthorizationDetailsDependencies | undefined): Router {
  const router = Router()
  const handler: RequestHandler = (req, res, next) => {
    const ready = deps()
    const body = (req.body ?? {}) as Record<string, unknown>
    if (!ready || body.grant_type === undefined || body.grant_type === AUTHORIZATION_CODE_GRANT) return next()
    if (body.grant_type !== PRE_AUTHORIZED_CODE_GRANT) {
      return refuse(
        res,
        'unsupported_grant_type',
        `This issuer grants access tokens for a pre-authorized code (grant_type ${PRE_AUTHORIZED_CODE_GRANT}, OID4VCI 1.0 §6.1), or for the authorization code of a HAIP offer (${AUTHORIZATION_CODE_GRANT}); RFC 6749 §5.2 unsupported_grant_type`,
      )
    }
    recordAuthorizationDetails(ready, body, res).then((passOn) => passOn && next(), next)
  }
  router.post(`${basePath}/:issuerId/token`, handler)
  return router
}

async function recordAuthorizationDetails({ agent, db }: AuthorizationDetailsDependencies, body: Record<string, unknown>, res: Response): Promise<boolean> {
  const code = body['pre-authorized_code']
  // identifiers are kept only once a token was granted with them (below), so a request without details has none to clear
  if (typeof code !== 'string' || body.authorization_details === undefined) return true
  const [session] = await agent.dependencyManager.resolve(OpenId4VcIssuerService).findIssuanceSessionsByQuery(agent.context, { preAuthorizedCode: code })
  // an unknown code, or one already exchanged: Credo refuses it (invalid_grant), and the identifiers kept stay
  if (!session || !GRANTABLE.includes(session.state)) return true
  const requested = requestedConfigurations(body.authorization_details, session.credentialOfferPayload.credential_configuration_ids)
  if (typeof requested === 'string') {
    refuse(res, 'invalid_authorization_details', `${requested} (RFC 9396 §5 invalid_authorization_details)`)
    return false
  }
  const granted: CredentialAuthorization[] = requested.map((id) => ({ type: 'openid_credential', credential_configuration_id: id, credential_identifiers: [randomUUID()] }))
  const identifiers = Object.fromEntries(granted.map((detail) => [detail.credential_identifiers[0], detail.credential_configuration_id]))
  await db.run(
    `INSERT INTO credential_identifiers (session_id, identifiers) VALUES (?, ?)
     ON CONFLICT (session_id) DO UPDATE SET identifiers = excluded.identifiers`,
    [session.id, JSON.stringify(identifiers)],
  )
  // Credo answers with the token response as a JSON string: the granted details join it; a token Credo refuses keeps no
  // identifiers (so a request without authorization_details has none to clear)
  const send = res.send.bind(res)
  res.send = (payload?: unknown) => {
    if (res.statusCode === 200 && typeof payload === 'string') return send(JSON.stringify({ ...(JSON.parse(payload) as object), authorization_details: granted }))
    db.run('DELETE FROM credential_identifiers WHERE session_id = ?', [session.id]).catch((error: unknown) =>
      console.error(`[issuer] could not drop the credential identifiers of a refused token request: ${String(error)}`),
    )
    return send(payload)
  }
  return true
}

/** Authorization server metadata entries of flows this issuer does not run (Credo's authorization challenge endpoint). */
const UNSUPPORTED_SERVER_METADATA = ['authorization_challenge_endpoint']

/**
 * The metadata says what works: the pre-authorized code grant, `authorization_details` of type `openid_credential`, and
 * for HAIP offers the authorization code flow with PAR, PKCE S256, DPoP and Wallet Attestation (`serverMetadata`,
 * issuer/haip.ts); not Credo's authorization challenge endpoint.
 */
export function serverMetadataRules(basePath: string, serverMetadata: Record<string, unknown>): RequestHandler {
  const base = basePath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  // served at both places a wallet may look (RFC 8414 §3, and under the issuer's own path)
  const document = new RegExp(`^(?:/\\.well-known/oauth-authorization-server${base}/[^/]+|${base}/[^/]+/\\.well-known/oauth-authorization-server)$`)
  return (req, res, next) => {
    if (req.method !== 'GET' || !document.test(req.path)) return next()
    const send = res.send.bind(res)
    res.send = (payload?: unknown) => {
      if (res.statusCode !== 200 || typeof payload !== 'string') return send(payload)
      const metadata = JSON.parse(payload) as Record<string, unknown>
      for (const entry of UNSUPPORTED_SERVER_METADATA) delete metadata[entry]
      return send(
        JSON.stringify({ ...metadata, ...serverMetadata, grant_types_supported: [PRE_AUTHORIZED_CODE_GRANT, AUTHORIZATION_CODE_GRANT], authorization_details_types_supported: ['openid_credential'] }),
      )
    }
    next()
  }
}
