import type { RequestHandler } from 'express'

/** How long wallets (and this issuer, checking its own access tokens) may reuse its metadata and JWKS, in seconds. */
export const METADATA_MAX_AGE_SECONDS = 300

/**
 * `Cache-Control: public, max-age` on the documents that stay the same for an issuer's lifetime and that every
 * exchange would otherwise fetch again (RFC 9111 §5.2.2.1): its credential issuer metadata (OID4VCI 1.0 §12.2), its
 * authorization server metadata (RFC 8414 §3) and the JWKS its access tokens are signed under. Status lists carry
 * none: a revocation must be seen at once.
 */
export function metadataCacheHeaders(basePath: string): RequestHandler {
  const base = basePath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const wellKnown = '\\.well-known/(?:openid-credential-issuer|oauth-authorization-server)'
  const documents = new RegExp(`^(?:/${wellKnown}${base}/[^/]+|${base}/[^/]+/${wellKnown}|${base}/[^/]+/jwks)$`)
  return (req, res, next) => {
    if (req.method === 'GET' && documents.test(req.path)) res.set('cache-control', `public, max-age=${METADATA_MAX_AGE_SECONDS}`)
    next()
  }
}
