import { type Agent, Kms, X509Certificate, X509ExtendedKeyUsage, type X509CertificateIssuerAndSubjectOptions, X509KeyUsage, X509Service } from '@credo-ts/core'
import { X509Certificate as OpenSslCertificate, randomBytes } from 'node:crypto'
import type { Database, Migration } from '../db'

/**
 * Certificates only: each one's private key lives in the agent's KMS (sealed at rest), named by `kms_key_id`.
 * `name` is what the certificate is for: `root:<jurisdiction>`, `iaca:<jurisdiction>`, `leaf:<issuer>`, `ds:<issuer>`,
 * `verifier-root:<jurisdiction>`, `rp:<verifier>`, `wallet-provider-root:<jurisdiction>`, `wallet-provider:<provider>`.
 */
export const x509Migrations: Migration[] = [{ id: 'x509-1', sql: 'CREATE TABLE x509_certificates (name TEXT PRIMARY KEY, kms_key_id TEXT NOT NULL, certificate TEXT NOT NULL)' }]

/** An issuer that signs under its jurisdiction's root: `issuerUrl` is its SD-JWT VC `iss` and its leaf's SAN URI. */
export interface X509Issuer {
  key: string
  name: string
  /** ISO 3166-2 style, "CA" or "CA-BC". */
  jurisdiction: string
  issuerUrl: string
}

/** A certificate whose private key this service holds: `certificate.keyId` is the KMS key id, so Credo can sign with it. */
export interface HeldCertificate {
  certificate: X509Certificate
  /** Base64 DER, as an `x5c` entry or a trust registry anchor carries it. */
  der: string
}

/** A relying party (verifier) that signs its HAIP requests under its jurisdiction's verifier root: `url` is where it answers. */
export interface X509RelyingParty {
  key: string
  name: string
  jurisdiction: string
  url: string
}

/** Which root: issuers' (SD-JWT VC, JWT), mdoc document signers' (IACA), or relying parties' (HAIP request signing). */
type RootKind = 'root' | 'iaca' | 'verifier' | 'wallet-provider'

/** A signing certificate and the chain above it, leaf first; the root (trust anchor) last. */
export interface CertificateChain {
  leaf: HeldCertificate
  root: HeldCertificate
}

const ROOT_YEARS = 10
const LEAF_YEARS = 1
const years = (n: number) => new Date(Date.now() + n * 365 * 86_400_000)
// a minute back: a verifier whose clock is a little behind still sees the certificate as valid
const aMinuteAgo = () => new Date(Date.now() - 60_000)
/**
 * A root's serial number (Credo passes one on for a self-signed certificate only): 16 random bytes (RFC 5280 §4.1.2.2: at most 20 octets, non-negative). The octets become
 * the DER INTEGER as they are, so the first is never 0: a 0 before an octet under 0x80 is padding OpenSSL (Node's
 * X509Certificate, and any verifier built on it) refuses as "illegal padding" — one lab certificate in 256 was unreadable.
 */
const serialNumber = () => {
  const bytes = randomBytes(16)
  bytes[0] = bytes[0] & 0x7f || 0x01
  return bytes.toString('hex')
}

const ROOT_COMMON_NAMES: Record<RootKind, string> = { root: 'Root CA', iaca: 'IACA', verifier: 'Relying Party CA', 'wallet-provider': 'Wallet Provider CA' }

const rootName = (jurisdiction: string, kind: RootKind): X509CertificateIssuerAndSubjectOptions => ({
  commonName: `Interop Lab ${jurisdiction} ${ROOT_COMMON_NAMES[kind]}`,
  countryName: 'CA',
  ...(jurisdiction.includes('-') ? { stateOrProvinceName: jurisdiction.slice(3) } : {}),
})

/**
 * Each jurisdiction's lab root CA and IACA (ISO 18013-5 Annex B), and each issuer's signing certificates under them:
 * created on first use with P-256 keys in the agent's KMS, persisted, and the same ones after a restart. A leaf whose
 * SAN no longer names its issuer's URL (the service moved) or that is about to expire is re-issued under the same root.
 */
export class X509Authorities {
  private readonly pending = new Map<string, Promise<HeldCertificate>>()

  public constructor(
    private readonly agent: Agent,
    private readonly db: Database,
  ) {}

  /** The jurisdiction's root CA for SD-JWT VC and JWT issuers (CA, keyCertSign, path length 0). */
  public root(jurisdiction: string): Promise<HeldCertificate> {
    return this.once(`root:${jurisdiction}`, () => this.createRoot(jurisdiction, 'root'))
  }

