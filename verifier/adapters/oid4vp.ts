import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { AgentContext } from '@credo-ts/core'
import { base64url, calculateJwkThumbprint, type JWK } from 'jose'
import { type OpenId4VcVerificationSessionRecord, type OpenId4VcVerificationSessionRepository, OpenId4VcVerificationSessionState, type OpenId4VcVerifierApi } from '@credo-ts/openid4vc'
import { systemClock } from '@interop-lab/common/clock'
import type { CredentialType } from '@interop-lab/common/credentialTypes'
import type { Database } from '@interop-lab/common/db'
import type { PartyIdentity } from '@interop-lab/common/identities'
import { dcqlQueryFor } from '../dcql'
import { type CredentialResult, type Decision, decide, type PresentationChecks } from '../decision'
import { oid4vpOutcome, readVpToken } from '../oid4vp/adapter'
import type { JwtVpTools } from '../oid4vp/jwtVp'
import type { Purposes, VerificationPolicy } from '../policy'
import { credentialQueriesOf, forgetResponse, type KeptResponse, OPEN_STATES, type RequestPayload, type WalTruncator } from '../responses'
import type { VerificationRow } from '../sessions'
import { keepDecision, keptDecision, type RequestObject, type VerificationAdapter, type VerificationRequest } from '../verifications'
import type { RequestableFormat } from '@interop-lab/common/protocols'
import type { X509AnchorSource } from '../checks/x5cSignerIsIssuer'
import { type ClientIdPrefix, HAIP_RESPONSE_MODE, type HaipExchange, haipFindings, haipRequestUrl } from '../oid4vp/haip'
import type { RelyingParty } from '../relyingParties'
import { withTrustedAuthorities } from '../oid4vp/trustedAuthorities'
import type { X509Anchor } from '@interop-lab/trust-registry/client'

export interface Oid4vpVerificationOptions {
  verifierApi: OpenId4VcVerifierApi
  agentContext: AgentContext
  sessions: OpenId4VcVerificationSessionRepository
  db: Database
  types: Map<string, CredentialType>
  purposes: Purposes
  /** Each verifier's identity: its request objects are signed with its key. */
  identities: Map<string, PartyIdentity>
  checks: PresentationChecks
  presentationTools: JwtVpTools
  /** How long a response nobody asked a decision for is kept. */
  responseRetentionMs: number
  /** SQLite: empties the write-ahead log once a decided response is forgotten (verifier/responses.ts). */
  wal?: WalTruncator
  policyFor(policyId: string): VerificationPolicy
  /** Each verifier's X.509 certificate: its HAIP requests are signed with its key, its client id names it. */
  relyingParties: Map<string, RelyingParty>
  /** The roots and IACAs the trust registry lists: under HAIP, every credential chains to one (`credential-chain`). */
  x509Anchors: X509AnchorSource
  /** The roots and IACAs listed for a credential type across the federation: a HAIP request's trusted_authorities name them. */
  x509AnchorsForType: (credentialType: string) => Promise<X509Anchor[]>
  /** Where this verifier answers: a same-device verification's redirect back is its `GET /verifications/:id`. */
  baseUrl: string
}

/** A same-device HAIP verification's response code, kept on Credo's session, and whether its redirect back arrived with it. */
const SAME_DEVICE = 'interop-lab/same-device'
interface SameDevice {
  responseCode: string
  followed: boolean
}

/** The OID4VP adapter, which also decides a response the response gate has just kept, from what the gate read of it. */
export interface Oid4vpVerificationAdapter extends VerificationAdapter {
  decideKept(row: VerificationRow, response: KeptResponse): Promise<Decision | undefined>
}

