import { type AgentContext, DidResolverService, getPublicJwkFromVerificationMethod, parseDid } from '@credo-ts/core'
import type { JWK } from 'jose'

/**
 * The public key of `didUrl`, which must be a verification method of `issuer`'s own DID document authorized
 * for assertionMethod (DID Core §5.3.2). Throws, saying why, when it is not.
 */
export type IssuerKeyResolver = (issuer: string, didUrl: string) => Promise<JWK>

/** Issuer keys through the agent's DID resolvers (did:jwk, did:key, did:web…). */
export function issuerKeyResolver(agentContext: AgentContext): IssuerKeyResolver {
  return async (issuer, didUrl) => {
    if (parseDid(didUrl).did !== issuer) throw new Error(`${didUrl} is not a DID URL of ${issuer}`)
    const document = await agentContext.resolve(DidResolverService).resolveDidDocument(agentContext, issuer)
    const method = document.dereferenceKey(didUrl, ['assertionMethod'])
    if (method.controller !== issuer) throw new Error(`${method.id} is controlled by ${method.controller}, not by ${issuer}`)
    return getPublicJwkFromVerificationMethod(method).toJson() as JWK
  }
}
