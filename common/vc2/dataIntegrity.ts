import { createHash, type JsonWebKey } from 'node:crypto'
import { TypedArrayEncoder } from '@credo-ts/core'
import serializeJcs from 'canonicalize'
import { canonize, CONTEXTS, type DocumentLoader, JsonLdProcessingError } from '../jsonld'
import { algorithmFor, type Cryptosuite, DATA_INTEGRITY_PROOF, ED25519_SIGNATURE_2020, keyDescription, SIGNATURE_ALGORITHMS, type SignatureAlgorithm } from './cryptosuites'
import { dataModelVersion, isDateTimeStamp, isObject, isUrl, type JsonObject } from './dataModel'
import { createSdBaseProofValue, sdProofKind, verifySdDerivedProof } from './ecdsaSd2023'
import { problem, type ProblemDetails } from './problems'

export type ProofPurpose = 'assertionMethod' | 'authentication'

/** A key that signs with `algorithm` (see SIGNATURE_ALGORITHMS): what a JWS and the Data Integrity suites expect. */
export interface Signer {
  algorithm: SignatureAlgorithm
  sign: (data: Uint8Array) => Promise<Uint8Array>
}

export interface ProofOptions {
  verificationMethod: string
  proofPurpose: ProofPurpose
  /** Defaults to now, to the second. */
  created?: string
  challenge?: string
  domain?: string
  /** The proof's own id, so a later proof can chain to it. */
  id?: string
  /** Data Integrity §4.1: the id(s) of the proof(s) this one is chained to (they are signed with the document). */
  previousProof?: string | string[]
  /** ecdsa-sd-2023: JSON pointers to what every derived credential must disclose. */
  mandatoryPointers?: readonly string[]
}

export interface DataIntegrityProof extends JsonObject {
  type: string
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

const nowToTheSecond = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
const asList = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value])

function withoutProof(document: JsonObject): JsonObject {
  const { proof: _proof, ...unsecured } = document
  return unsecured
}

/** The suite named by a proof: `DataIntegrityProof` + `cryptosuite`, or the legacy `Ed25519Signature2020` type. */
export function suiteOfProof(proof: JsonObject, suites: readonly Cryptosuite[]): Cryptosuite | undefined {
  if (proof.type === ED25519_SIGNATURE_2020) return suites.find((suite) => suite.proofType === ED25519_SIGNATURE_2020)
  if (proof.type !== DATA_INTEGRITY_PROOF) return undefined
  return suites.find((suite) => suite.proofType === DATA_INTEGRITY_PROOF && suite.name === proof.cryptosuite)
}

/**
 * The context a document must carry for `suite`'s proof to be expressed in JSON-LD, when its own
 * contexts do not define the proof type: Ed25519Signature2020's suite context, or Data Integrity v2
 * for a VCDM 1.1 document (VCDM 2.0's base context defines DataIntegrityProof).
 */
export function missingSuiteContext(document: JsonObject, suite: Cryptosuite): string | undefined {
  const contexts = asList(document['@context'])
  const needed = suite.proofType === ED25519_SIGNATURE_2020 ? CONTEXTS.ed25519Signature2020V1 : dataModelVersion(document) === '1.1' ? CONTEXTS.dataIntegrityV2 : undefined
  return needed && !contexts.includes(needed) ? needed : undefined
}

async function canonicalForm(document: JsonObject, suite: Cryptosuite, algorithm: SignatureAlgorithm, documentLoader: DocumentLoader): Promise<string> {
  if (suite.canonicalization === 'RDFC-1.0') return canonize(document, documentLoader, SIGNATURE_ALGORITHMS[algorithm].hash)
  const serialized = serializeJcs(document)
  if (serialized === undefined) throw new JsonLdProcessingError('JCS (RFC 8785) cannot serialize the document')
  return serialized
}

