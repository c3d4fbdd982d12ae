import { authorizationAnswerSchema, recognitionAnswerSchema } from '@interop-lab/contracts'
import { calculateJwkThumbprint, compactVerify, createRemoteJWKSet, exportJWK } from 'jose'
import { z } from 'zod'
import { FeedCache } from '@interop-lab/common/net/changeFeed'
import type { RegistryEndpoint } from './federation'
import { configuredKeyPin, type RegistryKeyPin } from './keyPin'
import { TRQP_JWS_TYPE, type AnswerBase, type AuthorizationQuery, type RecognitionQuery, type SignedAnswer } from './trqp'

export type { AuthorizationAnswer, AuthorizationQuery, RecognitionAnswer, RecognitionQuery, SignedAnswer } from './trqp'

export interface TrustRegistryClientOptions {
  /** How old (by its `time_evaluated`) a signed answer may be before it is refused as a replay. Default 300 s. */
  maxAgeSeconds?: number
  /** The registry's signing key this party requires (configured, or pinned on first use); without one, any key its JWKS lists. */
  keyPin?: RegistryKeyPin
  /** The time an answer's age is judged at (default the system clock's): a lab run's clock, moved instead of sleeping. */
  now?: () => Date
  /** Where positive answers are kept between queries (a verifier's); without it, every query asks the registry. */
  answers?: TrustAnswerCache
}

interface KeptAnswer {
  answer: SignedAnswer<unknown> & Record<string, unknown>
  thumbprint: string
}

/**
 * The positive answers a party keeps, per registry, while that registry's change feed (GET /registry/changes) is
 * connected: each is used again, its signer's pin and its age checked at each use as a fresh one's are, until it is
 * older than the asker allows or its authorization or recognition `expires`; any change to the registry drops them
 * all before the change's caller hears back. A negative answer is never kept (a `validFrom` may pass), nor one asked
 * for another time (`context.time`).
 */
export class TrustAnswerCache {
  private readonly feeds = new Map<string, FeedCache<KeptAnswer>>()
  private closed = false

  /** The answers kept from the registry at `registryUrl` (its feed followed from the first ask); none once closed. */
  public of(registryUrl: string): FeedCache<KeptAnswer> | undefined {
    if (this.closed) return undefined
    let feed = this.feeds.get(registryUrl)
    if (!feed) {
      feed = new FeedCache<KeptAnswer>(`${registryUrl}/registry/changes`)
      this.feeds.set(registryUrl, feed)
    }
    return feed
  }

  public close(): void {
    this.closed = true
    for (const feed of this.feeds.values()) feed.close()
    this.feeds.clear()
  }
}

/** Why a registry answer could not be used; a negative answer (authorized: false) is not an error. */
export class TrustRegistryError extends Error {
  public constructor(
    public readonly reason: 'unreachable' | 'refused' | 'bad-signature' | 'wrong-answer' | 'key-changed',
    message: string,
  ) {
    super(message)
    this.name = 'TrustRegistryError'
  }
}

type Question = Pick<AnswerBase, 'entity_id' | 'authority_id' | 'action' | 'resource'>
const QUESTION_FIELDS = ['entity_id', 'authority_id', 'action', 'resource'] as const satisfies readonly (keyof Question)[]
const DEFAULT_MAX_AGE_SECONDS = 300
const CLOCK_SKEW_MS = 30_000

// One key set per registry: jose keeps the fetched JWKS and refetches only for a kid it has not seen.
const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>()
const keySetOf = (registryUrl: string) => {
  let keySet = keySets.get(registryUrl)
  if (!keySet) {
    keySet = createRemoteJWKSet(new URL(`${registryUrl}/.well-known/jwks.json`), { cooldownDuration: 5_000 })
    keySets.set(registryUrl, keySet)
  }
  return keySet
}

/**
 * Whether a call failed on a kept-alive connection the registry had closed (a restart, its idle timeout) before it
 * answered: undici's `other side closed` or a reset.
 */
const closedConnection = (error: unknown) => ['UND_ERR_SOCKET', 'ECONNRESET'].includes(String((error as { cause?: { code?: unknown } }).cause?.code))

