import { type Agent, Kms } from '@credo-ts/core'
import {
  OpenId4VcIssuanceSessionState,
  OpenId4VcIssuerService,
  type OpenId4VcIssuanceSessionRecord,
  type OpenId4VcIssuerRecord,
  type VerifiedOpenId4VcCredentialHolderBinding,
} from '@credo-ts/openid4vc'
import { type Request, type Response, Router } from 'express'
import { decodeProtectedHeader } from 'jose'
import type { Database } from '@interop-lab/common/db'
import { HAIP_REQUIREMENTS } from '@interop-lab/contracts'
import { credentialIdentifiersOf } from './authorizationDetails'

/** The OID4VCI 1.0 §8.3.1 error codes a credential request is refused with. */
export type CredentialRequestErrorCode =
  | 'invalid_credential_request'
  | 'unknown_credential_configuration'
  | 'unknown_credential_identifier'
  | 'invalid_proof'
  | 'invalid_nonce'
  | 'credential_request_denied'
  | 'insufficient_scope'

/** A credential request this issuer refuses before Credo sees it. */
export class CredentialRequestRefusal extends Error {
  public constructor(
    public readonly code: CredentialRequestErrorCode,
    message: string,
  ) {
    super(message)
  }
}

// §8.3.1.1: a token that does not cover the requested credential is an RFC 6750 §3.1 authorization error
const STATUS_OF: Record<CredentialRequestErrorCode, number> = {
  invalid_credential_request: 400,
  unknown_credential_configuration: 400,
  unknown_credential_identifier: 400,
  invalid_proof: 400,
  invalid_nonce: 400,
  credential_request_denied: 400,
  insufficient_scope: 403,
}

/** How far a key proof's `iat` may be from the issuer's clock (OID4VCI 1.0 Appendix F.4: an acceptable window). */
export const PROOF_IAT_WINDOW_S = 300

const OPEN_STATES = [OpenId4VcIssuanceSessionState.AccessTokenCreated, OpenId4VcIssuanceSessionState.CredentialRequestReceived, OpenId4VcIssuanceSessionState.CredentialsPartiallyIssued]
const PRIVATE_JWK_PARAMETERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']

export interface CredentialRequestDependencies {
  agent: Agent
  db: Database
}

type Body = Record<string, unknown>
type IssuerMetadata = Awaited<ReturnType<OpenId4VcIssuerService['getIssuerMetadata']>>
const refused = (code: CredentialRequestErrorCode, message: string) => new CredentialRequestRefusal(code, message)
const describeError = (error: unknown) => {
  const response = (error as { errorResponse?: { error_description?: string } }).errorResponse
  return response?.error_description ?? (error instanceof Error ? error.message : String(error))
}

/**
 * The OID4VCI 1.0 rules of a credential request, checked in front of Credo's credential endpoint (mount before the
 * agent creates it, and before the redemption rules: a refused request claims nothing). Credo would answer some of
 * these mistakes with a 500 (an unknown configuration, `proof` beside `proofs`, a bare `jwk` for a W3C credential), and
 * ends the offer on any refusal, so that a wallet could not recover from `invalid_nonce`: here a refusal leaves the
 * offer open. A request by `credential_identifier` (§8.2) is passed on by the configuration it stands for. A request
 * that passes is issued by {@link verifiedIssuance}, mounted after the redemption rules.
 */
export function credentialRequestRules(basePath: string, deps: () => CredentialRequestDependencies | undefined): Router {
  const router = Router()
  router.post(`${basePath}/:issuerId/credential`, (req, res, next) => {
    const ready = deps()
    if (!ready) return next()
    checkCredentialRequest(ready, String(req.params.issuerId), req).then(
      (verified) => {
        if (verified) {
          req.body = verified.credentialRequest
          res.locals[VERIFIED] = verified
        }
        next()
      },
      (error: unknown) => (error instanceof CredentialRequestRefusal ? refuse(res, error) : next(error)),
    )
  })
  return router
}

