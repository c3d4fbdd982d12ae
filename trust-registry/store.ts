import { randomUUID } from 'node:crypto'
import type { Database, Migration, SqlValue } from '@interop-lab/common/db'
import type { X509Anchor } from './client'
import type { Assurance, Authorization, EntityStatus, Governance, GovernedEntity, GovernedRecognition, RegistryLink } from './governance'

/**
 * Authorizations hang off the stable entity key (DIDs are bound later and may change); a query by DID
 * goes through the unique index on `entity_id`, then the authorizations primary key: both index seeks.
 */
export const registryMigrations: Migration[] = [
  {
    id: 'trust-registry-1',
    sql: `CREATE TABLE registry_entities (
        entity_key TEXT PRIMARY KEY, entity_id TEXT UNIQUE, name_en TEXT NOT NULL, name_fr TEXT NOT NULL,
        jurisdiction TEXT NOT NULL, status TEXT NOT NULL, valid_from TEXT, valid_until TEXT);
      CREATE TABLE registry_authorizations (
        entity_key TEXT NOT NULL, authority_id TEXT NOT NULL, action TEXT NOT NULL, resource TEXT NOT NULL,
        PRIMARY KEY (entity_key, authority_id, action, resource));
      CREATE TABLE registry_recognitions (
        authority_id TEXT NOT NULL, recognized_id TEXT NOT NULL, resource TEXT NOT NULL,
        PRIMARY KEY (authority_id, recognized_id, resource));
      CREATE TABLE registry_audit (
        id TEXT PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
        target TEXT NOT NULL, before_state TEXT, after_state TEXT)`,
  },
  {
    id: 'trust-registry-2',
    sql: `CREATE INDEX registry_entities_listing ON registry_entities (jurisdiction, entity_key);
      CREATE INDEX registry_audit_at ON registry_audit (at);
      CREATE INDEX registry_audit_target ON registry_audit (target, at)`,
  },
  {
    id: 'trust-registry-3-federation',
    sql: `ALTER TABLE registry_entities ADD COLUMN assurance_subject TEXT;
      ALTER TABLE registry_entities ADD COLUMN assurance_level INTEGER;
      ALTER TABLE registry_recognitions ADD COLUMN max_assurance_level INTEGER;
      ALTER TABLE registry_recognitions ADD COLUMN valid_until TEXT;
      ALTER TABLE registry_recognitions ADD COLUMN withdrawn_at TEXT;
      CREATE TABLE registry_links (jurisdiction TEXT PRIMARY KEY, url TEXT NOT NULL, key_thumbprint TEXT NOT NULL)`,
  },
  {
    // a certificate-identified issuer (an SD-JWT VC's https `iss`, its certificate's SAN URI) answers as its entity (x509Anchors.ts)
    id: 'trust-registry-4-issuer-urls',
    sql: 'CREATE TABLE registry_issuer_urls (issuer_url TEXT PRIMARY KEY, entity_key TEXT NOT NULL)',
  },
]

/** A certificate-identified issuer's URL, bound to its entity (x509Anchors.ts). */
export interface IssuerUrlBinding {
  issuerUrl: string
  entityKey: string
}

/** An entity as the registry holds it: its governed fields, and its DID once one is bound. */
export interface RegistryEntity extends GovernedEntity {
  entityId?: string
}

export interface EntityChanges {
  status?: EntityStatus
  authorizations?: Authorization[]
  /** `null` removes the bound. */
  validFrom?: string | null
  validUntil?: string | null
}

/** What an authorization answer is decided from. */
export interface AuthorizationFacts {
  key: string
  name: { en: string; fr: string }
  status: EntityStatus
  validFrom?: string
  validUntil?: string
  /** Whether the entity holds exactly the authorization asked about. */
  granted: boolean
  assurance?: Assurance
}

export interface Recognition {
  authority: string
  recognizes: string
  resource: string
  maxAssuranceLevel?: number
  validUntil?: string
  withdrawnAt?: string
}

/** What a recognition answer is decided from: the recognition (exact type, else "*"), and where the recognized jurisdiction's registry is. */
export interface RecognitionFacts {
  recognition?: Recognition
  link?: RegistryLink
}

export interface AuditEntry {
  id: string
  at: string
  /** Who: the admin API key's id (a digest, never the key). */
  actor: string
  action: 'create-entity' | 'bind-did' | 'update-entity' | 'recognize' | 'withdraw-recognition' | 'link-registry' | 'list-x509-anchor' | 'bind-issuer-url'
  target: string
  before?: RegistryEntity | Recognition[] | RegistryLink | X509Anchor | IssuerUrlBinding
  after?: RegistryEntity | Recognition[] | RegistryLink | X509Anchor | IssuerUrlBinding
}

