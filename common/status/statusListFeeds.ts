import type { Kms, VerificationMethod } from '@credo-ts/core'
import { FeedCache } from '../net/changeFeed'

/**
 * A status list kept from its issuer: its body, and the keys its signature verified with since it was kept (a
 * signature check of these exact bytes with the same key gives the same answer: it is not made again).
 */
export interface KeptStatusList {
  body: string
  verifiedWith: Set<string>
}

/** How `verifiedWith` names a signer key: the verification method as resolved now, its controller and its public JWK. */
export const signerKeyName = (method: VerificationMethod, jwk: Kms.PublicJwk): string => `${method.controller} ${method.id} ${JSON.stringify(jwk.toJson())}`

/**
 * The status lists a verifier keeps for as long as HTTP caching allows (`Cache-Control: max-age`, which the lab's
 * issuers set to the list's `ttl`), and only while the issuer's status change feed beside them (`<issuer>/status/changes`,
 * issuer/status/router.ts) is connected: the issuer publishes each status change there and answers the call that
 * made it (a revocation, a correction) only once every connected verifier dropped what it kept. A list with no such
 * feed beside it (another issuer's) is fetched every time. Registered in the verifier's agent (fetchStatusList finds it).
 */
export class StatusListFeeds {
  private readonly feeds = new Map<string, FeedCache<KeptStatusList>>()
  private closed = false

  public constructor(private readonly fetch: typeof globalThis.fetch) {}

  /** The lists kept from the issuer publishing `listUrl`; undefined for a URL not shaped as the lab's issuers publish. */
  public of(listUrl: string): FeedCache<KeptStatusList> | undefined {
    const issuer = /^(https?:\/\/[^?#]*?)\/status\/(?:token|bitstring)\//.exec(listUrl)?.[1]
    if (!issuer || this.closed) return undefined
    let feed = this.feeds.get(issuer)
    if (!feed) {
      feed = new FeedCache<KeptStatusList>(`${issuer}/status/changes`, this.fetch)
      this.feeds.set(issuer, feed)
    }
    return feed
  }

  public close(): void {
    this.closed = true
    for (const feed of this.feeds.values()) feed.close()
    this.feeds.clear()
  }
}

/** Seconds a 200 response may be reused for by its `Cache-Control: max-age` (RFC 9111 §5.2.2.1), unless `no-store`, `no-cache` or `private`. */
export function maxAgeSeconds(response: Response): number | undefined {
  const directives = (response.headers.get('cache-control') ?? '')
    .toLowerCase()
    .split(',')
    .map((d) => d.trim())
  if (response.status !== 200 || directives.some((d) => d === 'no-store' || d === 'no-cache' || d === 'private')) return undefined
  const maxAge = Number(directives.find((d) => d.startsWith('max-age='))?.slice('max-age='.length))
  return Number.isInteger(maxAge) && maxAge > 0 ? maxAge : undefined
}
