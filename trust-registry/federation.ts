import { queryAuthorization, queryRecognition, type TrustAnswerCache, TrustRegistryError } from './client'
import { configuredKeyPin, type RegistryKeyPin } from './keyPin'
import type { AssuranceStatement, AuthorizationAnswer, RecognitionAnswer, SignedAnswer } from './trqp'

/** A registry to ask, and the key its answers must be signed with. */
export interface RegistryEndpoint {
  url: string
  keyPin: RegistryKeyPin
}

/** One signed answer on the way from the verifier's registry to the issuer's authoritative one. */
export interface ChainLink {
  registry: string
  question: 'recognition' | 'authorization'
  /** The jurisdiction asked about: the recognized one, or the one the issuer is authorized under. */
  jurisdiction: string
  verdict: boolean
  message: string
  /** The registry's signed answer, for anyone to check again. */
  jws?: string
}

export type FederationRefusal = 'not-recognized' | 'not-authorized' | 'cycle' | 'too-deep' | TrustRegistryError['reason']

export interface FederatedTrust {
  trusted: boolean
  refusal?: FederationRefusal
  message: string
  chain: ChainLink[]
  /** What the issuer's registry says it vouches for, capped by every recognition on the way. */
  assurance?: AssuranceStatement
}

export interface FederatedQuery {
  issuer: string
  credentialType: string
  /** The jurisdiction the credential says it was issued under. */
  jurisdiction: string
  /** The verifier's trust authority, whose registry is `home`. */
  authority: string
  /** What the issuer does with the credential type: "issue" (default), or "certify" for a certifier. */
  action?: string
}

export interface FederationOptions {
  /** Registries followed beyond the first one asked for the authorization (referrals). Default 3. */
  maxReferrals?: number
  /** How old a signed answer may be, per registry (TRQP client default otherwise). */
  maxAgeSeconds?: number
  /** The time answers' age is judged at (default the system clock's). */
  now?: () => Date
  /** The positive answers kept between trust checks (a verifier's TrustAnswerCache); without it, each asks every registry. */
  answers?: TrustAnswerCache
}

const DEFAULT_MAX_REFERRALS = 3
const sameRegistry = (url: string) => url.replace(/\/+$/, '')
const capped = (assurance: AssuranceStatement | undefined, caps: number[]): AssuranceStatement | undefined => assurance && { ...assurance, level: Math.min(assurance.level, ...caps) }

/**
 * Follows recognitions from the verifier's own registry to the registry authoritative for the issuer's jurisdiction:
 * the home registry says whether `authority` recognizes the jurisdiction and where its registry is (with the key it
 * must sign with); that registry answers the authorization, or refers on to another it recognizes, at most
 * `maxReferrals` times and never back to one already asked. Each answer is checked (signature by the pinned key,
 * question, freshness) by the TRQP client; any failure refuses trust and keeps the chain up to it.
 */
export async function resolveFederatedTrust(home: RegistryEndpoint, query: FederatedQuery, options: FederationOptions = {}): Promise<FederatedTrust> {
  const chain: ChainLink[] = []
  const caps: number[] = []
  const refuse = (refusal: FederationRefusal, message: string): FederatedTrust => ({ trusted: false, refusal, message, chain })
  const clientOptions = (endpoint: RegistryEndpoint) => ({ keyPin: endpoint.keyPin, maxAgeSeconds: options.maxAgeSeconds, now: options.now, answers: options.answers })
  try {
    let registry = home
    if (query.jurisdiction !== query.authority) {
      const recognition: SignedAnswer<RecognitionAnswer> = await queryRecognition(
        home.url,
        { entity_id: query.jurisdiction, authority_id: query.authority, action: 'recognize', resource: query.credentialType },
        clientOptions(home),
      )
      chain.push({ registry: sameRegistry(home.url), question: 'recognition', jurisdiction: query.jurisdiction, verdict: recognition.recognized, message: recognition.message, jws: recognition.jws })
      if (!recognition.recognized) return refuse('not-recognized', `${query.authority} does not recognize ${query.jurisdiction} for ${query.credentialType}: ${recognition.message}`)
      if (recognition.max_assurance_level !== undefined) caps.push(recognition.max_assurance_level)
      if (recognition.registry) registry = { url: recognition.registry.url, keyPin: configuredKeyPin(recognition.registry.key) }
    }
    const asked = new Set<string>()
    const maxReferrals = options.maxReferrals ?? DEFAULT_MAX_REFERRALS
    for (;;) {
      if (asked.has(sameRegistry(registry.url))) {
        return refuse('cycle', `Recognition cycle: ${sameRegistry(registry.url)} was already asked about ${query.jurisdiction} on this chain (${[...asked].join(' → ')})`)
      }
      asked.add(sameRegistry(registry.url))
      const answer: SignedAnswer<AuthorizationAnswer> = await queryAuthorization(
        registry.url,
        { entity_id: query.issuer, authority_id: query.jurisdiction, action: query.action ?? 'issue', resource: query.credentialType },
        clientOptions(registry),
      )
      chain.push({ registry: sameRegistry(registry.url), question: 'authorization', jurisdiction: query.jurisdiction, verdict: answer.authorized, message: answer.message, jws: answer.jws })
      if (answer.referral) {
        if (asked.size > maxReferrals) return refuse('too-deep', `The chain to ${query.jurisdiction}'s registry is longer than ${maxReferrals} referrals: refused`)
        if (answer.referral.max_assurance_level !== undefined) caps.push(answer.referral.max_assurance_level)
        registry = { url: answer.referral.registry.url, keyPin: configuredKeyPin(answer.referral.registry.key) }
        continue
      }
      if (!answer.authorized)
        return refuse('not-authorized', `Issuer is not authorized to ${query.action ?? 'issue'} ${query.credentialType} in ${query.jurisdiction || 'an unnamed jurisdiction'}: ${answer.message}`)
      const assurance = capped(answer.assurance, caps)
      const recognized = query.jurisdiction === query.authority ? '' : `, and ${query.authority} recognizes ${query.jurisdiction} for ${query.credentialType}`
      const answeredBy = sameRegistry(registry.url) === sameRegistry(home.url) ? '' : ` (answered by ${query.jurisdiction}'s registry, ${sameRegistry(registry.url)})`
      return {
        trusted: true,
        message: `Issuer is authorized to ${query.action ?? 'issue'} ${query.credentialType} in ${query.jurisdiction}${answeredBy}${recognized}`,
        chain,
        ...(assurance ? { assurance } : {}),
      }
    }
  } catch (error) {
    if (!(error instanceof TrustRegistryError)) throw error
    return refuse(error.reason, error.message)
  }
}
