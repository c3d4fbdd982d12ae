import { createPublicKey, verify } from 'node:crypto'
import type { Cryptosuite } from './dataIntegrity'

export const EDDSA_RDFC_2022 = 'eddsa-rdfc-2022'

/** vc-di-eddsa §3.3 eddsa-rdfc-2022: pure Ed25519 over the shared RDFC-1.0 / SHA-256 hash data. */
export const eddsaRdfc2022: Cryptosuite = {
  name: EDDSA_RDFC_2022,
  algorithm: 'EdDSA',
  keyDescription: 'an Ed25519 key',
  accepts: (publicJwk) => publicJwk.kty === 'OKP' && publicJwk.crv === 'Ed25519',
  verify: (data, signature, publicJwk) => verify(null, data, createPublicKey({ key: publicJwk, format: 'jwk' }), signature),
}
