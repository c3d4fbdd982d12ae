import type { AgentContext } from '@credo-ts/core'
import { canonize, type DocumentLoader, JsonLdProcessingError } from '@interop-lab/common/jsonld'
import {
  credentialProblems,
  CRYPTOSUITES,
  dataModelVersion,
  isEnveloped,
  isObject,
  issuerIdOf,
  type JsonObject,
  openEnvelope,
  problem,
  type ProblemDetails,
  type ResolveProofKey,
  suiteOfProof,
  verifyDataIntegrityProof,
} from '@interop-lab/common/vc2'
import { checkCredentialStatus } from './credentialStatus'
import { verifyJose } from './jose'
import type { CredentialVerification, StepResult, VerificationCheck } from './results'
import { checkValidity } from './validity'
import type { Clock } from '@interop-lab/common/clock'

export interface VerifierContext {
  agentContext: AgentContext
  resolveKey: ResolveProofKey
  documentLoader: DocumentLoader
  /** The time validity periods are judged at. */
  clock: Clock
}

interface Secured {
  mediaType: CredentialVerification['mediaType']
  document?: JsonObject
  controller?: string
  proof: StepResult[]
  errors: ProblemDetails[]
}

/** Every term defined, no protected term redefined, every IRI absolute (JSON-LD safe mode). */
async function jsonLdProblems(document: JsonObject, documentLoader: DocumentLoader): Promise<ProblemDetails[]> {
  try {
    await canonize(document, documentLoader)
    return []
  } catch (error) {
    if (error instanceof JsonLdProcessingError) return [problem('MALFORMED_VALUE_ERROR', error.message)]
    throw error
  }
}

async function verifyEnveloped(context: VerifierContext, input: JsonObject): Promise<Secured> {
  const secured: Secured = { mediaType: 'application/vc+jwt', proof: [], errors: [] }
  const opened = openEnvelope(input, 'credential')
  if ('problems' in opened) return { ...secured, errors: opened.problems }
  const jose = await verifyJose(opened.jwt, 'credential', context.resolveKey)
  if ('problems' in jose) return { ...secured, proof: [{ verified: false, input: opened.mediaType, problemDetails: jose.problems }], errors: jose.problems }
  const { document, controller, header } = jose
  const errors: ProblemDetails[] = []
  if (isObject(document.vc)) errors.push(problem('MALFORMED_VALUE_ERROR', 'The JWS holds a VCDM 1.1 JWT (a `vc` claim); an EnvelopedVerifiableCredential holds a VCDM 2.0 credential'))
  else if (dataModelVersion(document) === '1.1') errors.push(problem('MALFORMED_VALUE_ERROR', 'VC-JOSE-COSE §3.1 secures VCDM 2.0 credentials; this JWS holds a VCDM 1.1 one', '@context'))
  else {
    errors.push(...credentialProblems(document))
    if (!errors.length) errors.push(...(await jsonLdProblems(document, context.documentLoader)))
  }
  const issuer = issuerIdOf(document)
  if (issuer !== controller) {
    const mismatch = problem('CRYPTOGRAPHIC_SECURITY_ERROR', `The credential is signed by ${controller}, not by its issuer ${String(issuer)}`, 'issuer')
    return { mediaType: 'application/vc+jwt', document, proof: [{ verified: false, input: header, problemDetails: [mismatch] }], errors: [...errors, mismatch] }
  }
  return { mediaType: 'application/vc+jwt', document, controller, proof: [{ verified: true, input: header }], errors }
}

/**
 * Every proof of the set (or chain) must verify, and at least one must be the issuer's: others may
 * add their own proofs (a witness, a chain link), but no one else's proof stands for the issuer's.
 */
