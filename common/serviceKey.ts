import type { AgentContext, Kms } from '@credo-ts/core'
import { calculateJwkThumbprint, CompactSign, exportJWK, generateKeyPair, importJWK, type JSONWebKeySet, type JWK } from 'jose'
import type { Database } from './db'
import { SealedKeyStorage } from './persistence/KeyStorage'

const ALGORITHM = 'EdDSA'
// SealedKeyStorage files keys per agent context and reads nothing from it but the correlation id.
const keyContext = { contextCorrelationId: 'service-keys' } as AgentContext

/** A service's own signing key (not a DID's): the trust registry's answers, the notification publisher's payloads. */
export interface ServiceSigner {
  /** JWK thumbprint of the public key; also the JWS header `kid`. */
  readonly kid: string
  /** What the service publishes as its JWKS. */
  readonly jwks: JSONWebKeySet
  sign(payload: object, typ: string): Promise<string>
}

/** Loads the service's Ed25519 key named `name` (sealed in its database), creating it on first start. */
export async function loadServiceSigner(db: Database, masterSecret: string, name: string): Promise<ServiceSigner> {
  const storage = new SealedKeyStorage(db, masterSecret)
  let privateJwk = (await storage.get(keyContext, name)) as JWK | null
  if (!privateJwk) {
    const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true })
    privateJwk = await exportJWK(privateKey)
    await storage.set(keyContext, name, privateJwk as Kms.KmsJwkPrivate)
  }
  const { kty, crv, x } = privateJwk
  const publicJwk: JWK = { kty, crv, x }
  const kid = await calculateJwkThumbprint(publicJwk)
  const privateKey = await importJWK(privateJwk, ALGORITHM)
  const encoder = new TextEncoder()
  return {
    kid,
    jwks: { keys: [{ ...publicJwk, kid, alg: ALGORITHM, use: 'sig' }] },
    sign: (payload, typ) => new CompactSign(encoder.encode(JSON.stringify(payload))).setProtectedHeader({ alg: ALGORITHM, kid, typ }).sign(privateKey),
  }
}
