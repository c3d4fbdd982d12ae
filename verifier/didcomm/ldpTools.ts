import { type AgentContext, JsonTransformer, W3cJsonLdCredentialService, W3cJsonLdVerifiableCredential, W3cJsonLdVerifiablePresentation } from '@credo-ts/core'
import type { LdpProofVerifier } from '../checks/ldpSignerIsIssuer'
import type { LdpPresentationTools } from './ldpChecks'
import { presentationProof } from './ldpPresentation'

/** The reason inside vc.js's "Verification error(s)." wrapper. */
function messageOf(error: unknown): string | undefined {
  if (error === undefined || error === null) return undefined
  const nested = (error as { errors?: unknown[] }).errors
  if (Array.isArray(nested) && nested.length) return nested.map(messageOf).filter(Boolean).join('; ')
  return error instanceof Error ? error.message : String(error)
}

/** A JSON-LD credential's proof cryptography (not its status, not its validity period), with Credo's JSON-LD service. */
export function ldpProofVerifier(agentContext: AgentContext): LdpProofVerifier {
  const jsonLd = agentContext.dependencyManager.resolve(W3cJsonLdCredentialService)
  return async (credential) => {
    const result = await jsonLd.verifyCredential(agentContext, { credential: JsonTransformer.fromJSON(credential, W3cJsonLdVerifiableCredential), verifyCredentialStatus: false })
    const error = messageOf(result.error)
    // vc.js checks the validity period after the proof: an expired credential's signature still verified
    return { isValid: result.isValid || /has expired/i.test(error ?? ''), error }
  }
}

/** The JSON-LD adapter's tools on Credo's JSON-LD service, in the verifier's agent. */
export function ldpPresentationTools(agentContext: AgentContext): LdpPresentationTools {
  const jsonLd = agentContext.dependencyManager.resolve(W3cJsonLdCredentialService)
  return {
    async verifyPresentationProof(presentation) {
      const { challenge, domain } = presentationProof(presentation)
      const result = await jsonLd.verifyPresentation(agentContext, { presentation: JsonTransformer.fromJSON(presentation, W3cJsonLdVerifiablePresentation), challenge: challenge ?? '', domain })
      const proofResult = (result.validations.vcJs as { presentationResult?: { verified?: boolean; error?: unknown } } | undefined)?.presentationResult
      return { isValid: proofResult?.verified === true, error: messageOf(proofResult?.error ?? result.error) }
    },
  }
}
