import { createHash, createPublicKey, verify as verifySignature, type JsonWebKey } from 'node:crypto'
import { TypedArrayEncoder } from '@credo-ts/core'
import { canonize, type DocumentLoader, JsonLdProcessingError } from '../jsonld'
import { isDateTimeStamp, isObject, isUrl, type JsonObject } from './dataModel'
import { problem, type ProblemDetails } from './problems'

export const DATA_INTEGRITY_PROOF = 'DataIntegrityProof'
export const EDDSA_RDFC_2022 = 'eddsa-rdfc-2022'

export type ProofPurpose = 'assertionMethod' | 'authentication'

export interface ProofOptions {
  verificationMethod: string
  proofPurpose: ProofPurpose
  /** Defaults to now, to the second. */
  created?: string
  challenge?: string
  domain?: string
}

export interface DataIntegrityProof extends JsonObject {
  type: typeof DATA_INTEGRITY_PROOF
  cryptosuite: typeof EDDSA_RDFC_2022
  created: string
  verificationMethod: string
  proofPurpose: ProofPurpose
  proofValue: string
}

/** Signs bytes with the Ed25519 key of the proof's verification method (pure EdDSA, RFC 8032). */
export type Ed25519Sign = (data: Uint8Array) => Promise<Uint8Array>

/** The verification method's key and controller, once the verifier has checked it may be used for `purpose`. */
export type ResolveProofKey = (verificationMethod: string, purpose: ProofPurpose) => Promise<{ publicJwk: JsonWebKey; controller: string }>

