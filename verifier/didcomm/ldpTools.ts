import { type AgentContext, JsonTransformer, W3cJsonLdCredentialService, W3cJsonLdVerifiableCredential, W3cJsonLdVerifiablePresentation } from '@credo-ts/core'
import { checkBitstringStatus } from '../../common/status'
import type { LdpDiagnosisTools } from './diagnoseLdp'
import { presentationProof } from './ldpPresentation'

/** The reason inside vc.js's "Verification error(s)." wrapper. */
function messageOf(error: unknown): string | undefined {
  if (error === undefined || error === null) return undefined
  const nested = (error as { errors?: unknown[] }).errors
  if (Array.isArray(nested) && nested.length) return nested.map(messageOf).filter(Boolean).join('; ')
  return error instanceof Error ? error.message : String(error)
}

/** The diagnosis tools on Credo's JSON-LD service and our status check, in the verifier's agent. */
export function ldpDiagnosisTools(agentContext: AgentContext): LdpDiagnosisTools {
  const jsonLd = agentContext.dependencyManager.resolve(W3cJsonLdCredentialService)
  return {
    async verifyCredential(credential) {
      const result = await jsonLd.verifyCredential(agentContext, { credential: JsonTransformer.fromJSON(credential, W3cJsonLdVerifiableCredential), verifyCredentialStatus: false })
      const error = messageOf(result.error)
      // vc.js checks the validity period after the proof: an expired credential's signature still verified
      return { isValid: result.isValid || /has expired/i.test(error ?? ''), error }
    },
    async verifyPresentationProof(presentation) {
      const { challenge, domain } = presentationProof(presentation)
      const result = await jsonLd.verifyPresentation(agentContext, { presentation: JsonTransformer.fromJSON(presentation, W3cJsonLdVerifiablePresentation), challenge: challenge ?? '', domain })
      const proofResult = (result.validations.vcJs as { presentationResult?: { verified?: boolean; error?: unknown } } | undefined)?.presentationResult
      return { isValid: proofResult?.verified === true, error: messageOf(proofResult?.error ?? result.error) }
    },
    async resolveStatus(credentialStatus, issuer) {
      return (await checkBitstringStatus(agentContext, credentialStatus, { issuer })).status
    },
  }
}