/** A change the registry refuses: no such entity, a key or DID already taken, or a result that would be inconsistent. */
export class RegistryChangeError extends Error {
  public constructor(
    public readonly reason: 'not-found' | 'conflict' | 'invalid',
    message: string,
  ) {
    super(message)
  }
}

interface EntityRow extends Record<string, unknown> {
  entity_key: string
  entity_id: string | null
  name_en: string
  name_fr: string
  jurisdiction: string
  status: EntityStatus
  valid_from: string | null
  valid_until: string | null
  assurance_subject: Assurance['subject'] | null
  assurance_level: number | null
}

interface RecognitionRow extends Record<string, unknown> {
  authority_id: string
  recognized_id: string
  resource: string
  max_assurance_level: number | null
  valid_until: string | null
  withdrawn_at: string | null
}

const ENTITY_COLUMNS = 'entity_key, entity_id, name_en, name_fr, jurisdiction, status, valid_from, valid_until, assurance_subject, assurance_level'
const RECOGNITION_COLUMNS = 'authority_id, recognized_id, resource, max_assurance_level, valid_until, withdrawn_at'
const entityValues = (entity: RegistryEntity) => [
  entity.key,
  entity.entityId ?? null,
  entity.name.en,
  entity.name.fr,
  entity.jurisdiction,
  entity.status,
  entity.validFrom ?? null,
  entity.validUntil ?? null,
  entity.assurance?.subject ?? null,
  entity.assurance?.level ?? null,
]
const recognitionOf = (row: RecognitionRow): Recognition => ({
  authority: row.authority_id,
  recognizes: row.recognized_id,
  resource: row.resource,
  ...(row.max_assurance_level === null ? {} : { maxAssuranceLevel: Number(row.max_assurance_level) }),
  ...(row.valid_until ? { validUntil: row.valid_until } : {}),
  ...(row.withdrawn_at ? { withdrawnAt: row.withdrawn_at } : {}),
})

/** SQLite says "UNIQUE constraint failed", PostgreSQL sets code 23505. */
const isUniqueViolation = (error: unknown) => (error as { code?: string })?.code === '23505' || /UNIQUE constraint failed/.test(String((error as Error)?.message))

/** The registry's content in its database: entities, their authorizations, recognitions and the audit trail. */
export class RegistryStore {
  public constructor(private readonly db: Database) {}

