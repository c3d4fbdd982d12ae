import { webcrypto } from 'node:crypto'
import * as x509 from '@peculiar/x509'
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

export const signJwt = (payload: JWTPayload, header: Omit<JWTHeaderParameters, 'alg'>, key: MalloryKey) => new SignJWT(payload).setProtectedHeader({ ...header, alg: 'EdDSA' }).sign(key.privateKey)

/** Mallory's own X.509 material for HAIP requests: a root no trust registry lists, and a P-256 leaf under it. */
export interface MalloryCertificate {
  /** Base64 DER. */
  leaf: string
  root: string
  privateKey: CryptoKey
}

const ES256_PARAMETERS = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }

/** A root and a leaf certificate (SAN dNSName = `host`, SAN URI = `url`) as a relying party's, made with @peculiar/x509. */
export async function newCertifiedKey(url: string): Promise<MalloryCertificate> {
  const crypto = webcrypto as Crypto
  const rootKeys = (await crypto.subtle.generateKey(ES256_PARAMETERS, true, ['sign', 'verify'])) as CryptoKeyPair
  const leafKeys = (await crypto.subtle.generateKey(ES256_PARAMETERS, true, ['sign', 'verify'])) as CryptoKeyPair
  const notBefore = new Date(Date.now() - 60_000)
  const notAfter = new Date(Date.now() + 365 * 86_400_000)
  const root = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: 'CN=Mallory Relying Party CA, C=CA',
      notBefore,
      notAfter,
      keys: rootKeys,
      signingAlgorithm: ES256_PARAMETERS,
      extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
    },
    crypto,
  )
  const leaf = await x509.X509CertificateGenerator.create(
    {
      issuer: root.subject,
      subject: 'CN=Mallory Verifier, C=CA',
      notBefore,
      notAfter,
      signingKey: rootKeys.privateKey,
      publicKey: leafKeys.publicKey,
      signingAlgorithm: ES256_PARAMETERS,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.SubjectAlternativeNameExtension([
          { type: 'dns', value: new URL(url).hostname },
          { type: 'url', value: url },
        ]),
      ],
    },
    crypto,
  )
  const der = (certificate: x509.X509Certificate) => Buffer.from(certificate.rawData).toString('base64')
  return { leaf: der(leaf), root: der(root), privateKey: leafKeys.privateKey }
}

export const signEs256Jwt = (payload: JWTPayload, header: Omit<JWTHeaderParameters, 'alg'>, key: MalloryCertificate) =>
  new SignJWT(payload).setProtectedHeader({ ...header, alg: 'ES256' }).sign(key.privateKey)
