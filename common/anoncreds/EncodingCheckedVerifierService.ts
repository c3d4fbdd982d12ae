import type { AnonCredsVerifierService, VerifyProofOptions, VerifyW3cPresentationOptions } from '@credo-ts/anoncreds'
import type { AgentContext } from '@credo-ts/core'
import { findMisencodedAttributes } from './encoding'

/**
 * Wraps any AnonCreds verifier (native or WASM) with the check the libraries leave to their callers: the proof
 * covers encoded values only, so a revealed raw value that does not encode to its encoded value is a forgery
 * the cryptography alone accepts. Such a proof is rejected before the library sees it.
 */
export class EncodingCheckedVerifierService implements AnonCredsVerifierService {
  public constructor(public readonly inner: AnonCredsVerifierService) {}

  public async verifyProof(agentContext: AgentContext, options: VerifyProofOptions): Promise<boolean> {
    const misencoded = findMisencodedAttributes(options.proof)
    if (misencoded.length) {
      const list = misencoded.map((m) => `${m.referent} (raw ${JSON.stringify(m.raw)} encodes to ${m.expected}, proof says ${m.encoded})`).join('; ')
      agentContext.config.logger.warn(`AnonCreds proof rejected: revealed values do not match their encoding: ${list}`)
      return false
    }
    return this.inner.verifyProof(agentContext, options)
  }

  public async verifyW3cPresentation(agentContext: AgentContext, options: VerifyW3cPresentationOptions): Promise<boolean> {
    // W3C AnonCreds presentations carry no encoded values: the library encodes the revealed ones itself
    return this.inner.verifyW3cPresentation(agentContext, options)
  }
}
