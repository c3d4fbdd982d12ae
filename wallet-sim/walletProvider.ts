import { type Agent, JwsService, JwtPayload, Kms } from '@credo-ts/core'
import { createAgent } from '@interop-lab/common/agent'
import type { DatabaseConfig } from '@interop-lab/common/db'
import { type CertificateChain, X509Authorities, x509Migrations } from '@interop-lab/common/x509/authorities'

/** What every instance of the lab wallet says it is (HAIP 1.0 §4.4.1: the attestation's `sub` is shared by all instances, no instance id). */
export const WALLET_CLIENT_ID = 'interop-lab-wallet-sim'
/** How long an attestation serves: one issuance (HAIP 1.0 §4.4.1: a Wallet Attestation is not reused across issuers). */
const ATTESTATION_SECONDS = 300
/** What the lab wallet claims of its keys' storage (OID4VCI 1.0 Appendix D.2, ISO/IEC 18045 attack potential): software keys. */
const KEY_STORAGE = ['iso_18045_basic']

/**
 * The wallet simulator's wallet provider (the backend a real wallet's vendor runs): a P-256 key and certificate under its
 * own root (common/x509, keys in its own sealed KMS, the same after a restart), signing Wallet Attestations (OID4VCI 1.0
 * Appendix E) and key attestations (Appendix D) for the personas' keys. Issuers trust its root through the trust
 * registry, listed for the `WalletAttestation` credential type.
 */
export class WalletProvider {
  private constructor(
    private readonly agent: Agent,
    private readonly chain: CertificateChain,
    private readonly shutdown: () => Promise<void>,
  ) {}

  public static async open(database: DatabaseConfig, dataDir: string, url: string): Promise<WalletProvider> {
    const { agent, db, shutdown } = await createAgent({ database, dataDir, migrations: x509Migrations, modules: {} })
    const chain = await new X509Authorities(agent, db).walletProvider({ key: 'wallet-sim', name: 'Interop Lab wallet provider', jurisdiction: 'CA', issuerUrl: url })
    return new WalletProvider(agent, chain, shutdown)
  }

  /** The root issuers trust (base64 DER): what the trust registry lists for `WalletAttestation`. */
  public get rootCertificate(): string {
    return this.chain.root.der
  }

  /** A Wallet Attestation (`oauth-client-attestation+jwt`) for the instance key `instanceKey`: the client attestation JWT its PoP goes with. */
  public walletAttestation(instanceKey: Kms.PublicJwk): Promise<string> {
    return this.sign('oauth-client-attestation+jwt', { sub: WALLET_CLIENT_ID, cnf: { jwk: instanceKey.toJson() }, wallet_name: 'Interop Lab wallet simulator' })
  }

  /** A key attestation (`key-attestation+jwt`) of holder keys, for the jwt proof's `key_attestation` header (HAIP 1.0 §4.5.1). */
  public keyAttestation(attestedKeys: Kms.PublicJwk[]): Promise<string> {
    return this.sign('key-attestation+jwt', { attested_keys: attestedKeys.map((key) => key.toJson()), key_storage: KEY_STORAGE })
  }

  private sign(typ: string, claims: Record<string, unknown>): Promise<string> {
    const now = Math.floor(Date.now() / 1000)
    const { leaf } = this.chain
    return this.agent.dependencyManager.resolve(JwsService).createJwsCompact(this.agent.context, {
      keyId: leaf.certificate.keyId,
      // HAIP 1.0 §4.4.1, §4.5.1: the signing certificate in x5c, the trust anchor not
      protectedHeaderOptions: { alg: Kms.KnownJwaSignatureAlgorithms.ES256, typ, x5c: [leaf.der] },
      payload: JwtPayload.fromJson({ iss: leaf.certificate.sanUriNames[0], iat: now, exp: now + ATTESTATION_SECONDS, ...claims }),
    })
  }

  public close(): Promise<void> {
    return this.shutdown()
  }
}
