import { type Agent, DidKey } from '@credo-ts/core'
import type { PartyIdentity } from '../../common/identities'
import { type Cryptosuite, ecdsaRdfc2019, eddsaRdfc2022, type Signer } from '../../common/vc2'
import type { JurisdictionIssuer } from '../jurisdictions'

/** One DID of an issuer: the verification method that signs under it, its key, and the cryptosuite that key makes. */
export interface IssuerDid {
  did: string
  verificationMethod: string
  signer: Signer
  cryptosuite: Cryptosuite
}

/**
 * A jurisdiction's issuer as the VC API sees it. Its Ed25519 key goes under two DIDs: did:jwk, the
 * lab's usual identity, and did:key, the form W3C test suites and most Data Integrity verifiers
 * resolve. Its P-256 key (ecdsa-rdfc-2019, ES256) goes under its own did:key (`zDn…`).
 */
export interface VcApiIssuer {
  jurisdiction: JurisdictionIssuer
  didJwk: IssuerDid
  didKey: IssuerDid
  p256DidKey: IssuerDid
}

/** The issuer DID as the agent holds it: the KMS key behind the verification method signs. */
async function issuerDid(agent: Agent, verificationMethod: string, cryptosuite: Cryptosuite): Promise<IssuerDid> {
  const { publicJwk } = await agent.dids.resolveVerificationMethodFromCreatedDidRecord(verificationMethod, ['assertionMethod'])
  const { algorithm } = cryptosuite
  const sign = async (data: Uint8Array) => (await agent.kms.sign({ keyId: publicJwk.keyId, algorithm, data })).signature
  return { did: verificationMethod.split('#')[0], verificationMethod, cryptosuite, signer: { algorithm, sign } }
}

/**
 * The jurisdiction's P-256 did:key, created on first start and kept in the agent's records (the key
 * sealed in its KMS) across restarts. Replicas starting together may both create one; the first
 * record saved wins and the other key is never used.
 */
async function ensureP256DidKey(agent: Agent, jurisdictionKey: string): Promise<string> {
  const id = `vc-api-p256-did:${jurisdictionKey}`
  const stored = async () => {
    const record = await agent.genericRecords.findById(id)
    return typeof record?.content.did === 'string' ? record.content.did : undefined
  }
  const existing = await stored()
  if (existing) return existing
  const result = await agent.dids.create({ method: 'key', options: { createKey: { type: { kty: 'EC', crv: 'P-256' } } } })
  const did = result.didState.did
  if (result.didState.state !== 'finished' || !did) throw new Error(`Could not create a P-256 did:key for ${jurisdictionKey}`)
  try {
    await agent.genericRecords.save({ id, content: { did }, tags: { vcApiIssuer: jurisdictionKey } })
    return did
  } catch (error) {
    const winner = await stored()
    if (winner) return winner
    throw error
  }
}

async function vcApiIssuer(agent: Agent, jurisdiction: JurisdictionIssuer, identity: PartyIdentity): Promise<VcApiIssuer> {
  const { publicJwk } = await agent.dids.resolveVerificationMethodFromCreatedDidRecord(identity.kid, ['assertionMethod'])
  const didKey = new DidKey(publicJwk)
  const didJwk = await issuerDid(agent, identity.kid, eddsaRdfc2022)
  const p256Did = await ensureP256DidKey(agent, jurisdiction.key)
  return {
    jurisdiction,
    didJwk,
    didKey: { ...didJwk, did: didKey.did, verificationMethod: `${didKey.did}#${publicJwk.fingerprint}` },
    p256DidKey: await issuerDid(agent, `${p256Did}#${p256Did.slice('did:key:'.length)}`, ecdsaRdfc2019),
  }
}

/** Our issuers, found by any of their DIDs. */
export class VcApiIssuers {
  private constructor(private readonly byDid: ReadonlyMap<string, { issuer: VcApiIssuer; as: IssuerDid }>) {}

  public static async load(agent: Agent, jurisdictions: readonly JurisdictionIssuer[], identities: ReadonlyMap<string, PartyIdentity>): Promise<VcApiIssuers> {
    const byDid = new Map<string, { issuer: VcApiIssuer; as: IssuerDid }>()
    for (const jurisdiction of jurisdictions) {
      const identity = identities.get(jurisdiction.key)
      if (!identity) continue
      const issuer = await vcApiIssuer(agent, jurisdiction, identity)
      for (const as of [issuer.didJwk, issuer.didKey, issuer.p256DidKey]) byDid.set(as.did, { issuer, as })
    }
    return new VcApiIssuers(byDid)
  }

  /** The issuer whose DID this is, and which of its DIDs (so the proof uses the matching verification method and key). */
  public find(did: string): { issuer: VcApiIssuer; as: IssuerDid } | undefined {
    return this.byDid.get(did)
  }

  public all(): VcApiIssuer[] {
    return [...new Set([...this.byDid.values()].map((entry) => entry.issuer))]
  }
}
