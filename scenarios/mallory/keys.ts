import { base64url, exportJWK, generateKeyPair, type CryptoKey, SignJWT, type JWTPayload, type JWTHeaderParameters } from 'jose'

/** One of Mallory's Ed25519 keys as a did:jwk: its private key signs, its DID URL names it. */
export interface MalloryKey {
  did: string
  kid: string
  privateKey: CryptoKey
}

export async function newDidJwk(): Promise<MalloryKey> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
  const { kty, crv, x } = await exportJWK(publicKey)
  const did = `did:jwk:${base64url.encode(JSON.stringify({ kty, crv, x }))}`
  return { did, kid: `${did}#0`, privateKey }
}

export const signJwt = (payload: JWTPayload, header: Omit<JWTHeaderParameters, 'alg'>, key: MalloryKey) =>
  new SignJWT(payload).setProtectedHeader({ ...header, alg: 'EdDSA' }).sign(key.privateKey)
