import { type Agent, DidKey } from '@credo-ts/core'
import type { PartyIdentity } from '@interop-lab/common/identities'
import { type Cryptosuite, ecdsaJcs2019, ecdsaRdfc2019, ecdsaSd2023, ed25519Signature2020, eddsaJcs2022, eddsaRdfc2022, type SignatureAlgorithm, type Signer } from '@interop-lab/common/vc2'
import type { JurisdictionIssuer } from '../jurisdictions'

/** One DID of an issuer: the verification method that signs under it, its key, and the cryptosuites that key makes (the first by default). */
export interface IssuerDid {
  did: string
  verificationMethod: string
  signer: Signer
  cryptosuites: readonly Cryptosuite[]
}

const ED25519_SUITES = [eddsaRdfc2022, eddsaJcs2022, ed25519Signature2020]
const P256_SUITES = [ecdsaRdfc2019, ecdsaJcs2019, ecdsaSd2023]
// ecdsa-sd-2023 stays P-256: Digital Bazaar's implementation, which the lab uses, signs base proofs with P-256 only
const P384_SUITES = [ecdsaRdfc2019, ecdsaJcs2019]

type EcCurve = 'P-256' | 'P-384'
const EC_KEYS: Record<EcCurve, { algorithm: SignatureAlgorithm; suites: readonly Cryptosuite[]; recordPrefix: string }> = {
  'P-256': { algorithm: 'ES256', suites: P256_SUITES, recordPrefix: 'vc-api-p256-did' },
  'P-384': { algorithm: 'ES384', suites: P384_SUITES, recordPrefix: 'vc-api-p384-did' },
}

/**
 * A jurisdiction's issuer as the VC API sees it. Its Ed25519 key goes under two DIDs: did:jwk, the
 * lab's usual identity, and did:key, the form W3C test suites and most Data Integrity verifiers
 * resolve; it signs eddsa-rdfc-2022, eddsa-jcs-2022 and Ed25519Signature2020. Its P-256 key
 * (ecdsa-rdfc-2019, ecdsa-jcs-2019, ecdsa-sd-2023, ES256) goes under its own did:key (`zDn…`), and
 * its P-384 key (ecdsa-rdfc-2019, ecdsa-jcs-2019 with SHA-384) under another (`z82…`).
 */
export interface VcApiIssuer {
  jurisdiction: JurisdictionIssuer
  didJwk: IssuerDid
  didKey: IssuerDid
  p256DidKey: IssuerDid
  p384DidKey: IssuerDid
}

/** Every DID of the issuer, the default one (Ed25519 did:key) first. */
export const didsOf = (issuer: VcApiIssuer): IssuerDid[] => [issuer.didKey, issuer.p256DidKey, issuer.p384DidKey]

/** The issuer DID as the agent holds it: the KMS key behind the verification method signs. */
async function issuerDid(agent: Agent, verificationMethod: string, algorithm: SignatureAlgorithm, cryptosuites: readonly Cryptosuite[]): Promise<IssuerDid> {
  const { publicJwk } = await agent.dids.resolveVerificationMethodFromCreatedDidRecord(verificationMethod, ['assertionMethod'])
  const sign = async (data: Uint8Array) => (await agent.kms.sign({ keyId: publicJwk.keyId, algorithm, data })).signature
  return { did: verificationMethod.split('#')[0], verificationMethod, cryptosuites, signer: { algorithm, sign } }
}

/**
 * The jurisdiction's P-256 or P-384 did:key, created on first start and kept in the agent's records
 * (the key sealed in its KMS) across restarts. Replicas starting together may both create one; the
 * first record saved wins and the other key is never used.
 */
async function ensureEcDidKey(agent: Agent, jurisdictionKey: string, crv: EcCurve): Promise<string> {
  const id = `${EC_KEYS[crv].recordPrefix}:${jurisdictionKey}`
  const stored = async () => {
    const record = await agent.genericRecords.findById(id)
    return typeof record?.content.did === 'string' ? record.content.did : undefined
  }
  const existing = await stored()
  if (existing) return existing
  const result = await agent.dids.create({ method: 'key', options: { createKey: { type: { kty: 'EC', crv } } } })
  const did = result.didState.did
  if (result.didState.state !== 'finished' || !did) throw new Error(`Could not create a ${crv} did:key for ${jurisdictionKey}`)
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
  const didJwk = await issuerDid(agent, identity.kid, 'EdDSA', ED25519_SUITES)
  const ecDidKey = async (crv: EcCurve) => {
    const did = await ensureEcDidKey(agent, jurisdiction.key, crv)
    return issuerDid(agent, `${did}#${did.slice('did:key:'.length)}`, EC_KEYS[crv].algorithm, EC_KEYS[crv].suites)
  }
  return {
    jurisdiction,
    didJwk,
    didKey: { ...didJwk, did: didKey.did, verificationMethod: `${didKey.did}#${publicJwk.fingerprint}` },
    p256DidKey: await ecDidKey('P-256'),
    p384DidKey: await ecDidKey('P-384'),
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
      for (const as of [issuer.didJwk, ...didsOf(issuer)]) byDid.set(as.did, { issuer, as })
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
