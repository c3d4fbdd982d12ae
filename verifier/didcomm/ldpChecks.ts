import { parseDid } from '@credo-ts/core'
import type { CredentialType } from '@interop-lab/common/credentialTypes'
import { type AdapterOutcome, clauseReason, finding } from '../decision'
import type { VerificationPolicy } from '../policy'
import { type LdpCredential, type LdpPresentation, ldpPresentedCredentials, presentationProof, subjectOf, submittedCredentials } from './ldpPresentation'

const HOLDER_PROOF = 'VC Data Integrity, Verify Proof (the presentation proof is by the credential subject)'
const CHALLENGE = 'DIF Presentation Exchange over present-proof v2 (options.challenge, proof.challenge)'
const SUBMISSION = 'DIF Presentation Exchange, Presentation Submission (descriptor_map names the submitted credentials)'

export interface ProofCheck {
  isValid: boolean
  error?: string
}

/** The cryptography the JSON-LD adapter needs, from the verifier's agent. */
export interface LdpPresentationTools {
  /** The holder's proof on the presentation, for the challenge and domain the proof itself names. */
  verifyPresentationProof(presentation: LdpPresentation): Promise<ProofCheck>
}

const didOf = (url: string | undefined) => {
  try {
    return url ? parseDid(url).did : undefined
  } catch {
    return undefined
  }
}

/**
 * The DIDComm JSON-LD adapter: a `ldp_vp` answering a DIF PE request, checked by the lab: the holder's proof verifies
 * and is by each credential's subject (Credo checks the proof, not whose it is), and it answers this request's
 * challenge. Claims, validity, the issuers' signatures, trust and status are the decision core's.
 */
export async function ldpOutcome(
  presentation: LdpPresentation,
  challenge: string,
  policy: VerificationPolicy,
  types: Map<string, CredentialType>,
  tools: LdpPresentationTools,
  engineError?: string,
): Promise<AdapterOutcome> {
  const proof = presentationProof(presentation)
  const answered = proof.challenge === challenge
  const nonce = answered
    ? finding('nonce', true, clauseReason(CHALLENGE, 'the presentation answers this request (challenge matches)', 'la présentation répond à cette demande (le défi correspond)'))
    : finding(
        'nonce',
        false,
        clauseReason(
          CHALLENGE,
          `the presentation answers another request (challenge ${proof.challenge ?? 'missing'})`,
          `la présentation répond à une autre demande (défi ${proof.challenge ?? 'absent'})`,
        ),
      )
  if (!submittedCredentials(presentation).length) {
    return {
      response: [nonce, finding('format', false, clauseReason(SUBMISSION, 'the presentation submits no credential for the request', 'la présentation ne soumet aucun titre pour la demande'))],
      credentials: [],
      engineError,
    }
  }
  const holderProof = await tools.verifyPresentationProof(presentation)
  const signer = didOf(proof.verificationMethod)
  const credentials = ldpPresentedCredentials(presentation, policy, types).map((credential) => {
    const { credential: ldp } = credential.proof as { kind: 'ldp'; credential: Record<string, unknown> }
    const subject = String(subjectOf(ldp as LdpCredential).id ?? '')
    const bound = holderProof.isValid && signer !== undefined && signer === subject
    const binding = !holderProof.isValid
      ? finding(
          'holder-binding',
          false,
          clauseReason(
            HOLDER_PROOF,
            `the presentation proof over ${credential.queryId} does not verify: ${holderProof.error ?? 'invalid proof'}`,
            `la preuve de présentation sur ${credential.queryId} ne se vérifie pas : ${holderProof.error ?? 'preuve invalide'}`,
          ),
        )
      : bound
        ? finding(
            'holder-binding',
            true,
            clauseReason(HOLDER_PROOF, `the presentation of ${credential.queryId} is signed by its subject ${subject}`, `la présentation de ${credential.queryId} est signée par son sujet ${subject}`),
          )
        : finding(
            'holder-binding',
            false,
            clauseReason(
              HOLDER_PROOF,
              `the presentation of ${credential.queryId} is signed by ${signer ?? 'an unknown key'}, not by the credential's subject ${subject || '(none)'}`,
              `la présentation de ${credential.queryId} est signée par ${signer ?? 'une clé inconnue'}, pas par le sujet du titre ${subject || '(aucun)'}`,
            ),
          )
    return { queryId: credential.queryId, findings: [binding], credential }
  })
  return { response: [nonce], credentials, engineError }
}
