import { type Agent, TypedArrayEncoder } from '@credo-ts/core'
import { OpenId4VcIssuanceSessionState, type OpenId4VcIssuanceSessionRecord, OpenId4VcIssuerService } from '@credo-ts/openid4vc'
import { randomBytes } from 'node:crypto'
import { type Request, type RequestHandler, type Response, Router } from 'express'
import type { Database, Migration } from '@interop-lab/common/db'
import { HAIP_REQUIREMENTS, type HaipRequirement } from '@interop-lab/contracts'

/**
 * HAIP 1.0 issuance (§4): the authorization code flow of an offer made with `profile: 'haip'`, run by the lab's own PAR
 * and authorization endpoints (Credo 0.6.3 has both only to chain an external authorization server), Credo's token
 * endpoint then checking PKCE, DPoP and the Wallet Attestation against what the PAR bound to the issuance session.
 * The offer is made for one person: its issuer_state names them, so the authorization endpoint grants the pushed
 * request bound to that issuer_state with no login page.
 */

export const haipMigrations: Migration[] = [
  {
    id: 'haip-authorization-requests-1',
    sql: `CREATE TABLE haip_authorization_requests (
        request_uri TEXT PRIMARY KEY, session_id TEXT NOT NULL, client_id TEXT NOT NULL, redirect_uri TEXT NOT NULL, state TEXT, expires_at TEXT NOT NULL)`,
  },
]

/** How long a pushed request's request_uri and an authorization code live (RFC 9126 §2.2 expires_in; RFC 6749 §4.1.2: short). */
const REQUEST_URI_SECONDS = 60
const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:'
/** PKCE's S256 method (RFC 7636 §4.2), as Credo's session record types it (an enum of the OAuth library it builds on). */
const S256 = 'S256' as NonNullable<OpenId4VcIssuanceSessionRecord['pkce']>['codeChallengeMethod']
const CODE_SECONDS = 60

/** What the authorization server metadata says under HAIP 1.0 §4 (RFC 8414, RFC 9126 §5, RFC 9449 §5.1, attestation-based client auth). */
export const HAIP_SERVER_METADATA = {
  require_pushed_authorization_requests: true,
  code_challenge_methods_supported: ['S256'],
  dpop_signing_alg_values_supported: ['ES256'],
  token_endpoint_auth_methods_supported: ['attest_jwt_client_auth'],
  client_attestation_signing_alg_values_supported: ['ES256'],
  client_attestation_pop_signing_alg_values_supported: ['ES256'],
  authorization_response_iss_parameter_supported: true,
}

export interface HaipDependencies {
  agent: Agent
  db: Database
}

/** A refusal of a HAIP 1.0 requirement: an OAuth error whose description names the clause, and `haip_requirement` its id. */
class HaipRefusal extends Error {
  public constructor(
    public readonly status: number,
    public readonly error: string,
    public readonly requirement: HaipRequirement | undefined,
    message: string,
  ) {
    super(message)
  }
}

const refused = (requirement: HaipRequirement, error: string, message: string, status = 400) => new HaipRefusal(status, error, requirement, message)

function send(res: Response, refusal: HaipRefusal): void {
  res
    .status(refusal.status)
    .set('Cache-Control', 'no-store')
    .json(errorBody(refusal.error, refusal.message, refusal.requirement))
}

const errorBody = (error: string, description: string, requirement?: HaipRequirement) => ({
  error,
  error_description: requirement ? `${HAIP_REQUIREMENTS[requirement].clause}: ${description}` : description,
  ...(requirement ? { haip_requirement: requirement } : {}),
})

/** The requirement an OAuth error of Credo's (or of the library it builds on) is about, for a HAIP flow. */
function requirementOf(error: string, description = ''): HaipRequirement | undefined {
  if (error === 'invalid_dpop_proof' || error === 'use_dpop_nonce') return 'dpop'
  if (error === 'invalid_client') return 'wallet-attestation'
  if (/code_verifier|code challenge/i.test(description)) return 'pkce'
  return undefined
}

/** An OAuth error thrown by Credo's authorization server (an `Oauth2ServerErrorResponseError`), as a HAIP refusal naming its requirement. */
function fromOauth2(error: unknown): HaipRefusal | undefined {
  const { errorResponse, status } = error as { errorResponse?: { error?: unknown; error_description?: string }; status?: number }
  if (typeof errorResponse?.error !== 'string') return undefined
  const { error: code, error_description: description } = errorResponse as { error: string; error_description?: string }
  return new HaipRefusal(status ?? 400, code, requirementOf(code, description), description ?? code)
}

/**
 * The PAR and authorization endpoints of HAIP offers, and HAIP clauses on Credo's token endpoint errors for the
 * authorization code grant (only HAIP offers have one). Mount before the agent creates Credo's routes.
 */