  /** The jurisdiction's IACA root for mdoc issuers (ISO 18013-5 Annex B.1.2; CRL-less: the lab publishes no CRL). */
  public iaca(jurisdiction: string): Promise<HeldCertificate> {
    return this.once(`iaca:${jurisdiction}`, () => this.createRoot(jurisdiction, 'iaca'))
  }

  /** The jurisdiction's root for relying parties' request-signing certificates (HAIP 1.0 x509 client ids); the trust registry lists it as kind `verifier`. */
  public verifierRoot(jurisdiction: string): Promise<HeldCertificate> {
    return this.once(`verifier-root:${jurisdiction}`, () => this.createRoot(jurisdiction, 'verifier'))
  }

  /** A verifier's request-signing certificate (digitalSignature; SAN dNSName = its host, SAN URI = its URL) under its jurisdiction's verifier root. */
  public async relyingParty(party: X509RelyingParty): Promise<CertificateChain> {
    const root = await this.verifierRoot(party.jurisdiction)
    const subject = { key: party.key, name: party.name, jurisdiction: party.jurisdiction, issuerUrl: party.url }
    const leaf = await this.once(
      `rp:${party.key}`,
      () => this.createLeaf(subject, root, 'rp'),
      (held) => stillFits(held, subject),
    )
    return { leaf, root }
  }

  /**
   * A wallet provider's attestation-signing certificate (digitalSignature, SAN URI = its URL) under its own root: what
   * signs its Wallet Attestations and key attestations (HAIP 1.0 §4.4.1, §4.5.1); issuers trust the root.
   */
  public async walletProvider(provider: X509Issuer): Promise<CertificateChain> {
    const root = await this.once(`wallet-provider-root:${provider.jurisdiction}`, () => this.createRoot(provider.jurisdiction, 'wallet-provider'))
    const leaf = await this.once(
      `wallet-provider:${provider.key}`,
      () => this.createLeaf(provider, root, 'leaf'),
      (held) => stillFits(held, provider),
    )
    return { leaf, root }
  }

  /** The issuer's SD-JWT VC signing certificate (digitalSignature, SAN URI = its URL) under its jurisdiction's root. */
  public async signer(issuer: X509Issuer): Promise<CertificateChain> {
    const root = await this.root(issuer.jurisdiction)
    const leaf = await this.once(
      `leaf:${issuer.key}`,
      () => this.createLeaf(issuer, root, 'leaf'),
      (held) => stillFits(held, issuer),
    )
    return { leaf, root }
  }

  /** The issuer's mdoc document signer certificate (ISO 18013-5 Annex B.1.4: digitalSignature, EKU mdlDS) under its jurisdiction's IACA. */
  public async documentSigner(issuer: X509Issuer): Promise<CertificateChain> {
    const root = await this.iaca(issuer.jurisdiction)
    const leaf = await this.once(
      `ds:${issuer.key}`,
      () => this.createLeaf(issuer, root, 'ds'),
      (held) => stillFits(held, issuer),
    )
    return { leaf, root }
  }

  /** The stored certificate `name`, or a new one made by `create` (once, however many callers ask at the same time). */
  private once(name: string, create: () => Promise<HeldCertificate>, usable: (held: HeldCertificate) => boolean = () => true): Promise<HeldCertificate> {
    let held = this.pending.get(name)
    if (!held) {
      held = (async () => {
        const stored = await this.load(name)
        if (stored && usable(stored)) return stored
        const created = await create()
        await this.db.run(
          'INSERT INTO x509_certificates (name, kms_key_id, certificate) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET kms_key_id = excluded.kms_key_id, certificate = excluded.certificate',
          [name, created.certificate.keyId, created.der],
        )
        return created
      })()
      this.pending.set(name, held)
      held.catch(() => this.pending.delete(name))
    }
    return held
  }

  private async load(name: string): Promise<HeldCertificate | undefined> {
    const [row] = await this.db.query<{ kms_key_id: string; certificate: string }>('SELECT kms_key_id, certificate FROM x509_certificates WHERE name = ?', [name])
    if (!row) return undefined
    const certificate = X509Certificate.fromEncodedCertificate(row.certificate)
    certificate.keyId = row.kms_key_id
    return { certificate, der: row.certificate }
  }

  private async newKey(): Promise<Kms.PublicJwk> {
    const { keyId, publicJwk } = await this.agent.kms.createKey({ type: { kty: 'EC', crv: 'P-256' } })
    const jwk = Kms.PublicJwk.fromPublicJwk(publicJwk)
    jwk.keyId = keyId
    return jwk
  }