function refuse(res: Response, refusal: CredentialRequestRefusal): void {
  res.status(STATUS_OF[refusal.code]).set('Cache-Control', 'no-store')
  if (refusal.code === 'insufficient_scope') res.set('WWW-Authenticate', `Bearer error="insufficient_scope", error_description="${refusal.message.replace(/["\\]/g, "'")}"`)
  res.json({ error: refusal.code, error_description: refusal.message })
}

/**
 * Issues a credential request {@link credentialRequestRules} verified, through Credo's issuance (mapper, signing, session
 * state), without Credo's credential endpoint verifying again what was verified once for this very request: the access
 * token, the session, the key proofs and their c_nonce. What the checks did not settle (a token whose subject or DPoP
 * binding does not match its offer) goes on to Credo's endpoint, which refuses it.
 */
export function verifiedIssuance(basePath: string, deps: () => CredentialRequestDependencies | undefined): Router {
  const router = Router()
  router.post(`${basePath}/:issuerId/credential`, (_req, res, next) => {
    const ready = deps()
    const verified = res.locals[VERIFIED] as VerifiedRequest | undefined
    if (!ready || !verified?.holderBinding || !boundToItsOffer(verified)) return next()
    issue(ready.agent, verified, verified.holderBinding, res).catch(next)
  })
  return router
}

/** The res.locals entry under which a verified credential request goes from the checks to the issuance. */
const VERIFIED = 'verifiedCredentialRequest'

type VerifiedToken = Awaited<ReturnType<ReturnType<OpenId4VcIssuerService['getResourceServer']>['verifyResourceRequest']>>

/** A credential request as the checks verified it: the one Credo issues for. */
interface VerifiedRequest {
  session: OpenId4VcIssuanceSessionRecord
  token: VerifiedToken
  /** The request Credo reads: by `credential_configuration_id`. */
  credentialRequest: Body
  /** The holder keys of the verified key proofs, as Credo's own proof verification gives them; none when no proof was checked. */
  holderBinding?: VerifiedOpenId4VcCredentialHolderBinding
}

/**
 * The request to pass on to Credo, or undefined when Credo is to answer it as it is: a token Credo refuses (its
 * signature, expiry, audience, DPoP binding: Credo's own check, run here once) gets Credo's 401 (RFC 6750 §3.1),
 * whatever else the request got wrong, never this service's verdict.
 */
async function checkCredentialRequest(ready: CredentialRequestDependencies, issuerId: string, req: Request): Promise<VerifiedRequest | undefined> {
  const service = ready.agent.dependencyManager.resolve(OpenId4VcIssuerService)
  const issuer = await service.getIssuerByIssuerId(ready.agent.context, issuerId)
  const metadata = await service.getIssuerMetadata(ready.agent.context, issuer)
  const token = await verifiedToken(ready.agent, service, issuer, metadata, req)
  const query = token && sessionQuery(token.tokenPayload)
  // by its code or state alone (a query of one tag), then held to the issuer in the path
  const session = query && (await service.findIssuanceSessionsByQuery(ready.agent.context, query)).find((candidate) => candidate.issuerId === issuerId)
  if (!token || !session) return undefined
  return checkedRequest(ready, { service, issuer, metadata, session, token }, req.body as Body)
}

/** Credo's own check of the access token (signature, expiry, audience, DPoP binding): the one its credential endpoint runs. */
function verifiedToken(agent: Agent, service: OpenId4VcIssuerService, issuer: OpenId4VcIssuerRecord, metadata: IssuerMetadata, req: Request): Promise<VerifiedToken | undefined> {
  return service
    .getResourceServer(agent.context, issuer)
    .verifyResourceRequest({
      authorizationServers: metadata.authorizationServers,
      resourceServer: metadata.credentialIssuer.credential_issuer,
      request: { headers: new Headers(req.headers as Record<string, string>), method: 'POST', url: metadata.credentialIssuer.credential_endpoint },
    })
    .catch(() => undefined)
}