export function haipAuthorizationRules(basePath: string, deps: () => HaipDependencies | undefined): Router {
  const router = Router()
  const guarded =
    (handler: (req: Request, res: Response, ready: HaipDependencies) => Promise<void>): RequestHandler =>
    (req, res, next) => {
      const ready = deps()
      if (!ready) return next()
      handler(req, res, ready).catch((error: unknown) => {
        const refusal = error instanceof HaipRefusal ? error : fromOauth2(error)
        if (refusal) return send(res, refusal)
        next(error)
      })
    }
  router.post(
    `${basePath}/:issuerId/par`,
    guarded((req, res, ready) => pushAuthorizationRequest(ready, String(req.params.issuerId), req, res)),
  )
  router.get(
    `${basePath}/:issuerId/authorize`,
    guarded((req, res, ready) => authorize(ready, String(req.params.issuerId), req, res)),
  )
  router.post(`${basePath}/:issuerId/token`, (req, res, next) => {
    if ((req.body as Record<string, unknown> | undefined)?.grant_type === 'authorization_code') nameRequirementOnError(res)
    next()
  })
  return router
}

/** Credo's token endpoint answers a refusal as JSON: the requirement it is about joins it, its clause in the description. */
function nameRequirementOnError(res: Response): void {
  const original = res.send.bind(res)
  res.send = (payload?: unknown) => {
    if (res.statusCode < 400 || typeof payload !== 'string') return original(payload)
    const body = JSON.parse(payload) as { error?: string; error_description?: string }
    const requirement = body.error ? requirementOf(body.error, body.error_description) : undefined
    return original(requirement ? JSON.stringify({ ...body, ...errorBody(body.error!, body.error_description ?? body.error!, requirement) }) : payload)
  }
}

function issuerContext({ agent }: HaipDependencies) {
  return { context: agent.context, service: agent.dependencyManager.resolve(OpenId4VcIssuerService) }
}

/** RFC 9126 §2, under HAIP 1.0 §4, §4.3 and §4.4.1: the pushed request of a HAIP offer, bound to its issuance session. */
async function pushAuthorizationRequest(deps: HaipDependencies, issuerId: string, req: Request, res: Response): Promise<void> {
  const { context, service } = issuerContext(deps)
  const issuer = await service.getIssuerByIssuerId(context, issuerId)
  const metadata = await service.getIssuerMetadata(context, issuer)
  const request = { headers: new Headers(req.headers as Record<string, string>), method: 'POST' as const, url: `${metadata.credentialIssuer.credential_issuer}/par` }
  const parsed = await service
    .getOauth2AuthorizationServer(context)
    .parsePushedAuthorizationRequest({ authorizationRequest: req.body, request })
    .catch((error: unknown) => {
      throw (
        fromOauth2(error) ??
        new HaipRefusal(400, 'invalid_request', undefined, `the pushed authorization request does not parse (RFC 9126 §2.1): ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`)
      )
    })
  const authorizationRequest = parsed.authorizationRequest
  const issuerState = authorizationRequest.issuer_state
  const session = issuerState ? await service.findSingleIssuanceSessionByQuery(context, { issuerId, issuerState }) : null
  if (!session?.walletAttestation?.required || ![OpenId4VcIssuanceSessionState.OfferCreated, OpenId4VcIssuanceSessionState.OfferUriRetrieved].includes(session.state)) {
    throw new HaipRefusal(
      400,
      'invalid_request',
      undefined,
      'issuer_state names no open HAIP offer of this issuer: this authorization server authorizes the offers it made (OID4VCI 1.0 §4.1.1 issuer_state); ask the issuer for a new offer',
    )
  }
  const { clientAttestation, dpop } = await service.getOauth2AuthorizationServer(context, { issuanceSessionId: session.id }).verifyPushedAuthorizationRequest({
    authorizationRequest,
    authorizationServerMetadata: metadata.authorizationServers[0],
    request,
    clientAttestation: { ...parsed.clientAttestation, required: true },
    dpop: { ...parsed.dpop, required: true, allowedSigningAlgs: HAIP_SERVER_METADATA.dpop_signing_alg_values_supported },
  })
  if (!clientAttestation || !dpop) throw refused('wallet-attestation', 'invalid_client', 'a Wallet Attestation and a DPoP key are required')
  if (clientAttestation.clientAttestation.header.alg !== 'ES256') {
    throw refused('es256', 'invalid_client', `the Wallet Attestation is signed ${clientAttestation.clientAttestation.header.alg}; this issuer validates ES256`, 401)
  }
  if (authorizationRequest.code_challenge_method !== 'S256' || !authorizationRequest.code_challenge) {
    throw refused(
      'pkce',
      'invalid_request',
      `the authorization request needs a code_challenge with code_challenge_method S256; it has ${authorizationRequest.code_challenge ? `method ${authorizationRequest.code_challenge_method ?? 'plain'}` : 'no code_challenge'}`,
    )
  }
  const scope = offeredScope(session, metadata.credentialIssuer.credential_configurations_supported)
  if (!authorizationRequest.scope?.split(' ').includes(scope)) {
    throw new HaipRefusal(
      400,
      'invalid_scope',
      undefined,
      `HAIP 1.0 §4.2, §4.3: ask for this offer's credential by its scope '${scope}' (the request's scope is '${authorizationRequest.scope ?? ''}')`,
    )
  }
  const redirectUri = authorizationRequest.redirect_uri
  if (!redirectUri) throw new HaipRefusal(400, 'invalid_request', undefined, 'the authorization request needs a redirect_uri: where the authorization response is sent (RFC 6749 §3.1.2)')

  session.clientId = clientAttestation.clientAttestation.payload.sub
  session.walletAttestation = { required: true }
  session.dpop = { required: true, dpopJkt: dpop.jwkThumbprint }
  session.pkce = { codeChallenge: authorizationRequest.code_challenge, codeChallengeMethod: S256 }
  session.authorization = { ...session.authorization, scopes: [scope] }
  await service.updateState(context, session, OpenId4VcIssuanceSessionState.AuthorizationInitiated)
  const requestUri = `${REQUEST_URI_PREFIX}${randomBytes(32).toString('base64url')}`
  await deps.db.run('INSERT INTO haip_authorization_requests (request_uri, session_id, client_id, redirect_uri, state, expires_at) VALUES (?, ?, ?, ?, ?, ?)', [
    requestUri,
    session.id,
    session.clientId,
    redirectUri,
    authorizationRequest.state ?? null,
    new Date(Date.now() + REQUEST_URI_SECONDS * 1000).toISOString(),
  ])
  res.status(201).set('Cache-Control', 'no-store').json({ request_uri: requestUri, expires_in: REQUEST_URI_SECONDS })
}

