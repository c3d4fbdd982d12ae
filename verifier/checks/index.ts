import { AnonCredsApi } from '@credo-ts/anoncreds'
import type { AgentContext } from '@credo-ts/core'
import { ldpProofVerifier } from '../didcomm/ldpTools'
import type { PresentedCredential } from '../presented'
import type { CredentialDefinitionIssuer } from './anonCredsIssuerIsDefiner'
import { credentialStatusCheck } from './credentialStatus'
import { issuerKeyResolver } from './issuerKeys'
import type { CheckResult } from './result'
import type { X509AnchorSource } from './x5cSignerIsIssuer'
import { signerIsIssuer } from './signerIsIssuer'

export type { CheckResult } from './result'

/** The lab's own per-credential checks that are not the trust registry's: who signed it, and its published status. */
export interface CredentialChecks {
  signerIsIssuer(credential: PresentedCredential): Promise<CheckResult>
  /** Undefined when the credential points to no status list. */
  status(credential: PresentedCredential): Promise<CheckResult | undefined>
}

/** The credential definition's `issuerId`, as the AnonCreds registry publishes it. */
function definitionIssuer(agentContext: AgentContext): CredentialDefinitionIssuer {
  return async (credentialDefinitionId) => {
    const { credentialDefinition, resolutionMetadata } = await agentContext.dependencyManager.resolve(AnonCredsApi).getCredentialDefinition(credentialDefinitionId)
    if (!credentialDefinition) throw new Error(resolutionMetadata.message ?? resolutionMetadata.error ?? 'not found')
    return credentialDefinition.issuerId
  }
}

/** Without a trust registry, no X.509 root is trusted. */
const NO_X509_ANCHORS: X509AnchorSource = async () => []

/** The checks with the verifier agent's DID resolvers, AnonCreds registry and HTTP client, and the trust registry's X.509 roots and IACAs. */
export function credentialChecks(agentContext: AgentContext, x509Anchors: X509AnchorSource = NO_X509_ANCHORS): CredentialChecks {
  const tools = { issuerKey: issuerKeyResolver(agentContext), definitionIssuer: definitionIssuer(agentContext), verifyLdpProof: ldpProofVerifier(agentContext), x509Anchors }
  return {
    signerIsIssuer: (credential) => signerIsIssuer(credential, tools),
    status: (credential) => credentialStatusCheck(agentContext, credential, x509Anchors),
  }
}