/** Credo's endpoint issues only for a token whose subject is its session's (set when the token was made) and that carries the DPoP proof the session requires. */
const boundToItsOffer = ({ session, token }: VerifiedRequest): boolean =>
  typeof token.tokenPayload.sub === 'string' && session.authorization?.subject === token.tokenPayload.sub && (!session.dpop?.required || token.dpop !== undefined)

/** Holder bindings this service verified, by the session record handed to Credo's issuance with them. */
const verifiedHolderBindings = new WeakMap<OpenId4VcIssuanceSessionRecord, VerifiedOpenId4VcCredentialHolderBinding>()

/**
 * Installed once, where the issuer's agent is made. Credo's issuance verifies the key proofs (TypeScript-private
 * `verifyCredentialRequestProofs`); for a session record {@link verifiedIssuance} verified them for, it takes that
 * verification instead of repeating it. Any other call is Credo's own.
 */
export function takeVerifiedProofs(agent: Agent): void {
  const service = agent.dependencyManager.resolve(OpenId4VcIssuerService)
  type VerifyProofs = (context: Agent['context'], options: { issuanceSession: OpenId4VcIssuanceSessionRecord }) => Promise<VerifiedOpenId4VcCredentialHolderBinding>
  const credo = service as unknown as { verifyCredentialRequestProofs: VerifyProofs }
  const verifyProofs = credo.verifyCredentialRequestProofs.bind(service)
  credo.verifyCredentialRequestProofs = (context, options) => {
    const verified = verifiedHolderBindings.get(options.issuanceSession)
    return verified ? Promise.resolve(verified) : verifyProofs(context, options)
  }
}

/** What Credo's credential endpoint does once it has checked the request: issue through its service, the offer ending in Error on a failure. */
async function issue(agent: Agent, { session, token, credentialRequest }: VerifiedRequest, holderBinding: VerifiedOpenId4VcCredentialHolderBinding, res: Response): Promise<void> {
  const service = agent.dependencyManager.resolve(OpenId4VcIssuerService)
  verifiedHolderBindings.set(session, holderBinding)
  try {
    const { credentialResponse } = await service.createCredentialResponse(agent.context, {
      issuanceSession: session,
      credentialRequest: credentialRequest as Parameters<OpenId4VcIssuerService['createCredentialResponse']>[1]['credentialRequest'],
      authorization: { authorizationServer: token.authorizationServer, accessToken: { payload: token.tokenPayload, value: token.accessToken } },
    })
    res
      .status(credentialResponse.transaction_id ? 202 : 200)
      .setHeader('Content-Type', 'application/json')
      .send(JSON.stringify(credentialResponse))
  } catch (error) {
    session.errorMessage = 'Failed to create a credential response'
    await service.updateState(agent.context, session, OpenId4VcIssuanceSessionState.Error)
    sendCredoError(res, error)
  } finally {
    verifiedHolderBindings.delete(session)
  }
}

/** Credo's answers to an error of its issuance: an OAuth error response, a resource server challenge (403), or a 500. */
function sendCredoError(res: Response, error: unknown): void {
  const { status, errorResponse, toHeaderValue } = error as { status?: number; errorResponse?: object; toHeaderValue?: () => string }
  if (errorResponse && typeof status === 'number') res.status(status).json(errorResponse)
  else if (typeof toHeaderValue === 'function') res.setHeader('WWW-Authenticate', toHeaderValue.call(error)).status(403).send()
  else res.status(500).json({ error: 'server_error' })
}

interface OfferContext {
  service: OpenId4VcIssuerService
  issuer: OpenId4VcIssuerRecord
  metadata: IssuerMetadata
  session: OpenId4VcIssuanceSessionRecord
  token: VerifiedToken
}

