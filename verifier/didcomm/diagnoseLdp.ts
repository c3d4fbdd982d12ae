import { parseDid } from '@credo-ts/core'
import type { TraceStep } from '../decision'
import { issuerOf, type LdpCredential, type LdpPresentation, presentationProof, subjectOf, submittedCredentials } from './ldpPresentation'

export interface ProofCheck {
  isValid: boolean
  error?: string
}

/** The cryptography a diagnosis needs, from the verifier's agent. */
export interface LdpDiagnosisTools {
  /** The issuer's proof on one credential (not its status, not its validity period). */
  verifyCredential(credential: LdpCredential): Promise<ProofCheck>
  /** The holder's proof on the presentation, for the challenge and domain the proof itself names. */
  verifyPresentationProof(presentation: LdpPresentation): Promise<ProofCheck>
  /** 'valid', 'revoked' or 'suspended'; throws when the status cannot be established. */
  resolveStatus(credentialStatus: unknown, issuer: string): Promise<string>
}

const didOf = (url: string | undefined) => {
  try {
    return url ? parseDid(url).did : undefined
  } catch {
    return undefined
  }
}

async function credentialSteps(queryId: string, credential: LdpCredential, requested: string[], tools: LdpDiagnosisTools, now: Date): Promise<TraceStep[]> {
  const issuer = String(issuerOf(credential))
  const signature = await tools.verifyCredential(credential)
  const steps: TraceStep[] = [
    {
      check: 'signature',
      subject: queryId,
      passed: signature.isValid,
      message: signature.isValid ? `The issuer's signature on ${queryId} verifies` : `The issuer's signature on ${queryId} does not verify against ${issuer}: ${signature.error ?? 'invalid proof'}`,
    },
  ]
  const subject = subjectOf(credential)
  const missing = requested.filter((claim) => subject[claim] === undefined)
  if (requested.length) {
    steps.push({
      check: 'claims',
      subject: queryId,
      passed: missing.length === 0,
      message: missing.length ? `${queryId} is missing requested claim(s): ${missing.join(', ')}` : `${queryId} carries every requested claim`,
    })
  }
  if (credential.expirationDate) {
    const expired = new Date(credential.expirationDate).getTime() <= now.getTime()
    steps.push({ check: 'expiry', subject: queryId, passed: !expired, message: expired ? `${queryId} expired at ${credential.expirationDate}` : `${queryId} has not expired` })
  }
  if (credential.credentialStatus !== undefined) {
    try {
      const status = await tools.resolveStatus(credential.credentialStatus, issuer)
      steps.push({ check: 'status', subject: queryId, passed: status === 'valid', message: status === 'valid' ? `${queryId} is not revoked or suspended` : `${queryId} has been ${status} by its issuer` })
    } catch (error) {
      steps.push({ check: 'status', subject: queryId, passed: false, message: `The status of ${queryId} could not be established: ${error instanceof Error ? error.message : String(error)}` })
    }
  }
  return steps
}

/**
 * Checks a JSON-LD presentation (ldp_vp) step by step, naming the check that fails and for which
 * credential: each issuer's signature, expiry and status; the holder's proof and that its key belongs to
 * each credential's subject (Credo checks the proof, not whose it is); the requested claims; and the
 * challenge (nonce).
 */
export async function diagnoseLdpPresentation(
  presentation: LdpPresentation,
  request: { challenge: string; claims: Record<string, string[]> },
  tools: LdpDiagnosisTools,
  now = new Date(),
): Promise<TraceStep[]> {
  const expectedChallenge = request.challenge
  const submitted = submittedCredentials(presentation)
  if (!submitted.length) return [{ check: 'claims', passed: false, message: 'The presentation submits no credential for the request' }]
  const steps: TraceStep[] = []
  const proof = presentationProof(presentation)
  const holderProof = await tools.verifyPresentationProof(presentation)
  const signer = didOf(proof.verificationMethod)
  for (const { queryId, credential } of submitted) {
    steps.push(...(await credentialSteps(queryId, credential, request.claims[queryId] ?? [], tools, now)))
    const subject = String(subjectOf(credential).id ?? '')
    const bound = holderProof.isValid && signer !== undefined && signer === subject
    steps.push({
      check: 'holder-binding',
      subject: queryId,
      passed: bound,
      message: !holderProof.isValid
        ? `The presentation proof over ${queryId} does not verify: ${holderProof.error ?? 'invalid proof'}`
        : bound
          ? `The presentation of ${queryId} is signed by its subject ${subject}`
          : `The presentation of ${queryId} is signed by ${signer ?? 'an unknown key'}, not by the credential's subject ${subject || '(none)'}`,
    })
  }
  const answered = proof.challenge === expectedChallenge
  steps.push({
    check: 'nonce',
    passed: answered,
    message: answered ? 'The presentation answers this request (challenge matches)' : `The presentation answers another request (challenge ${proof.challenge ?? 'missing'}, expected ${expectedChallenge})`,
  })
  return steps
}
