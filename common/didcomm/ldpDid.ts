import { type Agent, DidJwk, DidKey, Kms } from '@credo-ts/core'

/** A DID that signs JSON-LD (ldp_vc) proofs, and its verification method. */
export interface LdpDid {
  did: string
  verificationMethod: string
}

/**
 * The did:key of a party's Ed25519 did:jwk key, held by the same agent: the DID its JSON-LD proofs are made under.
 * Peers' LD-proof suites read Ed25519VerificationKey2018/2020 or Multikey keys, which a did:key resolves to; a
 * did:jwk resolves to a JsonWebKey2020, which ACA-Py cannot read ("key type JsonWebKey2020 not supported by the
 * peer"). The key is the did:jwk's own: the did:key is imported once, naming the same key of the agent's KMS.
 */
export async function ensureLdpDid(agent: Agent, didJwkKid: string): Promise<LdpDid> {
  const { publicJwk } = await agent.dids.resolveVerificationMethodFromCreatedDidRecord(didJwkKid)
  if (!publicJwk.is(Kms.Ed25519PublicJwk)) throw new Error(`${didJwkKid} is not an Ed25519 key: JSON-LD proofs are Ed25519Signature2020`)
  const { did } = new DidKey(publicJwk)
  const fragment = `#${publicJwk.fingerprint}`
  const [existing] = await agent.dids.getCreatedDids({ did })
  if (!existing) await agent.dids.import({ did, keys: [{ didDocumentRelativeKeyId: fragment, kmsKeyId: publicJwk.keyId }], overwrite: true })
  return { did, verificationMethod: `${did}${fragment}` }
}

/**
 * The did:jwk naming the same Ed25519 key as `did` when it is a did:key; otherwise `did` itself. The trust registry
 * binds each issuer's did:jwk; its JSON-LD credentials name the did:key of that key (see ensureLdpDid), which only
 * the holder of the same private key can sign under.
 */
export function sameKeyDidJwk(did: string): string {
  if (!did.startsWith('did:key:')) return did
  try {
    const { publicJwk } = DidKey.fromDid(did)
    return publicJwk.is(Kms.Ed25519PublicJwk) ? DidJwk.fromPublicJwk(publicJwk).did : did
  } catch {
    return did
  }
}
