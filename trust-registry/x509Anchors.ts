import * as x509 from '@peculiar/x509'
import { Router } from 'express'
import { z } from 'zod'
import type { Database, Migration } from '@interop-lab/common/db'
import { handle, HttpError, parseInput, requireApiKey } from '@interop-lab/common/http'
import { certificateThumbprint } from '@interop-lab/common/x509/chain'
import { jurisdictionSchema } from './governance'
import { type X509Anchor, X509_ANCHORS_JWS_TYPE } from './client'
import type { ServiceSigner } from './signer'
import { adminKeyId, change } from './admin'
import { type IssuerUrlBinding, RegistryChangeError, writeAudit } from './store'

/**
 * X.509 trust: each jurisdiction's root (SD-JWT VC, JWT) and IACA (mdoc) certificates and the credential types a chain to
 * each may issue; and the issuer URLs (a leaf certificate's SAN URI, an SD-JWT VC's `iss`) bound to entities (table
 * registry_issuer_urls, store.ts), so TRQP answers for a certificate-identified issuer as for a DID.
 */
export const x509AnchorMigrations: Migration[] = [
  {
    id: 'trust-registry-x509-1',
    sql: `CREATE TABLE registry_x509_anchors (
        thumbprint TEXT PRIMARY KEY, jurisdiction TEXT NOT NULL, kind TEXT NOT NULL, certificate TEXT NOT NULL, credential_types TEXT NOT NULL)`,
  },
]

const ANCHOR_KINDS = ['root', 'iaca', 'verifier'] as const satisfies readonly X509Anchor['kind'][]

const credentialTypeId = z.string().regex(/^[A-Za-z0-9]+$/, 'expected a credential type id such as "BusinessRegistrationCredential"')
export const anchorBodySchema = z.strictObject({
  jurisdiction: jurisdictionSchema,
  kind: z.enum(ANCHOR_KINDS),
  /** PEM, or base64 DER. */
  certificate: z.string().min(100).max(20_000),
  credentialTypes: z.array(credentialTypeId).min(1),
})
const issuerUrlBodySchema = z.strictObject({ issuerUrl: z.url({ protocol: /^https?$/ }).max(2000) })
const anchorsQuerySchema = z.strictObject({ credential_type: credentialTypeId.optional() })

/** Base64 DER of a CA certificate given as PEM or base64 DER; throws a 400 naming what is wrong. */
function caCertificateDer(encoded: string): string {
  let certificate: x509.X509Certificate
  try {
    certificate = new x509.X509Certificate(encoded.trim())
  } catch {
    throw new HttpError(400, 'invalid_certificate', 'certificate is not an X.509 certificate (PEM or base64 DER)')
  }
  if (!certificate.getExtension(x509.BasicConstraintsExtension)?.ca) {
    throw new HttpError(400, 'invalid_certificate', `${certificate.subject} is not a CA certificate (basicConstraints cA, RFC 5280 §4.2.1.9): a trust anchor signs certificates`)
  }
  return Buffer.from(certificate.rawData).toString('base64')
}

type AnchorRow = { thumbprint: string; jurisdiction: string; kind: X509Anchor['kind']; certificate: string; credential_types: string }
const anchorOf = (row: AnchorRow): X509Anchor => ({
  thumbprint: row.thumbprint,
  jurisdiction: row.jurisdiction,
  kind: row.kind,
  certificate: row.certificate,
  credentialTypes: JSON.parse(row.credential_types) as string[],
})

/** The registry's X.509 anchors and issuer URLs; each change audited (who, when, before and after) as the entities are. */
export class X509AnchorStore {
  public constructor(private readonly db: Database) {}

