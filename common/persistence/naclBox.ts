import { hsalsa, xsalsa20poly1305 } from '@noble/ciphers/salsa.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { blake2b } from '@noble/hashes/blake2.js'
import { randomBytes } from 'node:crypto'

// libsodium's crypto_box and crypto_box_seal (the primitives DIDComm v1 envelopes use), in pure JS.

export const BOX_NONCE_BYTES = 24
/** Bytes backed by a plain ArrayBuffer, as Credo's KMS results are typed. */
type Bytes = Uint8Array<ArrayBuffer>
const SEAL_PUBLIC_KEY_BYTES = 32

/** "expand 32-byte k", the Salsa20 constant, as little-endian words. */
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574])

const words = (bytes: Uint8Array) => new Uint32Array(Uint8Array.from(bytes).buffer)

/** crypto_box_beforenm: HSalsa20 over the X25519 shared secret, with a zero nonce. */
export function boxBeforeNm(theirPublicKey: Uint8Array, ourSecretKey: Uint8Array): Uint8Array {
  const shared = x25519.getSharedSecret(ourSecretKey, theirPublicKey)
  const key = new Uint32Array(8)
  hsalsa(SIGMA, words(shared), new Uint32Array(4), key)
  return new Uint8Array(key.buffer)
}

/** crypto_box_easy: the Poly1305 tag followed by the XSalsa20 ciphertext. */
export function cryptoBox(message: Uint8Array, nonce: Uint8Array, theirPublicKey: Uint8Array, ourSecretKey: Uint8Array): Bytes {
  return Uint8Array.from(xsalsa20poly1305(boxBeforeNm(theirPublicKey, ourSecretKey), nonce).encrypt(message))
}

/** crypto_box_open_easy: throws when the tag does not verify. */
export function cryptoBoxOpen(boxed: Uint8Array, nonce: Uint8Array, theirPublicKey: Uint8Array, ourSecretKey: Uint8Array): Bytes {
  return Uint8Array.from(xsalsa20poly1305(boxBeforeNm(theirPublicKey, ourSecretKey), nonce).decrypt(boxed))
}

const sealNonce = (ephemeralPublicKey: Uint8Array, recipientPublicKey: Uint8Array) => blake2b(new Uint8Array([...ephemeralPublicKey, ...recipientPublicKey]), { dkLen: BOX_NONCE_BYTES })

/** crypto_box_seal: an anonymous sender's box, `ephemeral public key || box(message, blake2b(epk || pk))`. */
export function cryptoBoxSeal(message: Uint8Array, recipientPublicKey: Uint8Array, ephemeralSecretKey: Uint8Array = randomBytes(32)): Bytes {
  const ephemeralPublicKey = x25519.getPublicKey(ephemeralSecretKey)
  const boxed = cryptoBox(message, sealNonce(ephemeralPublicKey, recipientPublicKey), recipientPublicKey, ephemeralSecretKey)
  return new Uint8Array([...ephemeralPublicKey, ...boxed])
}

/** crypto_box_seal_open: throws when the sealed box was not made for this key pair or was altered. */
export function cryptoBoxSealOpen(sealed: Uint8Array, recipientPublicKey: Uint8Array, recipientSecretKey: Uint8Array): Bytes {
  if (sealed.length < SEAL_PUBLIC_KEY_BYTES + 16) throw new Error('A sealed box is at least 48 bytes long')
  const ephemeralPublicKey = sealed.subarray(0, SEAL_PUBLIC_KEY_BYTES)
  return cryptoBoxOpen(sealed.subarray(SEAL_PUBLIC_KEY_BYTES), sealNonce(ephemeralPublicKey, recipientPublicKey), ephemeralPublicKey, recipientSecretKey)
}
