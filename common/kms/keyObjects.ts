import { Kms } from '@credo-ts/core'
import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto'

/**
 * The algorithms signed and verified here with a kept KeyObject, and their digest as Credo's Node KMS maps them
 * (@credo-ts/node kms/crypto/sign.mjs); any other algorithm or key goes through Credo's own code.
 */
const DIGEST = new Map<string, string | undefined>([
  ['ES256', 'sha256'],
  ['ES384', 'sha384'],
  ['ES512', 'sha512'],
  ['EdDSA', undefined],
  ['Ed25519', undefined],
])
const EC_CURVES = new Set(['P-256', 'P-384', 'P-521'])

type Jwk = Kms.KmsJwkPrivate | Kms.KmsJwkPublicAsymmetric

export const signsWithKeptKeyObject = (jwk: Jwk, algorithm: string): boolean => DIGEST.has(algorithm) && ((jwk.kty === 'EC' && EC_CURVES.has(jwk.crv)) || (jwk.kty === 'OKP' && jwk.crv === 'Ed25519'))

/** A copy each time: Credo sets members (the kid) on the public JWKs it is given. */
const copyJwk = (jwk: Kms.KmsJwkPublic): Kms.KmsJwkPublic => ({ ...jwk, ...(jwk.key_ops ? { key_ops: [...jwk.key_ops] } : {}) }) as Kms.KmsJwkPublic

/** A key's Node KeyObject for verifying, imported once, and Credo's public JWK of it, computed once. */
abstract class KeptKey<J extends Jwk> {
  #publicJwk?: Kms.KmsJwkPublic

  public constructor(public readonly jwk: J) {}

  public abstract get verifyingKey(): KeyObject

  /** `Kms.publicJwkFromPrivateJwk(jwk)`, as Credo's KMS returns it from getPublicKey and verify. */
  public publicJwk(): Kms.KmsJwkPublic {
    this.#publicJwk ??= Kms.publicJwkFromPrivateJwk(this.jwk)
    return copyJwk(this.#publicJwk)
  }
}

/** A private key the key storage has opened: kept with it, and forgotten with it when the key is set or deleted. */
export class OpenedKey extends KeptKey<Kms.KmsJwkPrivate> {
  #privateKey?: KeyObject
  #publicKey?: KeyObject

  public get signingKey(): KeyObject {
    this.#privateKey ??= createPrivateKey({ format: 'jwk', key: this.jwk as never })
    return this.#privateKey
  }

  public get verifyingKey(): KeyObject {
    this.#publicKey ??= createPublicKey(this.signingKey)
    return this.#publicKey
  }
}

export class PublicKey extends KeptKey<Kms.KmsJwkPublicAsymmetric> {
  #publicKey?: KeyObject

  public get verifyingKey(): KeyObject {
    this.#publicKey ??= createPublicKey({ format: 'jwk', key: this.jwk as never })
    return this.#publicKey
  }
}

/** Public keys kept per process (a verifier meets a new holder key per presentation: the oldest go first). */
const MAX_PUBLIC_KEYS = 10_000
const publicKeys = new Map<string, PublicKey>()

/**
 * The kept public key for exactly this JWK: keyed by all its members (the key material, not a kid), so no other key
 * can ever be taken for it.
 */
export function publicKeyFor(jwk: Kms.KmsJwkPublicAsymmetric): PublicKey {
  const members = JSON.stringify(jwk)
  let key = publicKeys.get(members)
  if (!key) {
    if (publicKeys.size >= MAX_PUBLIC_KEYS) publicKeys.delete(publicKeys.keys().next().value as string)
    key = new PublicKey({ ...jwk })
    publicKeys.set(members, key)
  }
  return key
}

/*
 * Credo's performSign and performVerify for EC and Ed25519 keys, with a KeyObject imported once, and synchronous:
 * Credo's promisified calls go through libuv's thread pool, a hop that costs 20–30 µs of CPU per operation (more than
 * an ES256 signature's own work), for an overlap a busy service does not get.
 */

/** A signature (raw r||s for ECDSA, as JWS and COSE want it). */
export function signWith(key: OpenedKey, algorithm: string, data: Uint8Array): Kms.KmsSignReturn['signature'] {
  const signature = sign(DIGEST.get(algorithm), data, key.signingKey)
  return (key.jwk.kty === 'EC' ? Kms.derEcSignatureToRaw(signature, key.jwk.crv) : signature) as Kms.KmsSignReturn['signature']
}

export function verifyWith(key: OpenedKey | PublicKey, algorithm: string, data: Uint8Array, signature: Uint8Array): boolean {
  const { jwk } = key
  return verify(DIGEST.get(algorithm), data, key.verifyingKey, jwk.kty === 'EC' ? Kms.rawEcSignatureToDer(signature, jwk.crv) : signature)
}