async function checkedRequest({ agent, db }: CredentialRequestDependencies, { service, issuer, metadata, session, token }: OfferContext, body: Body): Promise<VerifiedRequest> {
  assertOpen(session)
  if (body.proof !== undefined && body.proofs !== undefined) {
    throw refused('invalid_credential_request', "OID4VCI 1.0 §8.2: send the key proofs in `proofs` only; this request carries both `proof` (an earlier draft's parameter) and `proofs`")
  }
  const configurationId = await requestedConfiguration(db, session, body, Object.keys(metadata.credentialIssuer.credential_configurations_supported))
  const passOn: Body = { ...body, credential_configuration_id: configurationId }
  delete passOn.credential_identifier

  const vcIssuer = service.getIssuer(agent.context)
  let proofs: Record<string, unknown[]> | undefined
  try {
    proofs = vcIssuer.parseCredentialRequest({ issuerMetadata: metadata, credentialRequest: passOn }).proofs
  } catch (error) {
    throw refused('invalid_credential_request', `OID4VCI 1.0 §8.2: ${describeError(error)}`)
  }
  const configuration = metadata.credentialIssuer.credential_configurations_supported[configurationId]
  const holderBinding = await checkKeyProofs({ context: agent.context, service, issuer, metadata, session, configurationId, configuration, proofs })
  return { session, token, credentialRequest: passOn, holderBinding }
}

/** The offer an access token was issued for: by its pre-authorized code, or (authorization code flow, HAIP) by its issuer_state. */
function sessionQuery(payload: Record<string, unknown>): { preAuthorizedCode: string } | { issuerState: string } | undefined {
  const code = payload['pre-authorized_code']
  if (typeof code === 'string') return { preAuthorizedCode: code }
  return typeof payload.issuer_state === 'string' ? { issuerState: payload.issuer_state } : undefined
}

function assertOpen(session: OpenId4VcIssuanceSessionRecord): void {
  if (OPEN_STATES.includes(session.state)) return
  const refusal =
    session.state === OpenId4VcIssuanceSessionState.Completed
      ? "This offer's credential has been issued: an offer yields exactly one credential"
      : `This offer yields no credential any more: it is in state ${session.state}${session.errorMessage ? ` (${session.errorMessage})` : ''}; ask the issuer for a new offer`
  throw refused('credential_request_denied', `${refusal} (OID4VCI 1.0 §8.3.1.2 credential_request_denied)`)
}

/** The configuration a request asks for, by `credential_identifier` when the token came with identifiers (§6.2), else by `credential_configuration_id`. */
async function requestedConfiguration(db: Database, session: OpenId4VcIssuanceSessionRecord, body: Body, known: string[]): Promise<string> {
  const offered = session.credentialOfferPayload.credential_configuration_ids
  const identifiers = await credentialIdentifiersOf(db, session.id)
  if (identifiers) {
    if (body.credential_configuration_id !== undefined) {
      throw refused(
        'invalid_credential_request',
        'OID4VCI 1.0 §8.2: this access token was issued with credential_identifiers (authorization_details, §6.2): request by `credential_identifier`, not `credential_configuration_id`',
      )
    }
    const configurationId = typeof body.credential_identifier === 'string' ? identifiers[body.credential_identifier] : undefined
    if (!configurationId)
      throw refused('unknown_credential_identifier', `OID4VCI 1.0 §8.3.1.2: credential_identifier must be one of those the token response listed (${Object.keys(identifiers).join(', ')})`)
    return configurationId
  }
  if (body.credential_identifier !== undefined) {
    throw refused(
      'invalid_credential_request',
      'OID4VCI 1.0 §8.2: this access token came with no credential_identifiers (the token request had no authorization_details): request by `credential_configuration_id`',
    )
  }
  const configurationId = body.credential_configuration_id
  if (typeof configurationId !== 'string') throw refused('invalid_credential_request', `OID4VCI 1.0 §8.2: credential_configuration_id (a string) is required; this offer's is ${offered.join(', ')}`)
  if (!known.includes(configurationId)) {
    throw refused(
      'unknown_credential_configuration',
      `OID4VCI 1.0 §8.3.1.2: no credential configuration '${configurationId.slice(0, 100)}' in this issuer's metadata; this offer's is ${offered.join(', ')}`,
    )
  }
  if (!offered.includes(configurationId)) {
    throw refused('insufficient_scope', `OID4VCI 1.0 §8.3.1.1: this access token was granted for ${offered.join(', ')}, not ${configurationId}`)
  }
  return configurationId
}