async function verifyDataIntegrity(context: VerifierContext, input: JsonObject): Promise<Secured> {
  const errors = credentialProblems(input)
  const proofs = input.proof === undefined ? [] : [input.proof].flat()
  if (!proofs.length) errors.push(problem('CRYPTOGRAPHIC_SECURITY_ERROR', 'The credential has no proof (and is not an EnvelopedVerifiableCredential)', 'proof'))
  // a JCS proof signs the JSON, not its JSON-LD reading: the data model's JSON-LD rules are checked apart
  const rdfcSigned = proofs.some((candidate) => isObject(candidate) && suiteOfProof(candidate, CRYPTOSUITES)?.canonicalization === 'RDFC-1.0')
  if (proofs.length && !rdfcSigned && !errors.length) {
    const { proof: _proofs, ...unsecured } = input
    errors.push(...(await jsonLdProblems(unsecured, context.documentLoader)))
  }
  const issuer = issuerIdOf(input)
  const proof: StepResult[] = []
  const controllers: string[] = []
  for (const candidate of proofs) {
    const result = await verifyDataIntegrityProof(input, candidate, CRYPTOSUITES, { purpose: 'assertionMethod' }, context.resolveKey, context.documentLoader)
    if (result.verified && result.controller) controllers.push(result.controller)
    proof.push({ verified: result.verified, input: candidate, problemDetails: result.problems })
    errors.push(...result.problems)
  }
  const issuerSigned = issuer !== undefined && controllers.includes(issuer)
  if (proof.length && proof.every((p) => p.verified) && !issuerSigned) {
    const notIssuer = problem('PROOF_VERIFICATION_ERROR', `The proof is made by ${controllers.join(', ')}, not by the issuer ${String(issuer)}`, 'proof.verificationMethod')
    proof.forEach((step) => {
      step.verified = false
      step.problemDetails = [notIssuer]
    })
    errors.push(notIssuer)
  }
  if (proof.some((p) => !p.verified)) errors.push(problem('CRYPTOGRAPHIC_SECURITY_ERROR', 'A proof on the credential does not verify: it was changed after signing, or was not signed by its issuer'))
  return { mediaType: 'application/vc', document: input, controller: issuerSigned ? issuer : undefined, proof, errors }
}

/**
 * VCDM 2.0 §7.1 verification of one credential (VCDM 1.1 or 2.0): its securing mechanism (Data
 * Integrity proofs with any of CRYPTOSUITES, or a VC-JOSE envelope), the data model of its version,
 * then — once the proof holds — its validity period and Bitstring status (unless `checks` leaves them out).
 */
export async function verifyCredential(context: VerifierContext, input: unknown, checks: ReadonlySet<VerificationCheck>): Promise<CredentialVerification> {
  if (!isObject(input))
    return { verified: false, checks: ['proof'], warnings: [], errors: [problem('PARSING_ERROR', 'verifiableCredential must be a JSON object')], mediaType: 'application/vc', results: { proof: [] } }
  const secured = isEnveloped(input, 'credential') ? await verifyEnveloped(context, input) : await verifyDataIntegrity(context, input)
  const errors = [...secured.errors]
  const result: CredentialVerification = { verified: false, checks: ['proof'], warnings: [], errors, mediaType: secured.mediaType, results: { proof: secured.proof } }
  const proofHolds = secured.document !== undefined && secured.proof.length > 0 && secured.proof.every((p) => p.verified)

  if (proofHolds && secured.document) {
    if (checks.has('validity')) {
      const validity = checkValidity(
        secured.document,
        secured.mediaType === 'application/vc+jwt' ? secured.document : {},
        context.agentContext.config.validitySkewSeconds,
        context.clock.now().getTime(),
      )
      result.checks.push('validity')
      result.results.validFrom = validity.validFrom
      result.results.validUntil = validity.validUntil
      errors.push(...validity.errors)
    }
    // status lists are only fetched for credentials whose issuer is proven: the URL is theirs
    if (checks.has('credentialStatus') && secured.document.credentialStatus !== undefined) {
      const status = await checkCredentialStatus(context.agentContext, secured.document.credentialStatus, (list) => verifyCredential(context, list, new Set(['proof', 'validity'])))
      result.checks.push('credentialStatus')
      result.results.credentialStatus = status.results
      errors.push(...status.errors)
    }
  }
  result.verified = errors.length === 0
  if (result.verified) {
    result.controller = secured.controller
    result.document = secured.document
  }
  return result
}
