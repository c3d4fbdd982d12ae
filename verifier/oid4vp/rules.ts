import { compactVerify, importJWK, type JWK } from 'jose'

/** How strict the verifier is with a holder's proof (a key-binding JWT, a JWT VP). */
export interface HolderProofRules {
  /** How old a holder's proof (its `iat`) may be when the response arrives. */
  maxAgeSeconds: number
  /** Tolerated difference between the wallet's clock and ours, either way. */
  clockSkewSeconds: number
  /** Signature algorithms accepted from holders: fully specified, asymmetric; never `none`, never an HMAC (RFC 8725 §3.1). */
  algorithms: readonly string[]
}

export const DEFAULT_HOLDER_PROOF_RULES: HolderProofRules = {
  maxAgeSeconds: 300,
  clockSkewSeconds: 60,
  algorithms: ['EdDSA', 'Ed25519', 'ES256', 'ES384', 'ES512'],
}

/** The request a response must answer: the request object's `nonce` and the verifier's `client_id` (the audience). */
export interface AnsweredRequest {
  nonce: string
  clientId: string
  /** Where the response was posted (`direct_post`): an mdoc's session transcript names it (OID4VP 1.0 Appendix B.2.6.1). */
  responseUri?: string
  /** An encrypted response's (direct_post.jwt): the JWK SHA-256 thumbprint of the key it was encrypted to, which an mdoc's session transcript names. */
  encryptionKeyThumbprint?: Uint8Array
}

/** Finds the public key behind a DID URL (the agent's DID resolver). */
export type KeyResolver = (didUrl: string) => Promise<JWK>

/** Whether `jws` verifies with `jwk` under exactly `alg`. */
export async function verifiesWith(jws: string, jwk: JWK, alg: string): Promise<boolean> {
  try {
    await compactVerify(jws, await importJWK(jwk, alg), { algorithms: [alg] })
    return true
  } catch {
    return false
  }
}

/** Where `iat` (seconds) stands against the window ending at `now`: too old, in the future, or fine. */
export function iatOutsideWindow(iat: unknown, now: Date, rules: HolderProofRules): 'missing' | 'too-old' | 'future' | undefined {
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return 'missing'
  const nowSeconds = now.getTime() / 1000
  if (iat > nowSeconds + rules.clockSkewSeconds) return 'future'
  if (iat < nowSeconds - rules.maxAgeSeconds - rules.clockSkewSeconds) return 'too-old'
  return undefined
}
