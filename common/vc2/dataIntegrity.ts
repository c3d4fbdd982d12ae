import { createHash, type JsonWebKey } from 'node:crypto'
import { TypedArrayEncoder } from '@credo-ts/core'
import { canonize, type DocumentLoader, JsonLdProcessingError } from '../jsonld'
import { isDateTimeStamp, isObject, isUrl, type JsonObject } from './dataModel'
import { problem, type ProblemDetails } from './problems'

export const DATA_INTEGRITY_PROOF = 'DataIntegrityProof'

export type ProofPurpose = 'assertionMethod' | 'authentication'

/** The JOSE name of a signature algorithm the lab's keys sign with. */
export type SignatureAlgorithm = 'EdDSA' | 'ES256'

/**
 * A key that signs: `EdDSA` is pure Ed25519 (RFC 8032); `ES256` is ECDSA P-256 over the SHA-256 of
 * the data, answering the raw r||s (IEEE P1363, 64 bytes). Both are what a JWS and the Data
 * Integrity suites expect.
 */
export interface Signer {
  algorithm: SignatureAlgorithm
  sign: (data: Uint8Array) => Promise<Uint8Array>
}

/**
 * An RDFC Data Integrity cryptosuite: the proof steps (RDFC-1.0, SHA-256, proofHash || docHash,
 * multibase base58btc) are shared; the suite names the key and the signature over that data.
 */
export interface Cryptosuite {
  name: string
  algorithm: SignatureAlgorithm
  /** How the suite's key is named in errors ("an Ed25519 key"). */
  keyDescription: string
  /** Whether `publicJwk` is a key this suite verifies with. */
  accepts: (publicJwk: JsonWebKey) => boolean
  verify: (data: Uint8Array, signature: Uint8Array, publicJwk: JsonWebKey) => boolean
}

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
  cryptosuite: string
  created: string
  verificationMethod: string
  proofPurpose: ProofPurpose
  proofValue: string
}

/** The verification method's key and controller, once the verifier has checked it may be used for `purpose`. */
export type ResolveProofKey = (verificationMethod: string, purpose: ProofPurpose) => Promise<{ publicJwk: JsonWebKey; controller: string }>

export interface ProofExpectations {
  purpose: ProofPurpose
  challenge?: string
  domain?: string
}

export interface ProofVerification {
  verified: boolean
  proof: unknown
  problems: ProblemDetails[]
  /** The DID (or other identifier) that controls the verification method, when it was resolved. */
  controller?: string
}

const SIGNATURE_BYTES = 64
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest()
const nowToTheSecond = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')

function withoutProof(document: JsonObject): JsonObject {
  const { proof: _proof, ...unsecured } = document
  return unsecured
}

/**
 * vc-di-eddsa §3.3 and vc-di-ecdsa §3.3 (P-256): the proof configuration (with the document's
 * @context) and the document are each canonicalized with RDFC-1.0 and hashed with SHA-256; the
 * signed data is proofHash || docHash.
 */
async function hashData(unsecured: JsonObject, proofConfig: JsonObject, documentLoader: DocumentLoader): Promise<Buffer> {
  const canonicalProofConfig = await canonize({ ...proofConfig, '@context': unsecured['@context'] }, documentLoader)
  const canonicalDocument = await canonize(unsecured, documentLoader)
  return Buffer.concat([sha256(canonicalProofConfig), sha256(canonicalDocument)])
}

/**
 * Adds a DataIntegrityProof made with `suite` (Data Integrity §4.2). Proofs already on the document
 * stay: the new one joins them as a proof set, signed over the document without any proof.
 */