  private async createRoot(jurisdiction: string, kind: RootKind): Promise<HeldCertificate> {
    const key = await this.newKey()
    const name = rootName(jurisdiction, kind)
    const certificate = await X509Service.createCertificate(this.agent.context, {
      authorityKey: key,
      issuer: name,
      serialNumber: serialNumber(),
      validity: { notBefore: aMinuteAgo(), notAfter: years(ROOT_YEARS) },
      extensions: {
        basicConstraints: { ca: true, pathLenConstraint: 0, markAsCritical: true },
        keyUsage: { usages: [X509KeyUsage.KeyCertSign, X509KeyUsage.CrlSign], markAsCritical: true },
        subjectKeyIdentifier: { include: true },
        // ISO 18013-5 B.1.2: an IACA names its issuer by an alternative name
        ...(kind === 'iaca' ? { issuerAlternativeName: { name: [{ type: 'url' as const, value: `https://interop-lab.ca/iaca/${jurisdiction}` }] } } : {}),
      },
    })
    certificate.keyId = key.keyId
    return held(certificate)
  }

  /**
   * Credo does not pass a serial number on for a certificate that is not self-signed: @peculiar/x509 draws 16 random
   * octets and means to drop a leading 0, but the KMS hands it a Node Buffer whose slice shares the whole buffer, so
   * the 0 stays — padding OpenSSL refuses before an octet under 0x80, one leaf in 512. Such a leaf is made again (same key, new serial).
   */
  private async createLeaf(issuer: X509Issuer, root: HeldCertificate, kind: 'leaf' | 'ds' | 'rp'): Promise<HeldCertificate> {
    const key = await this.newKey()
    for (let attempt = 1; ; attempt++) {
      const leaf = await this.signLeaf(issuer, root, kind, key)
      if (readableByOpenSsl(leaf)) return leaf
      if (attempt === 8) throw new Error(`The ${kind} certificate for ${issuer.name} is not readable by OpenSSL after ${attempt} attempts`)
    }
  }

  private async signLeaf(issuer: X509Issuer, root: HeldCertificate, kind: 'leaf' | 'ds' | 'rp', key: Kms.PublicJwk): Promise<HeldCertificate> {
    const rootCertificate = root.certificate
    const certificate = await X509Service.createCertificate(this.agent.context, {
      authorityKey: rootCertificate.publicJwk,
      subjectPublicKey: key,
      issuer: rootCertificate.subject,
      subject: { commonName: issuer.name, countryName: 'CA', ...(issuer.jurisdiction.includes('-') ? { stateOrProvinceName: issuer.jurisdiction.slice(3) } : {}) },
      validity: { notBefore: aMinuteAgo(), notAfter: years(LEAF_YEARS) },
      extensions: {
        basicConstraints: { ca: false, markAsCritical: true },
        keyUsage: { usages: [X509KeyUsage.DigitalSignature], markAsCritical: true },
        authorityKeyIdentifier: { include: true },
        subjectKeyIdentifier: { include: true },
        // a relying party is also named by its host: an x509_san_dns client id is a DNS SAN (OID4VP 1.0 §5.9.3)
        subjectAlternativeName: { name: [...(kind === 'rp' ? [{ type: 'dns' as const, value: new URL(issuer.issuerUrl).hostname }] : []), { type: 'url', value: issuer.issuerUrl }] },
        ...(kind === 'ds' ? { extendedKeyUsage: { usages: [X509ExtendedKeyUsage.MdlDs], markAsCritical: true } } : {}),
      },
    })
    certificate.keyId = key.keyId
    return held(certificate)
  }
}

const held = (certificate: X509Certificate): HeldCertificate => ({ certificate, der: certificate.toString('base64') })

const RENEW_BEFORE_MS = 7 * 86_400_000

/** Whether OpenSSL (Node's X509Certificate, and any verifier built on it) parses the certificate at all. */
function readableByOpenSsl({ der }: HeldCertificate): boolean {
  try {
    new OpenSslCertificate(Buffer.from(der, 'base64'))
    return true
  } catch {
    return false
  }
}

/** A stored leaf still serves when OpenSSL reads it, its SAN names the issuer's current URL and it is not about to expire. */
function stillFits(held: HeldCertificate, issuer: X509Issuer): boolean {
  const { certificate } = held
  return readableByOpenSsl(held) && certificate.sanUriNames.includes(issuer.issuerUrl) && certificate.data.notAfter.getTime() - Date.now() > RENEW_BEFORE_MS
}
