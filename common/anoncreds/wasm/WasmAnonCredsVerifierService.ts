import type { AnonCredsVerifierService, VerifyProofOptions } from '@credo-ts/anoncreds'
import type { AgentContext } from '@credo-ts/core'
import { AnonCredsInputError, AnonCredsUnsupportedError } from '../errors'
import { assertIdentifier, assertIdentifierKeys, assertNonce, isJsonObject } from '../validation'
import { runWasm } from './anonCredsWasm'

/** Credo's AnonCreds verifier over the anoncreds-rs WASM (no revocation). Pair it with the encoding check. */
export class WasmAnonCredsVerifierService implements AnonCredsVerifierService {
  public async verifyProof(_agentContext: AgentContext, options: VerifyProofOptions): Promise<boolean> {
    const { proof, proofRequest, schemas, credentialDefinitions } = options
    assertNonce('proof request', proofRequest.nonce)
    if (!isJsonObject(proof) || !Array.isArray(proof.identifiers) || !isJsonObject(proof.requested_proof)) throw new AnonCredsInputError('The proof is not an AnonCreds proof')
    let revocation = Object.keys(options.revocationRegistries ?? {}).length > 0
    for (const identifier of proof.identifiers) {
      if (!isJsonObject(identifier)) throw new AnonCredsInputError('The proof has a malformed identifier entry')
      assertIdentifier('schema id', identifier.schema_id)
      assertIdentifier('credential definition id', identifier.cred_def_id)
      revocation ||= Boolean(identifier.rev_reg_id) || identifier.timestamp !== undefined
    }
    if (revocation) throw new AnonCredsUnsupportedError('The WASM AnonCreds backend cannot verify non-revocation proofs')
    assertIdentifierKeys('schema id', schemas)
    assertIdentifierKeys('credential definition id', credentialDefinitions)
    return runWasm('verify proof', (wasm, scope) =>
      wasm.Verifier.verifyPresentation(scope.track(wasm.Presentation.from(proof)), scope.track(wasm.PresentationRequest.from(proofRequest)), schemas, credentialDefinitions),
    )
  }

  public async verifyW3cPresentation(): Promise<boolean> {
    throw new AnonCredsUnsupportedError('W3C-format AnonCreds presentations need the native anoncreds library')
  }
}
