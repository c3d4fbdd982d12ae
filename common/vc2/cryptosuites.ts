import { createPublicKey, verify, type JsonWebKey } from 'node:crypto'

export const DATA_INTEGRITY_PROOF = 'DataIntegrityProof'
/** The Linked Data proof type older issuers (ACA-Py, Credo's DIDComm ldp_vc) sign VCDM 1.1 credentials with. */
export const ED25519_SIGNATURE_2020 = 'Ed25519Signature2020'

/** The JOSE name of a signature algorithm: `EdDSA` is pure Ed25519; `ES256`/`ES384` are ECDSA as raw r||s (IEEE P1363). */
export type SignatureAlgorithm = 'EdDSA' | 'ES256' | 'ES384'

interface AlgorithmSpec {
  /** vc-di-ecdsa §3.3: P-384 hashes with SHA-384, the others with SHA-256. */
  hash: 'sha256' | 'sha384'
  signatureBytes: number
  key: string
  accepts: (publicJwk: JsonWebKey) => boolean
  verify: (data: Uint8Array, signature: Uint8Array, publicJwk: JsonWebKey) => boolean
}

const ecdsa = (crv: 'P-256' | 'P-384', hash: 'sha256' | 'sha384', signatureBytes: number): AlgorithmSpec => ({
  hash,
  signatureBytes,
  key: crv,
  accepts: (publicJwk) => publicJwk.kty === 'EC' && publicJwk.crv === crv,
  // high-S signatures verify too: the specification does not normalize S (its own P-256 vector has a high S)
  verify: (data, signature, publicJwk) => verify(hash, data, { key: createPublicKey({ key: publicJwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }, signature),
})

export const SIGNATURE_ALGORITHMS: Readonly<Record<SignatureAlgorithm, AlgorithmSpec>> = {
  EdDSA: {
    hash: 'sha256',
    signatureBytes: 64,
    key: 'Ed25519',
    accepts: (publicJwk) => publicJwk.kty === 'OKP' && publicJwk.crv === 'Ed25519',
    verify: (data, signature, publicJwk) => verify(null, data, createPublicKey({ key: publicJwk, format: 'jwk' }), signature),
  },
  ES256: ecdsa('P-256', 'sha256', 64),
  ES384: ecdsa('P-384', 'sha384', 96),
}

/**
 * A Data Integrity cryptosuite (or the legacy Ed25519Signature2020 proof type): how the document and
 * the proof configuration are canonicalized, and which keys sign. The proof steps themselves
 * (hash each, proofHash || docHash, sign, multibase base58btc) are shared, in dataIntegrity.ts.
 */
export interface Cryptosuite {
  /** The `cryptosuite` value; for Ed25519Signature2020, the proof type. */
  name: string
  proofType: typeof DATA_INTEGRITY_PROOF | typeof ED25519_SIGNATURE_2020
  canonicalization: 'RDFC-1.0' | 'JCS'
  algorithms: readonly SignatureAlgorithm[]
  /**
   * A selective-disclosure suite (ecdsa-sd-2023): the issuer makes a base proof for the holder, who
   * derives a disclosure proof from it for a verifier; its proofValue is multibase base64url (`u`).
   */
  selectiveDisclosure?: true
}

const suite = (name: string, canonicalization: Cryptosuite['canonicalization'], algorithms: SignatureAlgorithm[]): Cryptosuite => ({
  name,
  proofType: DATA_INTEGRITY_PROOF,
  canonicalization,
  algorithms,
})

/** vc-di-eddsa §3.3 and §3.4; vc-di-ecdsa §3.3 and §3.4 (P-256 and P-384). */
export const eddsaRdfc2022 = suite('eddsa-rdfc-2022', 'RDFC-1.0', ['EdDSA'])
export const eddsaJcs2022 = suite('eddsa-jcs-2022', 'JCS', ['EdDSA'])
export const ecdsaRdfc2019 = suite('ecdsa-rdfc-2019', 'RDFC-1.0', ['ES256', 'ES384'])
export const ecdsaJcs2019 = suite('ecdsa-jcs-2019', 'JCS', ['ES256', 'ES384'])
/** vc-di-eddsa Appendix (Ed25519Signature2020): the eddsa-rdfc-2022 steps under its own proof type, with no `cryptosuite`. */
export const ed25519Signature2020: Cryptosuite = { name: ED25519_SIGNATURE_2020, proofType: ED25519_SIGNATURE_2020, canonicalization: 'RDFC-1.0', algorithms: ['EdDSA'] }

/** vc-di-ecdsa's ecdsa-sd-2023: RDFC-1.0 with HMAC-relabelled blank nodes; P-256 only in Digital Bazaar's implementation, which the lab uses. */
export const ecdsaSd2023: Cryptosuite = { ...suite('ecdsa-sd-2023', 'RDFC-1.0', ['ES256']), selectiveDisclosure: true }

/** The cryptosuites the lab issues and verifies. */
export const CRYPTOSUITES: readonly Cryptosuite[] = [eddsaRdfc2022, ecdsaRdfc2019, eddsaJcs2022, ecdsaJcs2019, ed25519Signature2020, ecdsaSd2023]

export const cryptosuiteNamed = (name: string): Cryptosuite | undefined => CRYPTOSUITES.find((candidate) => candidate.name === name)

/** The algorithm `suite` signs with under `publicJwk`, or undefined when the key is not one the suite uses. */
export const algorithmFor = (suite: Cryptosuite, publicJwk: JsonWebKey): SignatureAlgorithm | undefined => suite.algorithms.find((algorithm) => SIGNATURE_ALGORITHMS[algorithm].accepts(publicJwk))

/** "an Ed25519 key", "a P-256 or P-384 key": how a suite's keys are named in errors. */
export function keyDescription(suite: Cryptosuite): string {
  const keys = suite.algorithms.map((algorithm) => SIGNATURE_ALGORITHMS[algorithm].key).join(' or ')
  return `${/^[AEIOU]/.test(keys) ? 'an' : 'a'} ${keys} key`
}