export async function addDataIntegrityProof<T extends JsonObject>(
  document: T,
  suite: Cryptosuite,
  options: ProofOptions,
  signer: Signer,
  documentLoader: DocumentLoader,
): Promise<T & { proof: unknown }> {
  if (signer.algorithm !== suite.algorithm) throw new Error(`${suite.name} signs with ${suite.algorithm}, not with an ${signer.algorithm} key`)
  const created = options.created ?? nowToTheSecond()
  if (!isDateTimeStamp(created)) throw new Error(`Proof created '${created}' is not a dateTimeStamp`)
  const proofConfig: JsonObject = {
    type: DATA_INTEGRITY_PROOF,
    cryptosuite: suite.name,
    created,
    verificationMethod: options.verificationMethod,
    proofPurpose: options.proofPurpose,
    ...(options.challenge !== undefined ? { challenge: options.challenge } : {}),
    ...(options.domain !== undefined ? { domain: options.domain } : {}),
  }
  const signature = await signer.sign(await hashData(withoutProof(document), proofConfig, documentLoader))
  const proof = { ...proofConfig, proofValue: `z${TypedArrayEncoder.toBase58(signature)}` } as DataIntegrityProof
  const existing = document.proof === undefined ? [] : Array.isArray(document.proof) ? document.proof : [document.proof]
  return { ...document, proof: existing.length ? [...existing, proof] : proof }
}

function proofShapeProblems(proof: JsonObject, suites: readonly Cryptosuite[], expected: ProofExpectations): ProblemDetails[] {
  const problems: ProblemDetails[] = []
  const fail = (detail: string, property: string) => problems.push(problem('PROOF_VERIFICATION_ERROR', detail, `proof.${property}`))
  if (proof.type !== DATA_INTEGRITY_PROOF) fail(`Proof type '${String(proof.type)}' is not supported; expected ${DATA_INTEGRITY_PROOF}`, 'type')
  else if (!suites.some((suite) => suite.name === proof.cryptosuite))
    fail(`Cryptosuite '${String(proof.cryptosuite)}' is not supported; supported: ${suites.map((suite) => suite.name).join(', ')}`, 'cryptosuite')
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
    return bytes.length === SIGNATURE_BYTES ? bytes : undefined
  } catch {
    return undefined
  }
}

/**
 * Verifies one DataIntegrityProof of `document` with the cryptosuite it names, if it is one of
 * `suites` (Data Integrity §4.4; vc-di-eddsa §3.3.2, vc-di-ecdsa §3.3.2).
 */
export async function verifyDataIntegrityProof(
  document: JsonObject,
  proof: unknown,
  suites: readonly Cryptosuite[],
  expected: ProofExpectations,
  resolveKey: ResolveProofKey,
  documentLoader: DocumentLoader,
): Promise<ProofVerification> {
  const failed = (problems: ProblemDetails[], controller?: string): ProofVerification => ({ verified: false, proof, problems, ...(controller ? { controller } : {}) })
  if (!isObject(proof)) return failed([problem('PROOF_VERIFICATION_ERROR', 'proof must be an object', 'proof')])
  const shape = proofShapeProblems(proof, suites, expected)
  if (shape.length) return failed(shape)
  const suite = suites.find((candidate) => candidate.name === proof.cryptosuite)!
  const { proofValue, ...proofOptions } = proof
  const signature = decodeProofValue(String(proofValue))
  if (!signature) return failed([problem('PROOF_VERIFICATION_ERROR', `proofValue does not decode to a ${SIGNATURE_BYTES}-byte ${suite.name} signature`, 'proof.proofValue')])

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
  if (!suite.accepts(key.publicJwk))
    return failed([problem('PROOF_VERIFICATION_ERROR', `Verification method ${String(proof.verificationMethod)} is not ${suite.keyDescription}, as ${suite.name} needs`, 'proof.verificationMethod')], key.controller)

  let data: Buffer
  try {
    data = await hashData(unsecured, proofOptions, documentLoader)
  } catch (error) {
    if (!(error instanceof JsonLdProcessingError)) throw error
    return failed([problem('PROOF_TRANSFORMATION_ERROR', error.message)], key.controller)
  }
  return suite.verify(data, signature, key.publicJwk)
    ? { verified: true, proof, problems: [], controller: key.controller }
    : failed([problem('PROOF_VERIFICATION_ERROR', `The ${suite.name} signature does not match the document: it was changed after signing or signed by another key`, 'proof.proofValue')], key.controller)
}