function offeredScope(session: OpenId4VcIssuanceSessionRecord, configurations: Record<string, { scope?: string }>): string {
  const [id] = session.credentialOfferPayload.credential_configuration_ids
  return configurations[id]?.scope ?? id
}

/**
 * RFC 9126 §4 under HAIP 1.0 §4.3: only a pushed request's request_uri, once, by the client that pushed it; the person
 * is the one the offer (its issuer_state) was made for, so the code is granted and sent to the redirect_uri with `iss`
 * (RFC 9207).
 */
async function authorize(deps: HaipDependencies, issuerId: string, req: Request, res: Response): Promise<void> {
  const requestUri = typeof req.query.request_uri === 'string' ? req.query.request_uri : undefined
  if (!requestUri) {
    throw refused(
      'par',
      'invalid_request',
      'this authorization server requires pushed authorization requests (require_pushed_authorization_requests): push the request to the PAR endpoint and send only its request_uri and client_id here (RFC 9126 §4)',
    )
  }
  const [pushed] = await deps.db.query<{ session_id: string; client_id: string; redirect_uri: string; state: string | null; expires_at: string }>(
    'DELETE FROM haip_authorization_requests WHERE request_uri = ? RETURNING session_id, client_id, redirect_uri, state, expires_at',
    [requestUri],
  )
  if (!pushed || Date.parse(pushed.expires_at) < Date.now()) {
    throw refused('par', 'invalid_request', 'request_uri is unknown, used already or expired: a pushed request authorizes once, within its expires_in (RFC 9126 §4)')
  }
  if (req.query.client_id !== pushed.client_id) {
    throw new HaipRefusal(400, 'invalid_request', undefined, `client_id must be the client that pushed the request (RFC 9126 §4): '${String(req.query.client_id ?? '')}' is not '${pushed.client_id}'`)
  }
  const { context, service } = issuerContext(deps)
  const session = await service.getIssuanceSessionById(context, pushed.session_id)
  if (session.issuerId !== issuerId || session.state !== OpenId4VcIssuanceSessionState.AuthorizationInitiated) {
    throw new HaipRefusal(400, 'invalid_request', undefined, `this offer is in state ${session.state}, not awaiting authorization: ask the issuer for a new offer`)
  }
  const code = TypedArrayEncoder.toBase64URL(randomBytes(32))
  session.authorization = { ...session.authorization, code, codeExpiresAt: new Date(Date.now() + CODE_SECONDS * 1000) }
  await service.updateState(context, session, OpenId4VcIssuanceSessionState.AuthorizationGranted)
  const metadata = await service.getIssuerMetadata(context, await service.getIssuerByIssuerId(context, issuerId))
  const redirect = new URL(pushed.redirect_uri)
  redirect.searchParams.set('code', code)
  redirect.searchParams.set('iss', metadata.authorizationServers[0].issuer)
  if (pushed.state) redirect.searchParams.set('state', pushed.state)
  res.set('Cache-Control', 'no-store').redirect(302, redirect.toString())
}

/**
 * Credo checks a Wallet Attestation's and a key attestation's x5c chain against what this answers: the wallet-provider
 * roots the trust registry lists for the `WalletAttestation` credential type. Nothing else this issuer verifies carries x5c.
 */
export function trustWalletProviders(agent: Agent, walletProviderRoots: () => Promise<string[]>): void {
  agent.x509.config.setTrustedCertificatesForVerification(async (_context, { verification }) =>
    verification.type === 'oauth2ClientAttestation' || verification.type === 'openId4VciKeyAttestation' ? walletProviderRoots() : undefined,
  )
}