/**
 * vc-di-eddsa and vc-di-ecdsa §3.3/§3.4 (and Ed25519Signature2020): the proof configuration, with the
 * document's @context, and the document are each canonicalized (RDFC-1.0 or JCS) and hashed (SHA-256,
 * or SHA-384 for P-384, which RDFC-1.0 then also labels blank nodes with); the signed data is
 * proofHash || docHash.
 */
async function hashData(unsecured: JsonObject, proofConfig: JsonObject, suite: Cryptosuite, algorithm: SignatureAlgorithm, documentLoader: DocumentLoader): Promise<Buffer> {
  const { hash } = SIGNATURE_ALGORITHMS[algorithm]
  const digest = (text: string) => createHash(hash).update(text, 'utf8').digest()
  const config = unsecured['@context'] === undefined ? proofConfig : { ...proofConfig, '@context': unsecured['@context'] }
  return Buffer.concat([digest(await canonicalForm(config, suite, algorithm, documentLoader)), digest(await canonicalForm(unsecured, suite, algorithm, documentLoader))])
}

/**
 * Data Integrity §4.2 steps for a chained proof: the document is signed (and verified) with the
 * proofs its `previousProof` names. Answers the document to hash, or why the chain is broken.
 */
function chainedDocument(unsecured: JsonObject, allProofs: readonly unknown[], previousProof: unknown): JsonObject | string {
  if (previousProof === undefined) return unsecured
  const ids = asList(previousProof)
  if (!ids.length || !ids.every((id) => typeof id === 'string')) return 'previousProof must be a proof id or a list of them'
  const matching = ids.map((id) => allProofs.find((candidate) => isObject(candidate) && candidate.id === id))
  const missing = ids.filter((_, index) => !matching[index])
  if (missing.length) return `previousProof names ${missing.map((id) => `'${String(id)}'`).join(', ')}, which no proof on the document has as id`
  return { ...unsecured, proof: matching }
}

/**
 * Adds a proof made with `suite` (Data Integrity §4.2). Proofs already on the document stay: the new
 * one joins them as a proof set, signed over the document without them, or — with `previousProof` —
 * over the document with the proofs it chains to.
 */
export async function addDataIntegrityProof<T extends JsonObject>(
  document: T,
  suite: Cryptosuite,
  options: ProofOptions,
  signer: Signer,
  documentLoader: DocumentLoader,
): Promise<T & { proof: unknown }> {
  if (!suite.algorithms.includes(signer.algorithm)) throw new Error(`${suite.name} signs with ${suite.algorithms.join(' or ')}, not with an ${signer.algorithm} key`)
  const created = options.created ?? nowToTheSecond()
  if (!isDateTimeStamp(created)) throw new Error(`Proof created '${created}' is not a dateTimeStamp`)
  const existing = asList(document.proof)
  const unsecured = chainedDocument(withoutProof(document), existing, options.previousProof)
  if (typeof unsecured === 'string') throw new Error(unsecured)
  const proofConfig: JsonObject = {
    ...(options.id !== undefined ? { id: options.id } : {}),
    type: suite.proofType,
    ...(suite.proofType === DATA_INTEGRITY_PROOF ? { cryptosuite: suite.name } : {}),
    created,
    verificationMethod: options.verificationMethod,
    proofPurpose: options.proofPurpose,
    ...(options.challenge !== undefined ? { challenge: options.challenge } : {}),
    ...(options.domain !== undefined ? { domain: options.domain } : {}),
    ...(options.previousProof !== undefined ? { previousProof: options.previousProof } : {}),
    // vc-di-eddsa §3.4.1, vc-di-ecdsa §3.4.1: a JCS proof carries the document's context, which it signs
    ...(suite.canonicalization === 'JCS' && document['@context'] !== undefined ? { '@context': document['@context'] } : {}),
  }
  const proofValue = suite.selectiveDisclosure
    ? await createSdBaseProofValue(unsecured, proofConfig, options.mandatoryPointers ?? [], signer.sign, documentLoader)
    : `z${TypedArrayEncoder.toBase58(await signer.sign(await hashData(unsecured, proofConfig, suite, signer.algorithm, documentLoader)))}`
  const proof = { ...proofConfig, proofValue } as DataIntegrityProof
  return { ...document, proof: existing.length ? [...existing, proof] : proof }
}