/** OID4VP 1.0: a signed request object with a DCQL query (direct_post), decided from the raw response by the lab's own checks. */
export function oid4vpVerification(options: Oid4vpVerificationOptions): Oid4vpVerificationAdapter {
  const { verifierApi, types, identities } = options
  return {
    async createRequest(policy, { format, profile, clientIdPrefix, sameDevice }) {
      if (profile === 'haip') return haipRequest(options, policy, format, clientIdPrefix ?? 'x509_hash', sameDevice ?? false)
      const { authorizationRequest, verificationSession } = await verifierApi.createAuthorizationRequest({
        verifierId: policy.verifier,
        requestSigner: { method: 'did', didUrl: identities.get(policy.verifier)!.kid },
        dcql: { query: dcqlQueryFor(policy, types, format) },
        responseMode: 'direct_post',
        version: 'v1',
      })
      return { id: verificationSession.id, requestUri: authorizationRequest, requestObject: requestObjectOf(verificationSession) }
    },
    async decide(row, { responseCode } = {}) {
      const session = await verifierApi.getVerificationSessionById(row.id)
      if (responseCode) await redirectedBack(options, session, responseCode)
      const decision = await decisionFor(options, row, session)
      // the lab verified the response itself: Credo's session never saw it, and stays as its request left it
      const answered = decision && OPEN_STATES.includes(session.state)
      return { state: answered ? OpenId4VcVerificationSessionState.ResponseVerified : session.state, decision }
    },
    decideKept: (row, response) => decisionFor(options, row, response.session, response),
  }
}

/**
 * HAIP 1.0: the request object signed ES256 by the verifier's X.509 leaf (x5c) and fetched by reference, an x509_hash or
 * x509_san_dns client id, a JWE response (direct_post.jwt, an ephemeral P-256 key in client_metadata), a DCQL query.
 * Key binding is required by the DCQL query's default (require_cryptographic_holder_binding); each credential query names
 * the authorities the trust registry lists for its type (trusted_authorities, aki).
 */
async function haipRequest(
  options: Oid4vpVerificationOptions,
  policy: VerificationPolicy,
  format: RequestableFormat,
  clientIdPrefix: ClientIdPrefix,
  sameDevice: boolean,
): Promise<VerificationRequest> {
  const party = options.relyingParties.get(policy.verifier)
  if (!party) throw new Error(`The verifier ${policy.verifier} has no X.509 certificate: it cannot make a HAIP request`)
  const { authorizationRequest, verificationSession } = await options.verifierApi.createAuthorizationRequest({
    verifierId: policy.verifier,
    requestSigner: { method: 'x5c', x5c: [party.chain.leaf.certificate], clientIdPrefix },
    dcql: { query: await withTrustedAuthorities(dcqlQueryFor(policy, options.types, format), policy, format, options.x509AnchorsForType) },
    responseMode: HAIP_RESPONSE_MODE,
    version: 'v1',
  })
  if (sameDevice) {
    // HAIP 1.0 §5, OID4VP 1.0 §8.2: the wallet's POST is answered with this redirect_uri (Credo sends the session's), which the wallet follows
    const responseCode = randomBytes(24).toString('base64url')
    verificationSession.authorizationResponseRedirectUri = `${options.baseUrl}/verifications/${verificationSession.id}?${new URLSearchParams({ response_code: responseCode })}`
    verificationSession.metadata.set(SAME_DEVICE, { responseCode, followed: false } satisfies SameDevice)
    await options.sessions.update(options.agentContext, verificationSession)
  }
  return { id: verificationSession.id, requestUri: haipRequestUrl(authorizationRequest), requestObject: requestObjectOf(verificationSession) }
}

/** The request object a new session's request_uri names, served by the verifier (verifier/routes/requestObjects.ts). */
function requestObjectOf(session: OpenId4VcVerificationSessionRecord): RequestObject | undefined {
  const { authorizationRequestId: id, authorizationRequestJwt: jwt, expiresAt } = session
  return id && jwt ? { id, jwt, expiresAt } : undefined
}

/** The redirect back of a same-device verification: it counts when it carries that verification's response code (its session's). */
async function redirectedBack(options: Oid4vpVerificationOptions, session: OpenId4VcVerificationSessionRecord, responseCode: string): Promise<void> {
  const sameDevice = session.metadata.get<SameDevice>(SAME_DEVICE)
  const [expected, presented] = [Buffer.from(sameDevice?.responseCode ?? ''), Buffer.from(responseCode)]
  if (!sameDevice || sameDevice.followed || expected.length !== presented.length || !timingSafeEqual(expected, presented)) return
  session.metadata.set(SAME_DEVICE, { ...sameDevice, followed: true })
  await options.sessions.update(options.agentContext, session)
}

/** The JWK SHA-256 thumbprint (RFC 7638) of the key the request asked its response to be encrypted to. */
async function encryptionKeyThumbprint(request: RequestPayload): Promise<Uint8Array | undefined> {
  const key = request.client_metadata?.jwks?.keys.find((jwk) => jwk.use === 'enc')
  return key ? base64url.decode(await calculateJwkThumbprint(key as JWK, 'sha256')) : undefined
}