async function post(url: string, query: object): Promise<{ status: number; body: { jws?: unknown; detail?: unknown } }> {
  const ask = () => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(query) })
  let response: Response
  try {
    // a TRQP query only reads: one the closed connection lost is asked once more, on a new connection
    response = await ask().catch((error: unknown) => (closedConnection(error) ? ask() : Promise.reject(error)))
  } catch (error) {
    throw new TrustRegistryError('unreachable', `The trust registry at ${url} is unreachable: ${error instanceof Error ? error.message : String(error)}`)
  }
  const body = (await response.json().catch(() => ({}))) as { jws?: unknown; detail?: unknown }
  return { status: response.status, body }
}

/** The payload the registry signed, and the JWK thumbprint of the key that signed it; the unsigned fields beside the JWS are never read. */
async function verifiedPayload(registryUrl: string, jws: string, typ = TRQP_JWS_TYPE): Promise<{ payload: Record<string, unknown>; thumbprint: string }> {
  try {
    const { payload, protectedHeader, key } = await compactVerify(jws, keySetOf(registryUrl), { algorithms: ['EdDSA'] })
    if (protectedHeader.typ !== typ) throw new Error(`its type is ${protectedHeader.typ}, expected ${typ}`)
    return { payload: JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>, thumbprint: await calculateJwkThumbprint(await exportJWK(key)) }
  } catch (error) {
    throw new TrustRegistryError('bad-signature', `The trust registry's answer is not signed by its key (${registryUrl}): ${error instanceof Error ? error.message : String(error)}`)
  }
}

/** A registry whose key changed may be an impostor at the registry's URL: refused until the operator configures the new key. */
async function checkPinnedKey(registryUrl: string, thumbprint: string, pin: RegistryKeyPin): Promise<void> {
  const required = await pin.required(registryUrl, thumbprint)
  if (required.thumbprint === thumbprint) return
  throw new TrustRegistryError(
    'key-changed',
    `The trust registry at ${registryUrl} signed with key ${thumbprint}, not the key ${required.thumbprint} ${required.source === 'configured' ? 'configured for it' : 'pinned on first use'}: its answers are refused. If the registry's operator confirms a key rotation, set --trust-registry-key (TRUST_REGISTRY_KEY) to the new thumbprint`,
  )
}

/** A statement of the registry other than a TRQP answer (its X.509 trust anchors): verified as its answers are, the signer pinned. */
async function verifiedRegistryStatement(registryUrl: string, jws: string, typ: string, keyPin?: RegistryKeyPin): Promise<Record<string, unknown>> {
  const base = registryUrl.replace(/\/+$/, '')
  const { payload, thumbprint } = await verifiedPayload(base, jws, typ)
  if (keyPin) await checkPinnedKey(base, thumbprint, keyPin)
  return payload
}

/** A genuine answer to another question (or an old one replayed) is still the wrong answer. */
function checkAnswers(answer: Record<string, unknown>, asked: Question & { time?: string }, maxAgeSeconds: number, now: Date): void {
  const differing: string[] = QUESTION_FIELDS.filter((field) => answer[field] !== asked[field])
  if (asked.time && answer.time_requested !== asked.time) differing.push('time_requested')
  if (differing.length) throw new TrustRegistryError('wrong-answer', `The trust registry's signed answer is about another question (${differing.join(', ')} differ)`)
  const evaluatedAt = Date.parse(String(answer.time_evaluated))
  const age = now.getTime() - evaluatedAt
  if (!Number.isFinite(evaluatedAt) || age > maxAgeSeconds * 1000 || age < -CLOCK_SKEW_MS) {
    throw new TrustRegistryError('wrong-answer', `The trust registry's signed answer was evaluated at ${String(answer.time_evaluated)}, not within the last ${maxAgeSeconds} s`)
  }
}