function proofShapeProblems(proof: JsonObject, suites: readonly Cryptosuite[], expected: ProofExpectations): ProblemDetails[] {
  const problems: ProblemDetails[] = []
  const fail = (detail: string, property: string) => problems.push(problem('PROOF_VERIFICATION_ERROR', detail, `proof.${property}`))
  const supported = suites.map((suite) => suite.name).join(', ')
  if (proof.type !== DATA_INTEGRITY_PROOF && proof.type !== ED25519_SIGNATURE_2020)
    fail(`Proof type '${String(proof.type)}' is not supported; expected ${DATA_INTEGRITY_PROOF} (or ${ED25519_SIGNATURE_2020})`, 'type')
  else if (!suiteOfProof(proof, suites))
    fail(
      proof.type === DATA_INTEGRITY_PROOF
        ? `Cryptosuite '${String(proof.cryptosuite)}' is not supported; supported: ${supported}`
        : `${ED25519_SIGNATURE_2020} is not supported here; supported: ${supported}`,
      proof.type === DATA_INTEGRITY_PROOF ? 'cryptosuite' : 'type',
    )
  if (proof.proofPurpose !== expected.purpose) fail(`Proof purpose '${String(proof.proofPurpose)}' is not the expected '${expected.purpose}'`, 'proofPurpose')
  if (!isUrl(proof.verificationMethod)) fail('verificationMethod must be a URL', 'verificationMethod')
  if (suiteOfProof(proof, suites)?.selectiveDisclosure) {
    if (sdProofKind(proof.proofValue) === 'base')
      fail(
        'This is an ecdsa-sd-2023 base proof, which the issuer makes for the holder: a verifier accepts only a derived (disclosure) proof (vc-di-ecdsa parseDerivedProofValue: header 0xd9 0x5d 0x01); derive one with POST /credentials/derive',
        'proofValue',
      )
    else if (sdProofKind(proof.proofValue) !== 'derived')
      fail('proofValue must be an ecdsa-sd-2023 derived proof: multibase base64url (prefix u) starting with the header 0xd9 0x5d 0x01', 'proofValue')
  } else if (typeof proof.proofValue !== 'string' || !proof.proofValue.startsWith('z')) fail('proofValue must be a multibase base58btc string (prefix z)', 'proofValue')
  if (proof.created !== undefined && !isDateTimeStamp(proof.created)) fail('created must be a dateTimeStamp', 'created')
  if (proof.expires !== undefined && (!isDateTimeStamp(proof.expires) || Date.parse(proof.expires) < Date.now())) fail('The proof has expired (or expires is not a dateTimeStamp)', 'expires')
  if (expected.challenge !== undefined && proof.challenge !== expected.challenge)
    problems.push(problem('INVALID_CHALLENGE_ERROR', `The proof's challenge does not match the expected challenge`, 'proof.challenge'))
  if (expected.domain !== undefined && !asList(proof.domain).includes(expected.domain))
    problems.push(problem('INVALID_DOMAIN_ERROR', `The proof's domain does not include the expected domain '${expected.domain}'`, 'proof.domain'))
  return problems
}

/**
 * An ecdsa-sd-2023 derived proof (vc-di-ecdsa Verify Derived Proof). The document is first read as
 * JSON-LD by the lab's own canonicalization, so a document that is not valid JSON-LD in safe mode is
 * a PROOF_TRANSFORMATION_ERROR like with the other RDFC suites; a disclosed value changed, a
 * mandatory one removed, or statements added are a PROOF_VERIFICATION_ERROR.
 */