interface ProofContext {
  context: Agent['context']
  service: OpenId4VcIssuerService
  issuer: OpenId4VcIssuerRecord
  metadata: IssuerMetadata
  session: OpenId4VcIssuanceSessionRecord
  configurationId: string
  configuration: { proof_types_supported?: Record<string, JwtProofType>; cryptographic_binding_methods_supported?: string[] }
  proofs?: Record<string, unknown[]>
}

interface JwtProofType {
  proof_signing_alg_values_supported: string[]
  key_attestations_required?: { key_storage?: string[]; user_authentication?: string[] }
}

type VerifiedJwtProof = Awaited<ReturnType<ReturnType<OpenId4VcIssuerService['getIssuer']>['verifyCredentialRequestJwtProof']>>

/**
 * OID4VCI 1.0 Appendix F.1 and F.4, for the `jwt` proof type every configuration of this issuer takes: the holder keys
 * of the verified proofs, as Credo's issuance takes them (undefined for a configuration that takes no proof).
 */
async function checkKeyProofs({ context, service, issuer, metadata, session, configurationId, configuration, proofs }: ProofContext): Promise<VerifiedOpenId4VcCredentialHolderBinding | undefined> {
  const jwtProof = configuration.proof_types_supported?.jwt
  if (!jwtProof) return undefined
  const [proofType, values] = Object.entries(proofs ?? {})[0] ?? []
  if (!proofType || !values?.length) {
    throw refused('invalid_proof', `OID4VCI 1.0 §8.3.1.2 invalid_proof: ${configurationId} needs a key proof: proofs.jwt, signed over a c_nonce from the Nonce Endpoint (§7)`)
  }
  if (proofType !== 'jwt') throw refused('invalid_proof', `OID4VCI 1.0 §8.3.1.2 invalid_proof: ${configurationId} takes proof type jwt, not ${proofType}`)
  const methods = configuration.cryptographic_binding_methods_supported ?? []
  let firstNonce: unknown
  const verified: VerifiedJwtProof[] = []
  for (const [index, jwt] of values.entries()) {
    const which = `Key proof ${index + 1}`
    const header = decodedHeader(jwt, which)
    if (typeof header.alg !== 'string' || !jwtProof.proof_signing_alg_values_supported.includes(header.alg)) {
      throw refused(
        'invalid_proof',
        `${which} is signed with alg ${shown(header.alg)}; ${configurationId} accepts ${jwtProof.proof_signing_alg_values_supported.join(', ')} (proof_signing_alg_values_supported, OID4VCI 1.0 Appendix F.4)`,
      )
    }
    const keyRefs = ['kid', 'jwk', 'x5c'].filter((name) => header[name] !== undefined)
    if (keyRefs.length !== 1) throw refused('invalid_proof', `${which} must name its key with exactly one of kid, jwk, x5c (OID4VCI 1.0 Appendix F.1); it has ${keyRefs.join(', ') || 'none'}`)
    if (header.jwk && typeof header.jwk === 'object' && PRIVATE_JWK_PARAMETERS.some((name) => name in (header.jwk as object))) {
      throw refused('invalid_proof', `${which} carries private key material in its jwk header (OID4VCI 1.0 Appendix F.4)`)
    }
    const method = bindingMethod(header)
    // an mdoc binds the proof's jwk as the MSO's COSE_Key device key (OID4VCI 1.0 Appendix A.2.2)
    if (!methods.includes(method) && !(method === 'jwk' && methods.includes('cose_key'))) {
      throw refused(
        'invalid_proof',
        `${which} names its key by ${method}; ${configurationId} binds credentials to ${methods.join(', ')} only (cryptographic_binding_methods_supported, OID4VCI 1.0 §12.2.4)${methods.every((m) => m.startsWith('did:')) ? ': sign with a kid that is a DID URL' : ''}`,
      )
    }
    // the session's id lets Credo ask whom to trust for a key attestation's x5c (issuer/haip.ts trustWalletProviders)
    const proof = await service
      .getIssuer(context, { issuanceSessionId: session.id })
      .verifyCredentialRequestJwtProof({ issuerMetadata: metadata, jwt: jwt as string, clientId: session.clientId })
      .catch((error: unknown) => {
        const described = describeError(error)
        // a key attestation (HAIP) whose x5c chains to no wallet provider root the trust registry lists, say
        const clause = /key attestation/i.test(described) ? `; ${HAIP_REQUIREMENTS['key-attestation'].clause}` : ''
        throw refused('invalid_proof', `${which} does not verify (OID4VCI 1.0 Appendix F.4${clause}): ${described}`)
      })
    checkProofKey(proof, verified[0], { which, configurationId, jwtProof, proofCount: values.length })
    verified.push(proof)
    const { payload } = proof
    const skew = Math.abs(Date.now() / 1000 - Number(payload.iat))
    if (!(skew <= PROOF_IAT_WINDOW_S))
      throw refused('invalid_proof', `${which} was issued (iat) ${Math.round(skew)} s away from now; this issuer accepts ±${PROOF_IAT_WINDOW_S} s (OID4VCI 1.0 Appendix F.4)`)
    if (typeof payload.nonce !== 'string') throw refused('invalid_proof', `${which} has no nonce: sign over a c_nonce from the Nonce Endpoint (OID4VCI 1.0 Appendix F.1, §7)`)
    firstNonce ??= payload.nonce
    if (payload.nonce !== firstNonce) throw refused('invalid_proof', `${which} has another nonce than key proof 1: every proof of one request signs the same c_nonce (OID4VCI 1.0 §8.2)`)
  }
  await verifyNonce(context, service, issuer, firstNonce as string).catch(() => {
    throw refused(
      'invalid_nonce',
      "OID4VCI 1.0 §8.3.1.2 invalid_nonce: the key proof's nonce is not a valid c_nonce of this issuer (expired, or not issued here): fetch a fresh one from the Nonce Endpoint (§7) and sign a new proof",
    )
  })
  return holderBindingOf(verified)
}