  /** Lists (or relists, with new terms) an anchor. */
  public async put(actor: string, anchor: Omit<X509Anchor, 'thumbprint'>): Promise<X509Anchor> {
    const listed = { ...anchor, thumbprint: certificateThumbprint(anchor.certificate) }
    return this.db.transaction(async (tx) => {
      const [before] = await tx.query<AnchorRow>('SELECT thumbprint, jurisdiction, kind, certificate, credential_types FROM registry_x509_anchors WHERE thumbprint = ?', [listed.thumbprint])
      await tx.run(
        `INSERT INTO registry_x509_anchors (thumbprint, jurisdiction, kind, certificate, credential_types) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (thumbprint) DO UPDATE SET jurisdiction = excluded.jurisdiction, kind = excluded.kind, credential_types = excluded.credential_types`,
        [listed.thumbprint, listed.jurisdiction, listed.kind, listed.certificate, JSON.stringify(listed.credentialTypes)],
      )
      await writeAudit(tx, actor, 'list-x509-anchor', listed.thumbprint, before && anchorOf(before), listed)
      return listed
    })
  }

  /** Every anchor, or those a chain to which may issue `credentialType`. */
  public async list(credentialType?: string): Promise<X509Anchor[]> {
    const rows = await this.db.query<AnchorRow>('SELECT thumbprint, jurisdiction, kind, certificate, credential_types FROM registry_x509_anchors ORDER BY jurisdiction, kind, thumbprint')
    return rows.map(anchorOf).filter((anchor) => credentialType === undefined || anchor.credentialTypes.includes(credentialType))
  }

  /** Binds `issuerUrl` to the entity `entityKey`: TRQP then answers for that URL as for the entity's DID. Binding it again changes nothing. */
  public async bindIssuerUrl(actor: string, entityKey: string, issuerUrl: string): Promise<IssuerUrlBinding> {
    return this.db.transaction(async (tx) => {
      const [entity] = await tx.query<{ entity_key: string }>('SELECT entity_key FROM registry_entities WHERE entity_key = ?', [entityKey])
      if (!entity) throw new RegistryChangeError('not-found', `No entity '${entityKey}' in the registry`)
      const [holder] = await tx.query<{ entity_key: string }>('SELECT entity_key FROM registry_issuer_urls WHERE issuer_url = ?', [issuerUrl])
      const binding = { issuerUrl, entityKey }
      if (holder?.entity_key === entityKey) return binding
      if (holder) throw new RegistryChangeError('conflict', `${issuerUrl} is already bound to '${holder.entity_key}'`)
      await tx.run('INSERT INTO registry_issuer_urls (issuer_url, entity_key) VALUES (?, ?)', [issuerUrl, entityKey])
      await writeAudit(tx, actor, 'bind-issuer-url', entityKey, undefined, binding)
      return binding
    })
  }
}

/**
 * `GET /x509/anchors[?credential_type=]`: the anchors, signed by the registry (`typ` x509-anchors+jwt) so a verifier that
 * pinned its key trusts no root an attacker slipped in. `PUT /admin/x509/anchors` lists one; `PUT /admin/entities/:key/issuer-url`
 * binds a certificate-identified issuer's URL to its entity.
 */
export function x509AnchorRoutes(anchors: X509AnchorStore, signer: ServiceSigner, adminApiKeys: readonly string[]): Router {
  const router = Router()
  const admin = requireApiKey(adminApiKeys)
  router.get(
    '/x509/anchors',
    handle(async (req, res) => {
      const { credential_type } = parseInput(anchorsQuerySchema, req.query)
      const statement = { ...(credential_type ? { credential_type } : {}), anchors: await anchors.list(credential_type), time_evaluated: new Date().toISOString() }
      res.json({ ...statement, jws: await signer.sign(statement, X509_ANCHORS_JWS_TYPE) })
    }),
  )
  router.put(
    '/admin/x509/anchors',
    admin,
    handle(async (req, res) => {
      const body = parseInput(anchorBodySchema, req.body)
      res.json(await anchors.put(adminKeyId(req), { ...body, certificate: caCertificateDer(body.certificate) }))
    }),
  )
  router.put(
    '/admin/entities/:key/issuer-url',
    admin,
    handle(async (req, res) => {
      const { issuerUrl } = parseInput(issuerUrlBodySchema, req.body)
      res.json(await change(() => anchors.bindIssuerUrl(adminKeyId(req), String(req.params.key), issuerUrl)))
    }),
  )
  return router
}
