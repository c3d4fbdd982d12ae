import { type AgentContext, type DependencyManager, injectable, type Module, W3cJsonLdCredentialService, type W3cJsonLdSignPresentationOptions, type W3cJsonLdVerifiablePresentation } from '@credo-ts/core'
import { StatusCheckingW3cJsonLdCredentialService } from '../status/credoJsonLdStatus'
import { ED25519_2020_CONTEXT_URL } from './credoDocumentLoader'
import { LDP_PROOF_TYPE } from './ldp'

/**
 * JSON-LD credentials as the lab signs and checks them: Bitstring status checked, and presentations
 * signed with Ed25519Signature2020 carry that suite's context. Credo 0.6.3 adds it only when the document
 * has no VCDM 1.1 context, so the proof's `challenge` would otherwise be an undefined term.
 */
@injectable()
export class LabJsonLdCredentialService extends StatusCheckingW3cJsonLdCredentialService {
  public override signPresentation(agentContext: AgentContext, options: W3cJsonLdSignPresentationOptions): Promise<W3cJsonLdVerifiablePresentation> {
    const { presentation } = options
    if (options.proofType === LDP_PROOF_TYPE && !presentation.context.includes(ED25519_2020_CONTEXT_URL)) presentation.context.push(ED25519_2020_CONTEXT_URL)
    return super.signPresentation(agentContext, options)
  }
}

export class LabJsonLdCredentialModule implements Module {
  public register(dependencyManager: DependencyManager): void {
    dependencyManager.registerSingleton(W3cJsonLdCredentialService, LabJsonLdCredentialService)
  }
}
