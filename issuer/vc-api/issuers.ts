import { type Agent, DidKey } from '@credo-ts/core'
import type { PartyIdentity } from '../../common/identities'
import type { Ed25519Sign } from '../../common/vc2'
import type { JurisdictionIssuer } from '../jurisdictions'

/** One DID of an issuer and the verification method that signs under it. */
export interface IssuerDid {
  did: string
  verificationMethod: string
}

/**
 * A jurisdiction's issuer as the VC API sees it: the same Ed25519 key under two DIDs. did:jwk is the
 * lab's usual identity; did:key is the form W3C test suites and most Data Integrity verifiers resolve.
 */
export interface VcApiIssuer {
  jurisdiction: JurisdictionIssuer
  didJwk: IssuerDid
  didKey: IssuerDid
  sign: Ed25519Sign
}

async function vcApiIssuer(agent: Agent, jurisdiction: JurisdictionIssuer, identity: PartyIdentity): Promise<VcApiIssuer> {
  const { publicJwk } = await agent.dids.resolveVerificationMethodFromCreatedDidRecord(identity.kid, ['assertionMethod'])
  const didKey = new DidKey(publicJwk)
  return {
    jurisdiction,
    didJwk: { did: identity.did, verificationMethod: identity.kid },
    didKey: { did: didKey.did, verificationMethod: `${didKey.did}#${publicJwk.fingerprint}` },
    sign: async (data) => (await agent.kms.sign({ keyId: publicJwk.keyId, algorithm: 'EdDSA', data })).signature,
  }
}

/** Our issuers, found by either of their DIDs. */
export class VcApiIssuers {
  private constructor(private readonly byDid: ReadonlyMap<string, { issuer: VcApiIssuer; as: IssuerDid }>) {}

  public static async load(agent: Agent, jurisdictions: readonly JurisdictionIssuer[], identities: ReadonlyMap<string, PartyIdentity>): Promise<VcApiIssuers> {
    const byDid = new Map<string, { issuer: VcApiIssuer; as: IssuerDid }>()
    for (const jurisdiction of jurisdictions) {
      const identity = identities.get(jurisdiction.key)
      if (!identity) continue
      const issuer = await vcApiIssuer(agent, jurisdiction, identity)
      byDid.set(issuer.didJwk.did, { issuer, as: issuer.didJwk })
      byDid.set(issuer.didKey.did, { issuer, as: issuer.didKey })
    }
    return new VcApiIssuers(byDid)
  }

  /** The issuer whose DID this is, and which of its DIDs (so the proof uses the matching verification method). */
  public find(did: string): { issuer: VcApiIssuer; as: IssuerDid } | undefined {
    return this.byDid.get(did)
  }

  public all(): VcApiIssuer[] {
    return [...new Set([...this.byDid.values()].map((entry) => entry.issuer))]
  }
}