async function signedQuery<Answer>(
  registryUrl: string,
  path: string,
  query: Question & { context?: { time?: string } },
  verdict: 'authorized' | 'recognized',
  contract: z.ZodType<Answer>,
  options: TrustRegistryClientOptions,
): Promise<SignedAnswer<Answer>> {
  const base = registryUrl.replace(/\/+$/, '')
  const maxAgeSeconds = options.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS
  const now = options.now?.() ?? new Date()
  const feed = query.context?.time === undefined ? options.answers?.of(base) : undefined
  const key = `${path} ${JSON.stringify(query)}`
  const kept = feed?.get(key, now.getTime())
  if (kept && ageWithin(kept.answer, maxAgeSeconds, now)) {
    if (options.keyPin) await checkPinnedKey(base, kept.thumbprint, options.keyPin)
    return kept.answer as SignedAnswer<Answer>
  }
  const ticket = feed?.ticket()
  const { status, body } = await post(`${base}${path}`, query)
  // a refusal is an RFC 9457 problem: its `detail` says why
  if (status !== 200) throw new TrustRegistryError('refused', `The trust registry answered ${status}: ${typeof body.detail === 'string' ? body.detail : 'no reason given'}`)
  if (typeof body.jws !== 'string') throw new TrustRegistryError('bad-signature', `The trust registry's answer carries no JWS (${base})`)
  const { payload: answer, thumbprint } = await verifiedPayload(base, body.jws)
  if (options.keyPin) await checkPinnedKey(base, thumbprint, options.keyPin)
  checkAnswers(answer, { ...query, time: query.context?.time }, maxAgeSeconds, now)
  if (typeof answer[verdict] !== 'boolean') throw new TrustRegistryError('wrong-answer', `The trust registry's signed answer has no "${verdict}" verdict`)
  // extra members pass through: a newer registry may say more than this client reads
  const parsed = contract.safeParse(answer)
  if (!parsed.success) throw new TrustRegistryError('wrong-answer', `The trust registry's signed answer is not a TRQP answer (contracts/z-trust-registry.ts): ${z.prettifyError(parsed.error)}`)
  const signed = { ...answer, ...parsed.data, jws: body.jws }
  if (feed && ticket && answer[verdict] === true) feed.keep(ticket, key, { answer: signed, thumbprint }, keptUntil(answer, maxAgeSeconds))
  return signed
}

const ageWithin = (answer: Record<string, unknown>, maxAgeSeconds: number, now: Date) => now.getTime() - Date.parse(String(answer.time_evaluated)) <= maxAgeSeconds * 1000

/** Until when a positive answer may be used again: its asker's freshness window, and no later than it `expires`. */
function keptUntil(answer: Record<string, unknown>, maxAgeSeconds: number): number {
  const expires = typeof answer.expires === 'string' ? Date.parse(answer.expires) : Number.POSITIVE_INFINITY
  // an unreadable date makes it NaN: FeedCache never uses such an entry
  return Math.min(Date.parse(String(answer.time_evaluated)) + maxAgeSeconds * 1000, expires)
}

/** May `entity_id` perform `action` on `resource` under `authority_id`? Only a verified, matching, fresh answer is returned. */
export const queryAuthorization = (registryUrl: string, query: AuthorizationQuery, options: TrustRegistryClientOptions = {}) =>
  signedQuery(registryUrl, '/trqp/authorization', query, 'authorized', authorizationAnswerSchema, options)

/** Does the authority `authority_id` recognize the authority `entity_id` for `resource`? */
export const queryRecognition = (registryUrl: string, query: RecognitionQuery, options: TrustRegistryClientOptions = {}) =>
  signedQuery(registryUrl, '/trqp/recognition', { ...query, action: query.action ?? 'recognize' }, 'recognized', recognitionAnswerSchema, options)

/** The `typ` of the registry's signed list of X.509 trust anchors (`GET /x509/anchors`, trust-registry/x509Anchors.ts). */
export const X509_ANCHORS_JWS_TYPE = 'x509-anchors+jwt'

/** An X.509 trust anchor the registry lists: a jurisdiction's root (SD-JWT VC, JWT) or IACA (mdoc). */
export interface X509Anchor {
  /** SHA-256 of the certificate's DER, hex: its id in the registry. */
  thumbprint: string
  jurisdiction: string
  /**
   * `root`: SD-JWT VC and JWT issuers' chains; `iaca`: mdoc document signers' (ISO 18013-5 Annex B); `verifier`: relying
   * parties' request-signing certificates (HAIP 1.0 x509 client ids), its credential types those they may ask for.
   */
  kind: 'root' | 'iaca' | 'verifier'
  /** Base64 DER. */
  certificate: string
  /** The credential types a chain to this anchor may issue. */
  credentialTypes: string[]
}