/**
 * The rules Credo's issuance holds a verified key proof's key to (its `verifyCredentialRequestProofs`), checked here
 * since Credo takes this verification instead of its own: a key named by jwk or a DID, the same way and with the same
 * alg in every proof of a request; a key attestation (OID4VCI 1.0 Appendix D) where the configuration requires one.
 */
function checkProofKey(
  { signer, header, payload, keyAttestation }: VerifiedJwtProof,
  first: VerifiedJwtProof | undefined,
  { which, configurationId, jwtProof, proofCount }: { which: string; configurationId: string; jwtProof: JwtProofType; proofCount: number },
): void {
  const fail = (message: string) => {
    throw refused('invalid_proof', `${which} ${message}`)
  }
  if (signer.method !== 'jwk' && signer.method !== 'did') fail(`names its key by ${signer.method}; this issuer binds credentials to a jwk or a DID (OID4VCI 1.0 Appendix F.1)`)
  if (first && (signer.method !== first.signer.method || header.alg !== first.header.alg)) {
    fail(
      `names its key by ${signer.method} with alg ${header.alg}, key proof 1 by ${first.signer.method} with alg ${first.header.alg}: this issuer takes one way of naming the key and one alg for all the key proofs of a request (OID4VCI 1.0 §8.2)`,
    )
  }
  const required = jwtProof.key_attestations_required
  const clause = `${HAIP_REQUIREMENTS['key-attestation'].clause}; OID4VCI 1.0 Appendix F.1`
  if (!keyAttestation) {
    if (required) fail(`has no key_attestation header; ${configurationId} binds credentials to attested keys only (key_attestations_required, ${clause})`)
    return
  }
  if (signer.method === 'did') fail(`names its key by a DID beside a key_attestation: an attested key is named by jwk (${clause})`)
  if (proofCount > 1) fail(`carries a key_attestation, which lists every key of the request (attested_keys): send it as the request's one key proof (${clause})`)
  if (keyAttestation.payload.nonce !== undefined && keyAttestation.payload.nonce !== payload.nonce) fail(`has another nonce than its key_attestation (${clause})`)
  const attested = (name: 'key_storage' | 'user_authentication') => {
    const accepted = required?.[name]
    if (accepted && !accepted.some((value) => keyAttestation.payload[name]?.includes(value))) {
      fail(`has a key_attestation whose ${name} is none of ${accepted.join(', ')}, which ${configurationId} requires (key_attestations_required, OID4VCI 1.0 Appendix D.1)`)
    }
  }
  attested('key_storage')
  attested('user_authentication')
}