async function verifySdProof(unsecured: JsonObject, proof: JsonObject, key: Awaited<ReturnType<ResolveProofKey>>, documentLoader: DocumentLoader): Promise<ProofVerification> {
  const failed = (code: 'PROOF_VERIFICATION_ERROR' | 'PROOF_TRANSFORMATION_ERROR', detail: string, property?: string): ProofVerification => ({
    verified: false,
    proof,
    problems: [problem(code, detail, property)],
    controller: key.controller,
  })
  try {
    await canonize(unsecured, documentLoader)
  } catch (error) {
    if (error instanceof JsonLdProcessingError) return failed('PROOF_TRANSFORMATION_ERROR', error.message)
    throw error
  }
  let verified: boolean
  try {
    verified = await verifySdDerivedProof(unsecured, proof, String(proof.verificationMethod), key.publicJwk, documentLoader)
  } catch (error) {
    return failed('PROOF_VERIFICATION_ERROR', `The ecdsa-sd-2023 derived proof does not match the disclosed document: ${(error as Error).message}`, 'proof.proofValue')
  }
  return verified
    ? { verified: true, proof, problems: [], controller: key.controller }
    : failed(
        'PROOF_VERIFICATION_ERROR',
        'The ecdsa-sd-2023 signatures do not match the disclosed document: a disclosed value was changed, a mandatory one removed, or it was signed by another key',
        'proof.proofValue',
      )
}

function decodeProofValue(proofValue: string): Buffer | undefined {
  try {
    return TypedArrayEncoder.fromBase58(proofValue.slice(1))
  } catch {
    return undefined
  }
}

/**
 * Verifies one proof of `document` — a member of its proof set, or a link of a proof chain — with
 * the suite it names, if that is one of `suites` (Data Integrity §4.4 and §4.5; vc-di-eddsa and
 * vc-di-ecdsa §3.3.2/§3.4.2).
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
  const suite = suiteOfProof(proof, suites)!
  const { proofValue, ...proofOptions } = proof

  const chained = chainedDocument(withoutProof(document), asList(document.proof), proof.previousProof)
  if (typeof chained === 'string') return failed([problem('PROOF_VERIFICATION_ERROR', chained, 'proof.previousProof')])
  let unsecured = chained
  if (proofOptions['@context'] !== undefined) {
    const documentContext = asList(unsecured['@context'])
    const proofContext = asList(proofOptions['@context'])
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
  const algorithm = algorithmFor(suite, key.publicJwk)
  if (!algorithm)
    return failed(
      [problem('PROOF_VERIFICATION_ERROR', `Verification method ${String(proof.verificationMethod)} is not ${keyDescription(suite)}, as ${suite.name} needs`, 'proof.verificationMethod')],
      key.controller,
    )
  if (suite.selectiveDisclosure) return verifySdProof(unsecured, proof, key, documentLoader)
  const signature = decodeProofValue(String(proofValue))
  if (!signature) return failed([problem('PROOF_VERIFICATION_ERROR', 'proofValue is not valid base58btc', 'proof.proofValue')], key.controller)
  const { signatureBytes } = SIGNATURE_ALGORITHMS[algorithm]
  if (signature.length !== signatureBytes)
    return failed([problem('PROOF_VERIFICATION_ERROR', `proofValue does not decode to a ${signatureBytes}-byte ${suite.name} (${algorithm}) signature`, 'proof.proofValue')], key.controller)

  let data: Buffer
  try {
    data = await hashData(unsecured, proofOptions, suite, algorithm, documentLoader)
  } catch (error) {
    if (!(error instanceof JsonLdProcessingError)) throw error
    return failed([problem('PROOF_TRANSFORMATION_ERROR', error.message)], key.controller)
  }
  return SIGNATURE_ALGORITHMS[algorithm].verify(data, signature, key.publicJwk)
    ? { verified: true, proof, problems: [], controller: key.controller }
    : failed(
        [problem('PROOF_VERIFICATION_ERROR', `The ${suite.name} signature does not match the document: it was changed after signing or signed by another key`, 'proof.proofValue')],
        key.controller,
      )
}
