import { calculateJwkThumbprint, compactVerify, createRemoteJWKSet, exportJWK } from 'jose'
import type { RegistryKeyPin } from './keyPin'
import { TRQP_JWS_TYPE, type AnswerBase, type AuthorizationAnswer, type AuthorizationQuery, type RecognitionAnswer, type RecognitionQuery, type SignedAnswer } from './trqp'

export type { AuthorizationAnswer, AuthorizationQuery, RecognitionAnswer, RecognitionQuery, SignedAnswer } from './trqp'

export interface TrustRegistryClientOptions {
  /** How old (by its `time_evaluated`) a signed answer may be before it is refused as a replay. Default 300 s. */
  maxAgeSeconds?: number
  /** The registry's signing key this party requires (configured, or pinned on first use); without one, any key its JWKS lists. */
  keyPin?: RegistryKeyPin
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
  if (!keySet) keySets.set(registryUrl, (keySet = createRemoteJWKSet(new URL(`${registryUrl}/.well-known/jwks.json`), { cooldownDuration: 5_000 })))
  return keySet
}

async function post(url: string, query: object): Promise<{ status: number; body: { jws?: unknown; message?: unknown } }> {
  let response: Response
  try {
    response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(query) })
  } catch (error) {
    throw new TrustRegistryError('unreachable', `The trust registry at ${url} is unreachable: ${error instanceof Error ? error.message : String(error)}`)
  }
  const body = (await response.json().catch(() => ({}))) as { jws?: unknown; message?: unknown }
  return { status: response.status, body }
}

/** The payload the registry signed, and the JWK thumbprint of the key that signed it; the unsigned fields beside the JWS are never read. */
async function verifiedPayload(registryUrl: string, jws: string): Promise<{ payload: Record<string, unknown>; thumbprint: string }> {
  try {
    const { payload, protectedHeader, key } = await compactVerify(jws, keySetOf(registryUrl), { algorithms: ['EdDSA'] })
    if (protectedHeader.typ !== TRQP_JWS_TYPE) throw new Error(`its type is ${protectedHeader.typ}, expected ${TRQP_JWS_TYPE}`)
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

/** A genuine answer to another question (or an old one replayed) is still the wrong answer. */
function checkAnswers(answer: Record<string, unknown>, asked: Question & { time?: string }, maxAgeSeconds: number): void {
  const differing: string[] = QUESTION_FIELDS.filter((field) => answer[field] !== asked[field])
  if (asked.time && answer.time_requested !== asked.time) differing.push('time_requested')
  if (differing.length) throw new TrustRegistryError('wrong-answer', `The trust registry's signed answer is about another question (${differing.join(', ')} differ)`)
  const evaluatedAt = Date.parse(String(answer.time_evaluated))
  const age = Date.now() - evaluatedAt
  if (!Number.isFinite(evaluatedAt) || age > maxAgeSeconds * 1000 || age < -CLOCK_SKEW_MS) {
    throw new TrustRegistryError('wrong-answer', `The trust registry's signed answer was evaluated at ${String(answer.time_evaluated)}, not within the last ${maxAgeSeconds} s`)
  }
}

async function signedQuery<Answer>(
  registryUrl: string,
  path: string,
  query: Question & { context?: { time?: string } },
  verdict: 'authorized' | 'recognized',
  options: TrustRegistryClientOptions,
): Promise<SignedAnswer<Answer>> {
  const base = registryUrl.replace(/\/+$/, '')
  const { status, body } = await post(`${base}${path}`, query)
  if (status !== 200) throw new TrustRegistryError('refused', `The trust registry answered ${status}: ${typeof body.message === 'string' ? body.message : 'no reason given'}`)
  if (typeof body.jws !== 'string') throw new TrustRegistryError('bad-signature', `The trust registry's answer carries no JWS (${base})`)
  const { payload: answer, thumbprint } = await verifiedPayload(base, body.jws)
  if (options.keyPin) await checkPinnedKey(base, thumbprint, options.keyPin)
  checkAnswers(answer, { ...query, time: query.context?.time }, options.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS)
  if (typeof answer[verdict] !== 'boolean') throw new TrustRegistryError('wrong-answer', `The trust registry's signed answer has no "${verdict}" verdict`)
  return { ...(answer as Answer), jws: body.jws }
}

/** May `entity_id` perform `action` on `resource` under `authority_id`? Only a verified, matching, fresh answer is returned. */
export const queryAuthorization = (registryUrl: string, query: AuthorizationQuery, options: TrustRegistryClientOptions = {}) =>
  signedQuery<AuthorizationAnswer>(registryUrl, '/trqp/authorization', query, 'authorized', options)

/** Does the authority `authority_id` recognize the authority `entity_id` for `resource`? */
export const queryRecognition = (registryUrl: string, query: RecognitionQuery, options: TrustRegistryClientOptions = {}) =>
  signedQuery<RecognitionAnswer>(registryUrl, '/trqp/recognition', { ...query, action: query.action ?? 'recognize' }, 'recognized', options)
