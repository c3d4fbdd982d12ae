import { resolveFederatedTrust, type FederationOptions } from '@interop-lab/trust-registry/federation'
import { databaseKeyPin, memoryKeyPin, registryKeyPin, type RegistryKeyPin } from '@interop-lab/trust-registry/keyPin'
import type { AssuranceStatement } from '@interop-lab/trust-registry/trqp'
import type { TrustAnswerCache } from '@interop-lab/trust-registry/client'
import type { Clock } from '@interop-lab/common/clock'
import type { Database } from '@interop-lab/common/db'
import { sameKeyDidJwk } from '@interop-lab/common/didcomm/ldpDid'
import type { TrustCheck } from './decision'

/** The trust registry a verifier asks: its URL and, when configured, its signing key's JWK thumbprint (otherwise pinned on first use). */
export interface TrustRegistryLocation {
  url: string
  key?: string
  /**
   * The registry of each other trust authority a policy may rely on (`trustAuthority: "CA-AB"`: Alberta's), by
   * authority; their keys are pinned on first use. A policy relying on an authority not listed asks `url`.
   */
  authorities?: Record<string, string>
}

/**
 * The verifier's trust check: a policy's trust authority's own registry when listed, the verifier's registry otherwise;
 * positive answers kept in `answers` while each registry's change feed is connected (trust-registry/client.ts).
 */
export function locatedTrustCheck(location: TrustRegistryLocation, db: Database, clock: Clock, answers?: TrustAnswerCache): TrustCheck {
  const options = { now: () => clock.now(), answers }
  const own = trustRegistryCheck(location.url, registryKeyPin(db, location.key), options)
  const others = new Map(Object.entries(location.authorities ?? {}).map(([authority, url]) => [authority, trustRegistryCheck(url, databaseKeyPin(db), options)]))
  return (query) => (others.get(query.authority) ?? own)(query)
}

/**
 * Asks the verifier's own registry, signed by its pinned key, whether its authority recognizes the issuer's
 * jurisdiction for the credential type, then follows the recognition to the registry authoritative for that
 * jurisdiction (trust-registry/federation.ts). The trace's detail carries every signed answer of the chain.
 */
export function trustRegistryCheck(registryUrl: string, keyPin: RegistryKeyPin = memoryKeyPin(), options: FederationOptions = {}): TrustCheck {
  return async ({ issuer, credentialType, jurisdiction, authority, minimumAssurance, maxAnswerAgeSeconds }) => {
    // the registry binds an issuer's did:jwk; its JSON-LD credentials name the did:key of the same Ed25519 key
    const query = { issuer: sameKeyDidJwk(issuer), credentialType, jurisdiction, authority }
    const { trusted, message, chain, refusal, assurance } = await resolveFederatedTrust(
      { url: registryUrl, keyPin },
      query,
      maxAnswerAgeSeconds ? { ...options, maxAgeSeconds: maxAnswerAgeSeconds } : options,
    )
    const detail = { chain, ...(refusal ? { refusal } : {}), ...(assurance ? { assurance } : {}) }
    const shortfall = trusted && minimumAssurance ? assuranceShortfall(assurance, minimumAssurance) : undefined
    if (shortfall) return { authorized: false, message: `${message}, but ${shortfall}`, detail: { ...detail, refusal: 'assurance' } }
    return { authorized: trusted, message, detail }
  }
}

/** Why the assurance the chain vouches for is below what the policy requires (PCTF: subject and level), if it is. */
function assuranceShortfall(vouched: AssuranceStatement | undefined, minimum: AssuranceStatement): string | undefined {
  const required = `${minimum.subject} at level ${minimum.level} or higher`
  if (!vouched) return `the issuer's registry states no assurance, and the policy requires ${required}`
  if (vouched.subject !== minimum.subject || vouched.level < minimum.level) {
    return `its assurance as vouched for along the chain is ${vouched.subject} at level ${vouched.level}, and the policy requires ${required}`
  }
  return undefined
}
