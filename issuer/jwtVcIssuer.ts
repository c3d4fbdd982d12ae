import { Router } from 'express'
import { calculateJwkThumbprint, type JWK } from 'jose'
import { handle, HttpError } from '@interop-lab/common/http'
import type { CertificateChain } from '@interop-lab/common/x509/authorities'

/**
 * SD-JWT VC §5 issuer metadata: at `/.well-known/jwt-vc-issuer` followed by the path of the `iss` URL, the issuer and the
 * keys it signs with (the leaf certificate's key, its chain in `x5c`). `signerOf` answers undefined for an unknown issuer.
 */
export function jwtVcIssuerRouter(oid4vciPath: string, signerOf: (issuerKey: string) => Promise<CertificateChain & { issuerUrl: string }> | undefined): Router {
  const router = Router()
  router.get(
    `/.well-known/jwt-vc-issuer${oid4vciPath}/:key`,
    handle(async (req, res) => {
      const key = String(req.params.key)
      const signer = await signerOf(key)
      if (!signer) throw new HttpError(404, 'unknown_issuer', `No issuer '${key}' here`)
      const { kty, crv, x, y } = signer.leaf.certificate.publicJwk.toJson() as JWK
      const publicJwk: JWK = { kty, crv, x, y }
      res.json({ issuer: signer.issuerUrl, jwks: { keys: [{ ...publicJwk, kid: await calculateJwkThumbprint(publicJwk), use: 'sig', alg: 'ES256', x5c: [signer.leaf.der] }] } })
    }),
  )
  return router
}
