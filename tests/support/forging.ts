import { createHash } from 'node:crypto'
import { base64url, exportJWK, generateKeyPair, type JWK } from 'jose'

/** A party holding an Ed25519 key pair of its own, named by the did:jwk of that key (the DID is the key). */
export interface DidJwkParty {
  did: string
  kid: string
  jwk: JWK
  privateKey: CryptoKey
}

export const didJwk = (jwk: JWK) => `did:jwk:${base64url.encode(JSON.stringify(jwk))}`

export async function ed25519Party(): Promise<DidJwkParty> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
  const jwk = await exportJWK(publicKey)
  const did = didJwk({ ...jwk, use: 'sig' })
  return { did, kid: `${did}#0`, jwk, privateKey }
}

/** base64url of a value's JSON: a JWS header or payload, or an SD-JWT disclosure. */
export const encode = (value: unknown) => base64url.encode(JSON.stringify(value))
/** base64url SHA-256 of a text: an SD-JWT digest or `sd_hash` (RFC 9901 §4.2.3, §4.3.1). */
export const sha256 = (text: string) => base64url.encode(createHash('sha256').update(text).digest())
/** An SD-JWT object-property disclosure with a fresh salt (RFC 9901 §4.2.1). */
export const disclosure = (name: string, value: unknown) => encode([base64url.encode(crypto.getRandomValues(new Uint8Array(16))), name, value])
