import { type Agent, DidResolverService, DidsApi } from '@credo-ts/core'

/** The DID of a DID URL: what comes before its path, query or fragment (DID Core §3.2). */
const didOf = (didUrl: string) => didUrl.split(/[/?#]/, 1)[0]

/** `compute`'s answer for `key`, computed once; a failure is not kept. */
function once<T>(kept: Map<string, Promise<T>>, key: string, compute: () => Promise<T>): Promise<T> {
  let answer = kept.get(key)
  if (!answer) {
    answer = compute()
    kept.set(key, answer)
    answer.catch(() => kept.delete(key))
  }
  return answer
}

/**
 * The persona's own DIDs (did:jwk and did:key: each is its own document, DID JWK §2.2, did:key §3.1.2) resolved once
 * per agent, and their records (which keys of the KMS they use) read once: Credo resolved the holder DID three times
 * per OID4VCI issuance (the key proof's binding, its signer, the received SD-JWT VC's cnf) and read its record from
 * the database each time. The wallet creates these DIDs and never changes them; every other DID resolves as before.
 */
export function resolveOwnDidsOnce(agent: Agent, ownDids: readonly string[]): void {
  const resolver = agent.dependencyManager.resolve(DidResolverService)
  const resolveDidDocument = resolver.resolveDidDocument.bind(resolver)
  const documents = new Map<string, ReturnType<typeof resolveDidDocument>>()
  resolver.resolveDidDocument = (agentContext, didUrl) => {
    const did = didOf(didUrl)
    if (!ownDids.includes(did)) return resolveDidDocument(agentContext, didUrl)
    return once(documents, did, () => resolveDidDocument(agentContext, did))
  }

  const dids = agent.dependencyManager.resolve(DidsApi)
  const resolveWithKeys = dids.resolveCreatedDidDocumentWithKeys.bind(dids)
  const withKeys = new Map<string, ReturnType<typeof resolveWithKeys>>()
  dids.resolveCreatedDidDocumentWithKeys = (did) => (ownDids.includes(did) ? once(withKeys, did, () => resolveWithKeys(did)) : resolveWithKeys(did))
}