/** The holder keys of verified key proofs, as Credo's issuance gives them to the credential mapper: the attested keys, or each proof's key. */
function holderBindingOf([first, ...others]: VerifiedJwtProof[]): VerifiedOpenId4VcCredentialHolderBinding {
  const { keyAttestation } = first
  if (keyAttestation) {
    return { proofType: 'jwt', bindingMethod: 'jwk', keys: keyAttestation.payload.attested_keys.map((key) => ({ method: 'jwk', jwk: Kms.PublicJwk.fromUnknown(key) })), keyAttestation }
  }
  const signers = [first, ...others].map((proof) => proof.signer)
  const didKeys = signers.flatMap((signer) => (signer.method === 'did' ? [{ method: 'did' as const, didUrl: signer.didUrl, jwk: Kms.PublicJwk.fromUnknown(signer.publicJwk) }] : []))
  if (didKeys.length > 0) return { proofType: 'jwt', bindingMethod: 'did', keys: didKeys }
  return { proofType: 'jwt', bindingMethod: 'jwk', keys: signers.map((signer) => ({ method: 'jwk', jwk: Kms.PublicJwk.fromUnknown(signer.publicJwk) })) }
}

function decodedHeader(jwt: unknown, which: string): Record<string, unknown> {
  try {
    return decodeProtectedHeader(jwt as string) as Record<string, unknown>
  } catch {
    throw refused('invalid_proof', `${which} is not a JWT (compact JWS, OID4VCI 1.0 Appendix F.1)`)
  }
}

/** A header value in a message: as it came when a string, as JSON otherwise (`String()` of an arbitrary object can throw). */
const shown = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value)))

/** How a proof names its key, in the words of `cryptographic_binding_methods_supported`: `jwk`, `did:<method>`, `x5c`. */
function bindingMethod(header: Record<string, unknown>): string {
  if (header.jwk !== undefined) return 'jwk'
  if (header.x5c !== undefined) return 'x5c'
  const kid = shown(header.kid)
  return kid.startsWith('did:') ? `did:${kid.split(':')[1]}` : `a kid that is no DID URL (${kid.slice(0, 60)})`
}

/** Credo's own c_nonce check (private in its types), so that this check and Credo's never disagree. */
function verifyNonce(context: Agent['context'], service: OpenId4VcIssuerService, issuer: OpenId4VcIssuerRecord, nonce: string): Promise<void> {
  return (service as unknown as { verifyNonce(context: Agent['context'], issuer: OpenId4VcIssuerRecord, nonce: string): Promise<void> }).verifyNonce(context, issuer, nonce)
}
