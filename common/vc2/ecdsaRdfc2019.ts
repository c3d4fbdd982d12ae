import { createPublicKey, verify } from 'node:crypto'
import type { Cryptosuite } from './dataIntegrity'

export const ECDSA_RDFC_2019 = 'ecdsa-rdfc-2019'

/**
 * vc-di-ecdsa §3.3 ecdsa-rdfc-2019 with P-256: ECDSA with SHA-256 over the shared RDFC-1.0 / SHA-256
 * hash data, the signature as raw r||s (IEEE P1363). High-S signatures verify too: the
 * specification does not normalize S (its own test vector has a high S). P-384 is not supported.
 */
export const ecdsaRdfc2019: Cryptosuite = {
  name: ECDSA_RDFC_2019,
  algorithm: 'ES256',
  keyDescription: 'a P-256 key',
  accepts: (publicJwk) => publicJwk.kty === 'EC' && publicJwk.crv === 'P-256',
  verify: (data, signature, publicJwk) => verify('sha256', data, { key: createPublicKey({ key: publicJwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }, signature),
}