/** What the verifier knows of a HAIP exchange when it decides: its own request object, and how the response arrived. */
function haipExchange(
  session: OpenId4VcVerificationSessionRecord,
  request: RequestPayload,
  encrypted: boolean | undefined,
  rawVpToken: string | undefined,
  credentials: CredentialResult[],
): HaipExchange {
  const { client_id, response_uri, dcql_query } = request
  const sameDevice = session.metadata.get<SameDevice>(SAME_DEVICE)
  return {
    redirectFollowed: sameDevice ? sameDevice.followed : undefined,
    requestJwt: session.authorizationRequestJwt,
    clientId: String(client_id ?? ''),
    responseUri: typeof response_uri === 'string' ? response_uri : undefined,
    encrypted,
    dcqlQuery: dcql_query,
    rawVpToken,
    credentials,
  }
}

/** The response kept for a request, as the decision reads it: its vp_token undefined once forgotten or past its retention. */
interface ReceivedResponse {
  rawVpToken?: string
  receivedAt: Date
  encrypted: boolean
}

async function receivedResponse(options: Oid4vpVerificationOptions, state: string, now: Date): Promise<ReceivedResponse | undefined> {
  const [response] = await options.db.query<{ vp_token: string; received_at: string; encrypted: number; forgotten: number }>(
    'SELECT vp_token, received_at, encrypted, forgotten FROM verification_responses WHERE state = ?',
    [state],
  )
  if (!response) return undefined
  const receivedAt = new Date(response.received_at)
  // a response kept past its retention limit is not decided on, even before the pruning forgets it
  const stale = receivedAt.getTime() < now.getTime() - options.responseRetentionMs
  return { rawVpToken: response.forgotten || stale ? undefined : response.vp_token, receivedAt, encrypted: Boolean(response.encrypted) }
}

/**
 * Decides once, when the response gate kept a response for the session (verifier/responses.ts; `kept`: what the gate
 * read of it, when it asks at once) or Credo closed it on a wallet's error response, from the raw response by the lab's
 * own checks, and keeps the decision; the raw response is then forgotten, its row kept as the marker that the request
 * was answered: only the trace remains.
 */
async function decisionFor(options: Oid4vpVerificationOptions, row: VerificationRow, session: OpenId4VcVerificationSessionRecord, kept?: KeptResponse): Promise<Decision | undefined> {
  const { db } = options
  const decided = keptDecision(row)
  if (decided) return decided
  const payload = kept?.request ?? session.requestPayload
  const state = String(payload.state ?? '')
  const now = (options.checks.clock ?? systemClock).now()
  const response: ReceivedResponse | undefined = kept ?? (await receivedResponse(options, state, now))
  const refused = session.state === OpenId4VcVerificationSessionState.Error
  if (!response && !refused) return undefined
  const { nonce, client_id, response_uri } = payload
  const request = {
    nonce: String(nonce ?? ''),
    clientId: String(client_id ?? ''),
    responseUri: typeof response_uri === 'string' ? response_uri : undefined,
    encryptionKeyThumbprint: response?.encrypted ? await encryptionKeyThumbprint(payload) : undefined,
  }
  const engineError = refused ? (session.errorMessage ?? 'The response could not be verified') : undefined
  const rawVpToken = response?.rawVpToken
  const shape = kept ? kept.shape : rawVpToken === undefined ? undefined : readVpToken(rawVpToken, credentialQueriesOf(payload))
  const outcome = await oid4vpOutcome(shape, request, response?.receivedAt ?? now, options.presentationTools, engineError)
  if (row.profile === 'haip') {
    const exchange = haipExchange(session, payload, response?.encrypted, rawVpToken, outcome.credentials)
    outcome.response.push(...(await haipFindings(exchange, options.x509Anchors)))
  }
  const decision = await decide(options.policyFor(row.policy_id), options.purposes, outcome, options.checks)
  if (await keepDecision(db, row.id, decision)) {
    if (response) await forgetResponse(db, state, options.wal)
    return decision
  }
  // decided concurrently: the first decision stands (and its decider forgets the response)
  const [stored] = await db.query<VerificationRow>('SELECT * FROM verifications WHERE id = ?', [row.id])
  return keptDecision(stored)
}
