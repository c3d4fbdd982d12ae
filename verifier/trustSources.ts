import type { Agent } from '@credo-ts/core'
import { recognitionListingSchema } from '@interop-lab/contracts'
import type { Clock } from '@interop-lab/common/clock'
import type { Database } from '@interop-lab/common/db'
import { trustRootsForCredo } from '@interop-lab/common/x509/credoTrust'
import { federatedAnchors, registryAnchors, type TrustAnswerCache, TrustRegistryError, type X509Anchor } from '@interop-lab/trust-registry/client'
import type { RegistryEndpoint } from '@interop-lab/trust-registry/federation'
import { registryKeyPin } from '@interop-lab/trust-registry/keyPin'
import type { X509AnchorSource } from './checks/x5cSignerIsIssuer'
import type { TrustCheck } from './decision'
import { locatedTrustCheck, type TrustRegistryLocation } from './trust'

export interface TrustSources {
  /** Whether the trust registry vouches for an issuer of a credential type (the decision's `trust` check). */
  trust: TrustCheck
  /** The roots x5c-signed credentials and the IACAs mdocs' document signers must chain to, as the jurisdiction's registry lists them. */
  x509Anchors: X509AnchorSource
  /** The roots and IACAs listed for a credential type by the registry and every jurisdiction it recognizes for that type (a HAIP request's DCQL trusted_authorities). */
  x509AnchorsForType: (credentialType: string) => Promise<X509Anchor[]>
}

/**
 * What the verifier trusts, from its trust registry (reached with the registry's pinned key) or, in tests, a given
 * check with no X.509 anchor. Credo, which verifies an mdoc device response or an x5c SD-JWT VC itself too, is told
 * to trust what the registry lists plus the leaf a credential carries: the lab's own chain check (x5cSignerIsIssuer)
 * decides, and an x5c SD-JWT VC's root may be listed by its jurisdiction's registry only (federatedAnchors).
 */
export function trustSources(agent: Agent, db: Database, source: TrustCheck | TrustRegistryLocation, clock: Clock, answers?: TrustAnswerCache): TrustSources {
  if (typeof source === 'function') {
    trustRootsForCredo(agent, async (chain) => [chain[0].toString('base64')])
    return { trust: source, x509Anchors: async () => [], x509AnchorsForType: async () => [] }
  }
  const keyPin = registryKeyPin(db, source.key)
  trustRootsForCredo(agent, async (chain) => [...(await registryAnchors(source.url, { keyPin })).map((anchor) => anchor.certificate), chain[0].toString('base64')])
  return {
    trust: locatedTrustCheck(source, db, clock, answers),
    x509Anchors: (jurisdiction, credentialType) => federatedAnchors({ url: source.url, keyPin }, jurisdiction, credentialType),
    x509AnchorsForType: (credentialType) => anchorsForType({ url: source.url, keyPin }, credentialType),
  }
}

/** The anchors listed for `credentialType` by `home` and by the registry of each jurisdiction `home` recognizes for it (its federation, as federatedAnchors reaches it). */
async function anchorsForType(home: RegistryEndpoint, credentialType: string): Promise<X509Anchor[]> {
  const url = `${home.url.replace(/\/+$/, '')}/registry/recognitions`
  const response = await fetch(url, { headers: { accept: 'application/json' } })
  if (!response.ok) throw new TrustRegistryError('refused', `The trust registry answered ${response.status} for its recognitions (${url})`)
  const listing = recognitionListingSchema.safeParse(await response.json().catch(() => undefined))
  if (!listing.success) throw new TrustRegistryError('refused', `The trust registry's recognitions (${url}) are not a recognition listing: ${listing.error.message}`)
  const { authority, recognitions } = listing.data
  const recognized = recognitions.filter((r) => r.authority === authority && !r.withdrawnAt && (r.resource === credentialType || r.resource === '*')).map((r) => r.recognizes)
  const listed = (await Promise.all([authority, ...new Set(recognized)].map((jurisdiction) => federatedAnchors(home, jurisdiction, credentialType)))).flat()
  return [...new Map(listed.filter((anchor) => anchor.credentialTypes.includes(credentialType)).map((anchor) => [anchor.thumbprint, anchor])).values()]
}
