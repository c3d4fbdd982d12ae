import { CRYPTOSUITES, holderIdOf, isEnveloped, isObject, type JsonObject, openEnvelope, presentationProblems, problem, type ProblemDetails, verifyDataIntegrityProof } from '@interop-lab/common/vc2'
import { verifyJose } from './jose'
import type { CredentialVerification, StepResult, VerificationCheck } from './results'
import { verifyCredential, type VerifierContext } from './verifyCredential'

export interface PresentationVerification {
  verified: boolean
  checks: Array<VerificationCheck | 'challenge' | 'domain' | 'holder'>
  warnings: ProblemDetails[]
  errors: ProblemDetails[]
  results: {
    presentation: { proof: StepResult[]; holder?: StepResult; challenge?: StepResult; domain?: StepResult }
    credentials: CredentialVerification[]
  }
}

export interface PresentationExpectations {
  challenge?: string
  domain?: string
  /** A presentation sent as `presentation` (VCALM ProoflessVerifyPresentationRequest) carries no proof of its own. */
  proofless?: boolean
}

interface SecuredPresentation {
  document?: JsonObject
  proof: StepResult[]
  /** Who signed the presentation (its holder, if it names one). */
  controller?: string
  errors: ProblemDetails[]
}

async function verifyEnvelopedPresentation(context: VerifierContext, input: JsonObject, expected: PresentationExpectations): Promise<SecuredPresentation> {
  const opened = openEnvelope(input, 'presentation')
  if ('problems' in opened) return { proof: [], errors: opened.problems }
  const jose = await verifyJose(opened.jwt, 'presentation', context.resolveKey)
  if ('problems' in jose) return { proof: [{ verified: false, input: opened.mediaType, problemDetails: jose.problems }], errors: jose.problems }
  const { document, header, controller } = jose
  if (isObject(document.vp)) {
    const legacy = problem('MALFORMED_VALUE_ERROR', 'The JWS holds a VCDM 1.1 JWT (a `vp` claim); an EnvelopedVerifiablePresentation holds a VCDM 2.0 presentation')
    return { proof: [{ verified: true, input: header }], errors: [legacy] }
  }
  // VC-JOSE-COSE: a presentation's challenge and domain travel as the JWT's `nonce` and `aud`
  const problems: ProblemDetails[] = []
  if (expected.challenge !== undefined && document.nonce !== expected.challenge)
    problems.push(problem('INVALID_CHALLENGE_ERROR', 'The presentation nonce does not match the expected challenge', 'nonce'))
  if (expected.domain !== undefined && ![document.aud].flat().includes(expected.domain))
    problems.push(problem('INVALID_DOMAIN_ERROR', `The presentation aud does not include '${expected.domain}'`, 'aud'))
  return { document, controller, proof: [{ verified: problems.length === 0, input: header, problemDetails: problems }], errors: problems }
}

async function verifyDataIntegrityPresentation(context: VerifierContext, input: JsonObject, expected: PresentationExpectations): Promise<SecuredPresentation> {
  const proofs = input.proof === undefined ? [] : [input.proof].flat()
  if (!proofs.length) {
    if (expected.proofless) return { document: input, proof: [], errors: [] }
    return { document: input, proof: [], errors: [problem('CRYPTOGRAPHIC_SECURITY_ERROR', 'The presentation has no proof; send an unsecured one as `presentation`', 'proof')] }
  }
  const proof: StepResult[] = []
  const errors: ProblemDetails[] = []
  let controller: string | undefined
  for (const candidate of proofs) {
    const result = await verifyDataIntegrityProof(
      input,
      candidate,
      CRYPTOSUITES,
      { purpose: 'authentication', challenge: expected.challenge, domain: expected.domain },
      context.resolveKey,
      context.documentLoader,
    )
    proof.push({ verified: result.verified, input: candidate, problemDetails: result.problems })
    errors.push(...result.problems)
    if (result.verified) controller = result.controller
  }
  return { document: input, proof, controller, errors }
}

/**
 * VCALM POST /presentations/verify: the presentation's own proof (Data Integrity with purpose
 * authentication, or a vp+jwt envelope), challenge, domain and holder, then every credential in it.
 */
export async function verifyPresentation(context: VerifierContext, input: unknown, expected: PresentationExpectations, checks: ReadonlySet<VerificationCheck>): Promise<PresentationVerification> {
  const result: PresentationVerification = { verified: false, checks: ['proof'], warnings: [], errors: [], results: { presentation: { proof: [] }, credentials: [] } }
  if (!isObject(input)) {
    result.errors.push(problem('PARSING_ERROR', 'The presentation must be a JSON object'))
    return result
  }
  const secured = isEnveloped(input, 'presentation') ? await verifyEnvelopedPresentation(context, input, expected) : await verifyDataIntegrityPresentation(context, input, expected)
  const errors = result.errors
  errors.push(...secured.errors)
  result.results.presentation.proof = secured.proof
  const presentation = secured.document
  if (presentation) {
    errors.push(...presentationProblems(presentation))
    if (expected.challenge !== undefined) {
      result.checks.push('challenge')
      result.results.presentation.challenge = { verified: !errors.some((e) => e.title === 'INVALID_CHALLENGE_ERROR'), input: expected.challenge }
    } else if (!expected.proofless) result.warnings.push(problem('INVALID_CHALLENGE_ERROR', 'No challenge was given, so this presentation could be a replay'))
    if (expected.domain !== undefined) {
      result.checks.push('domain')
      result.results.presentation.domain = { verified: !errors.some((e) => e.title === 'INVALID_DOMAIN_ERROR'), input: expected.domain }
    }
    const holder = holderIdOf(presentation)
    if (holder !== undefined && secured.controller !== undefined) {
      result.checks.push('holder')
      const verified = holder === secured.controller
      result.results.presentation.holder = { verified, input: holder }
      if (!verified) errors.push(problem('PROOF_VERIFICATION_ERROR', `The presentation is signed by ${secured.controller}, not by its holder ${holder}`, 'holder'))
    }
    const credentials = presentation.verifiableCredential === undefined ? [] : [presentation.verifiableCredential].flat()
    for (const [index, credential] of credentials.entries()) {
      const verification = await verifyCredential(context, credential, checks)
      result.results.credentials.push(verification)
      for (const check of verification.checks) if (!result.checks.includes(check)) result.checks.push(check)
      const where = `verifiableCredential[${index}]`
      errors.push(...verification.errors.map((e) => ({ ...e, detail: `${where}: ${e.detail}`, property: e.property ? `${where}.${e.property}` : where })))
      result.warnings.push(...verification.warnings.map((w) => ({ ...w, detail: `${where}: ${w.detail}` })))
    }
  }
  result.verified = errors.length === 0
  return result
}