/**
 * The X.509 trust anchors the registry at `registryUrl` lists (for `credentialType`, when given), from its signed statement:
 * the signature by its (pinned) key, the question it answers and its freshness are checked, as for its TRQP answers.
 */
export async function registryAnchors(registryUrl: string, options: { credentialType?: string; keyPin?: RegistryKeyPin } = {}): Promise<X509Anchor[]> {
  const base = registryUrl.replace(/\/+$/, '')
  const url = `${base}/x509/anchors${options.credentialType ? `?credential_type=${encodeURIComponent(options.credentialType)}` : ''}`
  let body: { jws?: unknown }
  try {
    const response = await fetch(url, { headers: { accept: 'application/json' } })
    if (!response.ok) throw new TrustRegistryError('refused', `The trust registry answered ${response.status} for its X.509 anchors (${url})`)
    body = (await response.json()) as { jws?: unknown }
  } catch (error) {
    if (error instanceof TrustRegistryError) throw error
    throw new TrustRegistryError('unreachable', `The trust registry at ${base} is unreachable: ${error instanceof Error ? error.message : String(error)}`)
  }
  if (typeof body.jws !== 'string') throw new TrustRegistryError('bad-signature', `The trust registry's X.509 anchors carry no JWS (${base})`)
  const statement = await verifiedRegistryStatement(base, body.jws, X509_ANCHORS_JWS_TYPE, options.keyPin)
  if (statement.credential_type !== options.credentialType)
    throw new TrustRegistryError('wrong-answer', `The trust registry's signed anchors are for ${String(statement.credential_type ?? 'every type')}, not ${options.credentialType ?? 'every type'}`)
  const age = Date.now() - Date.parse(String(statement.time_evaluated))
  if (!(age <= DEFAULT_MAX_AGE_SECONDS * 1000 && age > -CLOCK_SKEW_MS)) {
    throw new TrustRegistryError('wrong-answer', `The trust registry's signed anchors were evaluated at ${String(statement.time_evaluated)}, not within the last ${DEFAULT_MAX_AGE_SECONDS} s`)
  }
  return statement.anchors as X509Anchor[]
}

/** The authority a registry answers for (its TRQP configuration), asked once per registry. */
const authorities = new Map<string, Promise<string>>()
function authorityOf(registryUrl: string): Promise<string> {
  let authority = authorities.get(registryUrl)
  if (!authority) {
    authority = fetch(`${registryUrl}/.well-known/trqp-configuration`).then(async (response) => {
      if (!response.ok) throw new TrustRegistryError('refused', `The trust registry at ${registryUrl} answered ${response.status} for its TRQP configuration`)
      return String(((await response.json()) as { authority_id?: unknown }).authority_id)
    })
    authority.catch(() => authorities.delete(registryUrl))
    authorities.set(registryUrl, authority)
  }
  return authority
}

/**
 * The anchors a verifier whose registry is `home` trusts for `jurisdiction`'s issuers: those `home` lists, and those of the
 * registry authoritative for `jurisdiction`, reached as the federation reaches it (home's signed recognition of the
 * jurisdiction for `credentialType` names that registry and the key it signs with).
 */
export async function federatedAnchors(home: RegistryEndpoint, jurisdiction: string, credentialType: string): Promise<X509Anchor[]> {
  const base = home.url.replace(/\/+$/, '')
  const own = await registryAnchors(base, { keyPin: home.keyPin })
  const authority = await authorityOf(base)
  if (jurisdiction === authority) return own
  const recognition = await queryRecognition(base, { entity_id: jurisdiction, authority_id: authority, action: 'recognize', resource: credentialType }, { keyPin: home.keyPin })
  if (!recognition.recognized || !recognition.registry || recognition.registry.url.replace(/\/+$/, '') === base) return own
  return [...own, ...(await registryAnchors(recognition.registry.url, { keyPin: configuredKeyPin(recognition.registry.key) }))]
}
