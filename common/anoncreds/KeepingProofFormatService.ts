import { AnonCredsDidCommProofFormatService, type AnonCredsProof } from '@credo-ts/anoncreds'
import type { AgentContext } from '@credo-ts/core'
import { findMisencodedAttributes } from './encoding'

type ProcessPresentationOptions = Parameters<AnonCredsDidCommProofFormatService['processPresentation']>[1]

/**
 * Credo's AnonCreds proof format, except that a presentation whose revealed raw value does not encode to its
 * encoded value is a proof that does not verify instead of an error. Credo 0.6.3 throws there, before it keeps the
 * presentation, so the verifier's own encoding check (verifier/didcomm/anoncreds.ts) would have nothing to read.
 */
export class KeepingProofFormatService extends AnonCredsDidCommProofFormatService {
  public override async processPresentation(agentContext: AgentContext, options: ProcessPresentationOptions): Promise<boolean> {
    if (findMisencodedAttributes(options.attachment.getDataAsJson<AnonCredsProof>()).length) return false
    return super.processPresentation(agentContext, options)
  }
}