  /** Adds what the governance file names and the database lacks; admin changes made since are kept. */
  public async seed(governance: Governance): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const entity of governance.entities) {
        const inserted = await tx.run(`INSERT INTO registry_entities (${ENTITY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (entity_key) DO NOTHING`, entityValues(entity))
        if (inserted) await insertAuthorizations(tx, entity.key, entity.jurisdiction, entity.authorizations)
      }
      // a recognition withdrawn since stays withdrawn: the database, not the file, holds its current state
      for (const recognition of governance.recognitions) await insertRecognitions(tx, recognition, 'DO NOTHING')
      for (const link of governance.registries) {
        await tx.run('INSERT INTO registry_links (jurisdiction, url, key_thumbprint) VALUES (?, ?, ?) ON CONFLICT (jurisdiction) DO NOTHING', [link.jurisdiction, link.url, link.key])
      }
    })
  }

  /** A page of entities, by jurisdiction then key, with their authorizations (one query for the page's). */
  public async entities(page: { limit: number; offset: number } = { limit: 1000, offset: 0 }): Promise<RegistryEntity[]> {
    const rows = await this.db.query<EntityRow>(`SELECT ${ENTITY_COLUMNS} FROM registry_entities ORDER BY jurisdiction, entity_key LIMIT ? OFFSET ?`, [page.limit, page.offset])
    return this.withAuthorizations(rows)
  }

  public async entityByKey(key: string): Promise<RegistryEntity | undefined> {
    const rows = await this.db.query<EntityRow>(`SELECT ${ENTITY_COLUMNS} FROM registry_entities WHERE entity_key = ?`, [key])
    return (await this.withAuthorizations(rows))[0]
  }

  /** One statement: the entity bound to the DID (unique index) or issuer URL, and whether it holds the authorization (primary key). */
  public async authorizationFacts(entityId: string, authorityId: string, action: string, resource: string): Promise<AuthorizationFacts | undefined> {
    const [row] = await this.db.query<EntityRow & { granted: number }>(
      `SELECT e.entity_key, e.name_en, e.name_fr, e.status, e.valid_from, e.valid_until, e.assurance_subject, e.assurance_level,
         CASE WHEN EXISTS (SELECT 1 FROM registry_authorizations a
           WHERE a.entity_key = e.entity_key AND a.authority_id = ? AND a.action = ? AND a.resource = ?) THEN 1 ELSE 0 END AS granted
       FROM registry_entities e WHERE e.entity_id = ? OR e.entity_key = (SELECT u.entity_key FROM registry_issuer_urls u WHERE u.issuer_url = ?)`,
      [authorityId, action, resource, entityId, entityId],
    )
    if (!row) return undefined
    return {
      key: row.entity_key,
      name: { en: row.name_en, fr: row.name_fr },
      status: row.status,
      validFrom: row.valid_from ?? undefined,
      validUntil: row.valid_until ?? undefined,
      granted: Number(row.granted) === 1,
      ...assuranceOf(row),
    }
  }

  /** How `authorityId` recognizes `recognizedId` for `resource` (the exact type before "*"), and where `recognizedId`'s registry is. */
  public async recognitionFacts(authorityId: string, recognizedId: string, resource: string): Promise<RecognitionFacts> {
    const rows = await this.db.query<RecognitionRow>(`SELECT ${RECOGNITION_COLUMNS} FROM registry_recognitions WHERE authority_id = ? AND recognized_id = ? AND resource IN (?, '*')`, [
      authorityId,
      recognizedId,
      resource,
    ])
    // a standing recognition before a withdrawn one, the exact type before "*"
    const row = rows.find((r) => r.resource === resource && !r.withdrawn_at) ?? rows.find((r) => !r.withdrawn_at) ?? rows[0]
    const link = await this.registryLink(recognizedId)
    return { ...(row ? { recognition: recognitionOf(row) } : {}), ...(link ? { link } : {}) }
  }

  public async registryLink(jurisdiction: string): Promise<RegistryLink | undefined> {
    const [row] = await this.db.query<{ url: string; key_thumbprint: string }>('SELECT url, key_thumbprint FROM registry_links WHERE jurisdiction = ?', [jurisdiction])
    return row ? { jurisdiction, url: row.url, key: row.key_thumbprint } : undefined
  }

  public async recognitions(): Promise<Recognition[]> {
    const rows = await this.db.query<RecognitionRow>(`SELECT ${RECOGNITION_COLUMNS} FROM registry_recognitions ORDER BY authority_id, recognized_id, resource`)
    return rows.map(recognitionOf)
  }

  public async registryLinks(): Promise<RegistryLink[]> {
    const rows = await this.db.query<{ jurisdiction: string; url: string; key_thumbprint: string }>('SELECT jurisdiction, url, key_thumbprint FROM registry_links ORDER BY jurisdiction')
    return rows.map((r) => ({ jurisdiction: r.jurisdiction, url: r.url, key: r.key_thumbprint }))
  }

  /** Recognizes (again) `recognition.recognizes` for its resources, replacing earlier terms and any withdrawal of them. */
  public async recognize(actor: string, recognition: GovernedRecognition): Promise<Recognition[]> {
    return this.db.transaction(async (tx) => {
      const before = await new RegistryStore(tx).recognitionsOf(recognition.authority, recognition.recognizes)
      await insertRecognitions(tx, recognition, 'DO UPDATE SET max_assurance_level = excluded.max_assurance_level, valid_until = excluded.valid_until, withdrawn_at = NULL')
      const after = await new RegistryStore(tx).recognitionsOf(recognition.authority, recognition.recognizes)
      await writeAudit(tx, actor, 'recognize', recognition.recognizes, before, after)
      return after
    })
  }

  /** Withdraws the recognition of `recognizedId` (for `resource`, or for all its resources): kept, dated, answered "withdrawn". */
  public async withdrawRecognition(actor: string, authorityId: string, recognizedId: string, resource?: string): Promise<Recognition[]> {
    return this.db.transaction(async (tx) => {
      const before = await new RegistryStore(tx).recognitionsOf(authorityId, recognizedId)
      const withdrawn = before.filter((r) => !r.withdrawnAt && (resource === undefined || r.resource === resource))
      if (!withdrawn.length) throw new RegistryChangeError('not-found', `${authorityId} has no standing recognition of ${recognizedId}${resource ? ` for ${resource}` : ''}`)
      const at = new Date().toISOString()
      for (const r of withdrawn) {
        await tx.run('UPDATE registry_recognitions SET withdrawn_at = ? WHERE authority_id = ? AND recognized_id = ? AND resource = ?', [at, authorityId, recognizedId, r.resource])
      }
      const after = await new RegistryStore(tx).recognitionsOf(authorityId, recognizedId)
      await writeAudit(tx, actor, 'withdraw-recognition', recognizedId, before, after)
      return after
    })
  }

  /** Records (or moves) where `link.jurisdiction`'s registry answers and the key it signs with. */
  public async linkRegistry(actor: string, link: RegistryLink): Promise<RegistryLink> {
    return this.db.transaction(async (tx) => {
      const before = await new RegistryStore(tx).registryLink(link.jurisdiction)
      await tx.run(
        'INSERT INTO registry_links (jurisdiction, url, key_thumbprint) VALUES (?, ?, ?) ON CONFLICT (jurisdiction) DO UPDATE SET url = excluded.url, key_thumbprint = excluded.key_thumbprint',
        [link.jurisdiction, link.url, link.key],
      )
      await writeAudit(tx, actor, 'link-registry', link.jurisdiction, before, link)
      return link
    })
  }

  private async recognitionsOf(authorityId: string, recognizedId: string): Promise<Recognition[]> {
    const rows = await this.db.query<RecognitionRow>(`SELECT ${RECOGNITION_COLUMNS} FROM registry_recognitions WHERE authority_id = ? AND recognized_id = ? ORDER BY resource`, [
      authorityId,
      recognizedId,
    ])
    return rows.map(recognitionOf)
  }

  public async createEntity(actor: string, entity: RegistryEntity): Promise<RegistryEntity> {
    return this.audited(actor, 'create-entity', entity.key, async (tx, before) => {
      if (before) throw new RegistryChangeError('conflict', `Entity '${entity.key}' already exists`)
      if (entity.entityId) await refuseTakenDid(tx, entity.entityId, entity.key)
      await tx.run(`INSERT INTO registry_entities (${ENTITY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, entityValues(entity))
      await insertAuthorizations(tx, entity.key, entity.jurisdiction, entity.authorizations)
    })
  }

  /** Binds (or rebinds) the entity's DID; binding the DID it already has changes nothing and is not audited. */
  public async bindDid(actor: string, key: string, did: string): Promise<RegistryEntity> {
    const current = await this.entityByKey(key)
    if (current?.entityId === did) return current
    return this.audited(actor, 'bind-did', key, async (tx, before) => {
      if (!before) throw notFound(key)
      await refuseTakenDid(tx, did, key)
      await tx.run('UPDATE registry_entities SET entity_id = ? WHERE entity_key = ?', [did, key])
    })
  }

  public async updateEntity(actor: string, key: string, changes: EntityChanges): Promise<RegistryEntity> {
    return this.audited(actor, 'update-entity', key, async (tx, before) => {
      if (!before) throw notFound(key)
      const validFrom = changes.validFrom === undefined ? before.validFrom : changes.validFrom
      const validUntil = changes.validUntil === undefined ? before.validUntil : changes.validUntil
      if (validFrom && validUntil && Date.parse(validFrom) >= Date.parse(validUntil)) {
        throw new RegistryChangeError('invalid', `validFrom (${validFrom}) must be before validUntil (${validUntil})`)
      }
      await tx.run('UPDATE registry_entities SET status = ?, valid_from = ?, valid_until = ? WHERE entity_key = ?', [changes.status ?? before.status, validFrom ?? null, validUntil ?? null, key])
      if (changes.authorizations) {
        await tx.run('DELETE FROM registry_authorizations WHERE entity_key = ?', [key])
        await insertAuthorizations(tx, key, before.jurisdiction, changes.authorizations)
      }
    })
  }

  /** Newest first; `target` narrows to one entity's history. */
  public async audit(options: { limit: number; target?: string }): Promise<AuditEntry[]> {
    const where = options.target ? 'WHERE target = ?' : ''
    const params: SqlValue[] = options.target ? [options.target, options.limit] : [options.limit]
    const rows = await this.db.query<{ id: string; at: string; actor: string; action: AuditEntry['action']; target: string; before_state: string | null; after_state: string | null }>(
      `SELECT id, at, actor, action, target, before_state, after_state FROM registry_audit ${where} ORDER BY at DESC, id LIMIT ?`,
      params,
    )
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      actor: r.actor,
      action: r.action,
      target: r.target,
      before: r.before_state ? (JSON.parse(r.before_state) as AuditEntry['before']) : undefined,
      after: r.after_state ? (JSON.parse(r.after_state) as AuditEntry['after']) : undefined,
    }))
  }

  /** Applies a change and writes its audit entry (who, when, what, before and after) in one transaction. */
  private async audited(actor: string, action: AuditEntry['action'], key: string, apply: (tx: Database, before: RegistryEntity | undefined) => Promise<void>): Promise<RegistryEntity> {
    try {
      return await this.db.transaction(async (tx) => {
        const inTx = new RegistryStore(tx)
        const before = await inTx.entityByKey(key)
        await apply(tx, before)
        const after = (await inTx.entityByKey(key))!
        await writeAudit(tx, actor, action, key, before, after)
        return after
      })
    } catch (error) {
      // two admins racing for the same key or DID on PostgreSQL: the index decides, the caller hears 409
      if (isUniqueViolation(error)) throw new RegistryChangeError('conflict', `Entity '${key}' or its DID is already taken`)
      throw error
    }
  }

  private async withAuthorizations(rows: EntityRow[]): Promise<RegistryEntity[]> {
    if (!rows.length) return []
    const keys = rows.map((r) => r.entity_key)
    const authorizations = await this.db.query<{ entity_key: string; action: string; resource: string }>(
      `SELECT entity_key, action, resource FROM registry_authorizations WHERE entity_key IN (${keys.map(() => '?').join(', ')}) ORDER BY action, resource`,
      keys,
    )
    const byKey = new Map<string, Authorization[]>(keys.map((key) => [key, []]))
    for (const { entity_key, action, resource } of authorizations) byKey.get(entity_key)?.push({ action, resource })
    return rows.map((row) => ({
      key: row.entity_key,
      ...(row.entity_id ? { entityId: row.entity_id } : {}),
      name: { en: row.name_en, fr: row.name_fr },
      jurisdiction: row.jurisdiction,
      status: row.status,
      ...(row.valid_from ? { validFrom: row.valid_from } : {}),
      ...(row.valid_until ? { validUntil: row.valid_until } : {}),
      ...assuranceOf(row),
      authorizations: byKey.get(row.entity_key) ?? [],
    }))
  }
}

const assuranceOf = (row: Pick<EntityRow, 'assurance_subject' | 'assurance_level'>): { assurance?: Assurance } =>
  row.assurance_subject && row.assurance_level !== null ? { assurance: { subject: row.assurance_subject, level: Number(row.assurance_level) } } : {}

export async function writeAudit(tx: Database, actor: string, action: AuditEntry['action'], target: string, before: AuditEntry['before'], after: AuditEntry['after']): Promise<void> {
  await tx.run('INSERT INTO registry_audit (id, at, actor, action, target, before_state, after_state) VALUES (?, ?, ?, ?, ?, ?, ?)', [
    randomUUID(),
    new Date().toISOString(),
    actor,
    action,
    target,
    before ? JSON.stringify(before) : null,
    after ? JSON.stringify(after) : null,
  ])
}

async function insertRecognitions(tx: Database, recognition: GovernedRecognition, onConflict: string): Promise<void> {
  for (const resource of recognition.resources) {
    await tx.run(`INSERT INTO registry_recognitions (${RECOGNITION_COLUMNS}) VALUES (?, ?, ?, ?, ?, NULL) ON CONFLICT (authority_id, recognized_id, resource) ${onConflict}`, [
      recognition.authority,
      recognition.recognizes,
      resource,
      recognition.maxAssuranceLevel ?? null,
      recognition.validUntil ?? null,
    ])
  }
}

const notFound = (key: string) => new RegistryChangeError('not-found', `No entity '${key}' in the registry`)

async function refuseTakenDid(tx: Database, did: string, key: string): Promise<void> {
  const [holder] = await tx.query<{ entity_key: string }>('SELECT entity_key FROM registry_entities WHERE entity_id = ?', [did])
  if (holder && holder.entity_key !== key) throw new RegistryChangeError('conflict', `${did} is already bound to '${holder.entity_key}'`)
}

/** An entity's authorizations are granted under its own jurisdiction. */
async function insertAuthorizations(tx: Database, key: string, jurisdiction: string, authorizations: readonly Authorization[]): Promise<void> {
  for (const a of authorizations) {
    await tx.run('INSERT INTO registry_authorizations (entity_key, authority_id, action, resource) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING', [key, jurisdiction, a.action, a.resource])
  }
}