export interface ProofVerification {
  verified: boolean
  proof: unknown
  problems: ProblemDetails[]
  /** The DID (or other identifier) that controls the verification method, when it was resolved. */
  controller?: string
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest()
const nowToTheSecond = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')

function withoutProof(document: JsonObject): JsonObject {
  const { proof: _proof, ...unsecured } = document
  return unsecured
}

/**
 * vc-di-eddsa §3.3: the proof configuration (with the document's @context) and the document are
 * each canonicalized with RDFC-1.0 and hashed with SHA-256; the signed data is proofHash || docHash.
 */
async function hashData(unsecured: JsonObject, proofConfig: JsonObject, documentLoader: DocumentLoader): Promise<Buffer> {
  const canonicalProofConfig = await canonize({ ...proofConfig, '@context': unsecured['@context'] }, documentLoader)
  const canonicalDocument = await canonize(unsecured, documentLoader)
  return Buffer.concat([sha256(canonicalProofConfig), sha256(canonicalDocument)])
}

/**
 * Adds an eddsa-rdfc-2022 DataIntegrityProof (Data Integrity §4.2). Proofs already on the document
 * stay: the new one joins them as a proof set, signed over the document without any proof.
 */
export async function addEddsaRdfc2022Proof<T extends JsonObject>(document: T, options: ProofOptions, sign: Ed25519Sign, documentLoader: DocumentLoader): Promise<T & { proof: unknown }> {
  const created = options.created ?? nowToTheSecond()
  if (!isDateTimeStamp(created)) throw new Error(`Proof created '${created}' is not a dateTimeStamp`)
  const proofConfig: JsonObject = {
    type: DATA_INTEGRITY_PROOF,
    cryptosuite: EDDSA_RDFC_2022,
    created,
    verificationMethod: options.verificationMethod,
    proofPurpose: options.proofPurpose,
    ...(options.challenge !== undefined ? { challenge: options.challenge } : {}),
    ...(options.domain !== undefined ? { domain: options.domain } : {}),
  }
  const signature = await sign(await hashData(withoutProof(document), proofConfig, documentLoader))
  const proof = { ...proofConfig, proofValue: `z${TypedArrayEncoder.toBase58(signature)}` } as DataIntegrityProof
  const existing = document.proof === undefined ? [] : Array.isArray(document.proof) ? document.proof : [document.proof]
  return { ...document, proof: existing.length ? [...existing, proof] : proof }
}

function proofShapeProblems(proof: JsonObject, expected: { purpose: ProofPurpose; challenge?: string; domain?: string }): ProblemDetails[] {
  const problems: ProblemDetails[] = []
  const fail = (detail: string, property: string) => problems.push(problem('PROOF_VERIFICATION_ERROR', detail, `proof.${property}`))
  if (proof.type !== DATA_INTEGRITY_PROOF) fail(`Proof type '${String(proof.type)}' is not supported; expected ${DATA_INTEGRITY_PROOF}`, 'type')
  else if (proof.cryptosuite !== EDDSA_RDFC_2022) fail(`Cryptosuite '${String(proof.cryptosuite)}' is not supported; expected ${EDDSA_RDFC_2022}`, 'cryptosuite')
  if (proof.proofPurpose !== expected.purpose) fail(`Proof purpose '${String(proof.proofPurpose)}' is not the expected '${expected.purpose}'`, 'proofPurpose')
  if (!isUrl(proof.verificationMethod)) fail('verificationMethod must be a URL', 'verificationMethod')
  if (typeof proof.proofValue !== 'string' || !proof.proofValue.startsWith('z')) fail('proofValue must be a multibase base58btc string (prefix z)', 'proofValue')
  if (proof.created !== undefined && !isDateTimeStamp(proof.created)) fail('created must be a dateTimeStamp', 'created')
  if (proof.expires !== undefined && (!isDateTimeStamp(proof.expires) || Date.parse(proof.expires) < Date.now())) fail('The proof has expired (or expires is not a dateTimeStamp)', 'expires')
  if (proof.previousProof !== undefined) fail('Proof chains (previousProof) are not supported', 'previousProof')
  if (expected.challenge !== undefined && proof.challenge !== expected.challenge)
    problems.push(problem('INVALID_CHALLENGE_ERROR', `The proof's challenge does not match the expected challenge`, 'proof.challenge'))
  if (expected.domain !== undefined) {
    const domains = Array.isArray(proof.domain) ? proof.domain : [proof.domain]
    if (!domains.includes(expected.domain)) problems.push(problem('INVALID_DOMAIN_ERROR', `The proof's domain does not include the expected domain '${expected.domain}'`, 'proof.domain'))
  }
  return problems
}

function decodeProofValue(proofValue: string): Buffer | undefined {
  try {
    const bytes = TypedArrayEncoder.fromBase58(proofValue.slice(1))
    return bytes.length === 64 ? bytes : undefined
  } catch {
    return undefined
  }
}

/** Verifies one eddsa-rdfc-2022 proof of `document` (vc-di-eddsa §3.3.2, Data Integrity §4.4). */
export async function verifyEddsaRdfc2022Proof(
  document: JsonObject,
  proof: unknown,
  expected: { purpose: ProofPurpose; challenge?: string; domain?: string },
  resolveKey: ResolveProofKey,
  documentLoader: DocumentLoader,
): Promise<ProofVerification> {
  const failed = (problems: ProblemDetails[], controller?: string): ProofVerification => ({ verified: false, proof, problems, ...(controller ? { controller } : {}) })
  if (!isObject(proof)) return failed([problem('PROOF_VERIFICATION_ERROR', 'proof must be an object', 'proof')])
  const shape = proofShapeProblems(proof, expected)
  if (shape.length) return failed(shape)
  const { proofValue, ...proofOptions } = proof
  const signature = decodeProofValue(String(proofValue))
  if (!signature) return failed([problem('PROOF_VERIFICATION_ERROR', 'proofValue does not decode to a 64-byte Ed25519 signature', 'proof.proofValue')])

  let unsecured = withoutProof(document)
  if (proofOptions['@context'] !== undefined) {
    const documentContext = [unsecured['@context']].flat()
    const proofContext = [proofOptions['@context']].flat()
    if (!proofContext.every((entry, index) => JSON.stringify(entry) === JSON.stringify(documentContext[index])))
      return failed([problem('PROOF_VERIFICATION_ERROR', "The proof's @context does not start the document's @context", 'proof.@context')])
    unsecured = { ...unsecured, '@context': proofOptions['@context'] }
    delete proofOptions['@context']
  }

  let key: Awaited<ReturnType<ResolveProofKey>>
  try {
    key = await resolveKey(String(proof.verificationMethod), expected.purpose)
  } catch (error) {
    return failed([problem('PROOF_VERIFICATION_ERROR', `Verification method ${String(proof.verificationMethod)}: ${(error as Error).message}`, 'proof.verificationMethod')])
  }
  if (key.publicJwk.kty !== 'OKP' || key.publicJwk.crv !== 'Ed25519')
    return failed([problem('PROOF_VERIFICATION_ERROR', `Verification method ${String(proof.verificationMethod)} is not an Ed25519 key`, 'proof.verificationMethod')], key.controller)

  let data: Buffer
  try {
    data = await hashData(unsecured, proofOptions, documentLoader)
  } catch (error) {
    if (!(error instanceof JsonLdProcessingError)) throw error
    return failed([problem('PROOF_TRANSFORMATION_ERROR', error.message)], key.controller)
  }
  const valid = verifySignature(null, data, createPublicKey({ key: key.publicJwk, format: 'jwk' }), signature)
  return valid
    ? { verified: true, proof, problems: [], controller: key.controller }
    : failed([problem('PROOF_VERIFICATION_ERROR', 'The eddsa-rdfc-2022 signature does not match the document: it was changed after signing or signed by another key', 'proof.proofValue')], key.controller)
}
