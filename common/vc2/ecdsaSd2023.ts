import { createPublicKey, type JsonWebKey } from 'node:crypto'
import { TypedArrayEncoder } from '@credo-ts/core'
import { createDiscloseCryptosuite, createSignCryptosuite, createVerifyCryptosuite } from '@digitalbazaar/ecdsa-sd-2023-cryptosuite'
import type { DocumentLoader } from '../jsonld'
import { isObject, type JsonObject } from './dataModel'

/**
 * ecdsa-sd-2023 (vc-di-ecdsa) through Digital Bazaar's cryptosuite: its HMAC blank-node relabelling,
 * JSON-pointer selection and CBOR proof values are theirs; the lab gives it its bundled document
 * loader (nothing is fetched), its KMS signer for the base signature, and the resolved public key.
 */

export type SdProofKind = 'base' | 'derived'

/** vc-di-ecdsa serializeBaseProofValue / serializeDerivedProofValue: `u` + base64url of 0xd9 0x5d 0x00 (base) or 0x01 (derived) + CBOR. */
export function sdProofKind(proofValue: unknown): SdProofKind | undefined {
  if (typeof proofValue !== 'string' || !proofValue.startsWith('u')) return undefined
  const header = Buffer.from(proofValue.slice(1, 5), 'base64url')
  if (header[0] !== 0xd9 || header[1] !== 0x5d) return undefined
  return header[2] === 0x00 ? 'base' : header[2] === 0x01 ? 'derived' : undefined
}

/** RFC 6901: does `pointer` name a value in `document`? */
export function pointsIntoDocument(document: unknown, pointer: string): boolean {
  if (!pointer.startsWith('/')) return false
  let value: unknown = document
  for (const token of pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))) {
    if (Array.isArray(value) && /^(0|[1-9]\d*)$/.test(token) && Number(token) < value.length) value = value[Number(token)]
    else if (isObject(value) && Object.hasOwn(value, token)) value = value[token]
    else return false
  }
  return true
}

/** Pointers that name nothing in `document`, as "'/a/b'" for an error message. */
export function unknownPointers(document: unknown, pointers: readonly string[]): string[] {
  return pointers.filter((pointer) => !pointsIntoDocument(document, pointer)).map((pointer) => `'${pointer}'`)
}

/**
 * vc-di-ecdsa Create Base Proof (ecdsa-sd-2023): the proofValue over `unsecured` for `proofConfig`
 * (the proof without it), the statements `mandatoryPointers` select signed as one hash, every other
 * one by a fresh P-256 key whose public key the issuer signs.
 */
export async function createSdBaseProofValue(
  unsecured: JsonObject,
  proofConfig: JsonObject,
  mandatoryPointers: readonly string[],
  sign: (data: Uint8Array) => Promise<Uint8Array>,
  documentLoader: DocumentLoader,
): Promise<string> {
  const cryptosuite = createSignCryptosuite({ mandatoryPointers: [...mandatoryPointers] })
  const verifyData = await cryptosuite.createVerifyData({ cryptosuite, document: unsecured, proof: proofConfig, documentLoader })
  return cryptosuite.createProofValue({ verifyData, dataIntegrityProof: { signer: { sign: ({ data }: { data: Uint8Array }) => sign(data) } } })
}

/**
 * vc-di-ecdsa Add Derived Proof (ecdsa-sd-2023): the holder's side. Keeps what the base proof's
 * mandatory pointers and `selectivePointers` select, and a disclosure proof for exactly that.
 * Needs no key: the base proof carries what the holder needs (its HMAC key and per-statement signatures).
 */
export async function deriveSdCredential(unsecured: JsonObject, baseProof: JsonObject, selectivePointers: readonly string[], documentLoader: DocumentLoader): Promise<JsonObject> {
  const cryptosuite = createDiscloseCryptosuite({ selectivePointers: [...selectivePointers] })
  return cryptosuite.derive({
    cryptosuite,
    document: unsecured,
    purpose: { term: baseProof.proofPurpose },
    proofSet: [baseProof],
    documentLoader,
    dataIntegrityProof: { matchProof: async ({ proof }: { proof: JsonObject }) => proof === baseProof },
  })
}

/** Multikey (multicodec p256-pub 0x1200, compressed point, base58btc) of a P-256 JWK. */
function p256Multikey(publicJwk: JsonWebKey): string {
  const point = createPublicKey({ key: publicJwk, format: 'jwk' }).export({ format: 'jwk' })
  const x = Buffer.from(point.x!, 'base64url')
  const y = Buffer.from(point.y!, 'base64url')
  return `z${TypedArrayEncoder.toBase58(Buffer.concat([Buffer.from([0x80, 0x24, 0x02 | (y[y.length - 1] & 1)]), x]))}`
}

/**
 * vc-di-ecdsa Verify Derived Proof (ecdsa-sd-2023): the base signature over the proof hash, the
 * holder-disclosed statements' own signatures, and the mandatory statements' hash. Answers whether
 * every signature holds; throws (with the library's reason) when the proof value does not parse or
 * the disclosed statements do not line up with it.
 */
export async function verifySdDerivedProof(unsecured: JsonObject, proof: JsonObject, verificationMethod: string, publicJwk: JsonWebKey, documentLoader: DocumentLoader): Promise<boolean> {
  const cryptosuite = createVerifyCryptosuite()
  const data = await cryptosuite.createVerifyData({ cryptosuite, document: unsecured, proof, documentLoader })
  const verifier = await cryptosuite.createVerifier({
    verificationMethod: { id: verificationMethod, type: 'Multikey', controller: verificationMethod.split('#')[0], publicKeyMultibase: p256Multikey(publicJwk) },
  })
  return verifier.verify({ data })
}
