import type { JsonWebKey } from 'node:crypto'
import { type Agent, getPublicJwkFromVerificationMethod } from '@credo-ts/core'
import type { ResolveProofKey } from '@interop-lab/common/vc2'

/**
 * Resolves a proof's verification method through the agent's DID resolvers (did:key, did:jwk,
 * did:web, did:peer…) and requires the DID document to authorize it for the proof's purpose.
 */
export function agentKeyResolver(agent: Agent): ResolveProofKey {
  return async (verificationMethod, purpose) => {
    if (!verificationMethod.startsWith('did:')) throw new Error('only DID verification methods can be resolved')
    const document = await agent.dids.resolveDidDocument(verificationMethod)
    const method = document.dereferenceKey(verificationMethod, [purpose])
    return { publicJwk: getPublicJwkFromVerificationMethod(method).toJson() as JsonWebKey, controller: method.controller }
  }
}
