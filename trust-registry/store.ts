import { randomUUID } from 'node:crypto'
import type { Database, Migration } from '../common/db'
import type { Governance, GovernedEntity } from './governance'

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
]

export interface RegistryEntity extends GovernedEntity {
  entityId?: string
}

interface EntityRow extends Record<string, unknown> {
  entity_key: string
  entity_id: string | null
  name_en: string
  name_fr: string
  jurisdiction: string
  status: GovernedEntity['status']
  valid_from: string | null
  valid_until: string | null
}

export interface AuditEntry {
  id: string
  at: string
  actor: string
  action: string
  target: string
  before?: unknown
  after?: unknown
}

/** The registry's content in its database: entities, their authorizations, recognitions and the audit trail. */
export class RegistryStore {
  public constructor(private readonly db: Database) {}

  private async authorizationsOf(key: string) {
    return this.db.query<{ action: string; resource: string }>('SELECT action, resource FROM registry_authorizations WHERE entity_key = ? ORDER BY action, resource', [key])
  }

  private async toEntity(row: EntityRow): Promise<RegistryEntity> {
    return {
      key: row.entity_key,
      entityId: row.entity_id ?? undefined,
      name: { en: row.name_en, fr: row.name_fr },
      jurisdiction: row.jurisdiction,
      status: row.status,
      validFrom: row.valid_from ?? undefined,
      validUntil: row.valid_until ?? undefined,
      authorizations: await this.authorizationsOf(row.entity_key),
    }
  }

  /** Seeds what the governance file names and the database lacks; admin changes made since are kept. */
  public async seed(governance: Governance): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const entity of governance.entities) {
        const inserted = await tx.run(
          `INSERT INTO registry_entities (entity_key, name_en, name_fr, jurisdiction, status, valid_from, valid_until)
           VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (entity_key) DO NOTHING`,
          [entity.key, entity.name.en, entity.name.fr, entity.jurisdiction, entity.status, entity.validFrom ?? null, entity.validUntil ?? null],
        )
        if (!inserted) continue
        for (const a of entity.authorizations) {
          await tx.run('INSERT INTO registry_authorizations (entity_key, authority_id, action, resource) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING', [entity.key, entity.jurisdiction, a.action, a.resource])
        }
      }
      for (const r of governance.recognitions) {
        for (const resource of r.resources) {
          await tx.run('INSERT INTO registry_recognitions (authority_id, recognized_id, resource) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [r.authority, r.recognizes, resource])
        }
      }
    })
  }

  public async entities(): Promise<RegistryEntity[]> {
    const rows = await this.db.query<EntityRow>('SELECT * FROM registry_entities ORDER BY jurisdiction, entity_key')
    return Promise.all(rows.map((row) => this.toEntity(row)))
  }

  public async entityByKey(key: string): Promise<RegistryEntity | undefined> {
    const [row] = await this.db.query<EntityRow>('SELECT * FROM registry_entities WHERE entity_key = ?', [key])
    return row ? this.toEntity(row) : undefined
  }

  /** The entity a DID belongs to, with whether it holds this one authorization: two indexed lookups. */
  public async authorizationFor(entityId: string, authorityId: string, action: string, resource: string) {
    const [row] = await this.db.query<EntityRow>('SELECT * FROM registry_entities WHERE entity_id = ?', [entityId])
    if (!row) return undefined
    const granted = await this.db.query(
      'SELECT 1 FROM registry_authorizations WHERE entity_key = ? AND authority_id = ? AND action = ? AND resource = ?',
      [row.entity_key, authorityId, action, resource],
    )
    return { entity: row, granted: granted.length > 0 }
  }

  public async entitiesWithDid(did: string): Promise<string[]> {
    return (await this.db.query<{ entity_key: string }>('SELECT entity_key FROM registry_entities WHERE entity_id = ?', [did])).map((r) => r.entity_key)
  }

  public async recognizes(authorityId: string, recognizedId: string, resource: string): Promise<boolean> {
    const rows = await this.db.query(
      "SELECT 1 FROM registry_recognitions WHERE authority_id = ? AND recognized_id = ? AND (resource = ? OR resource = '*')",
      [authorityId, recognizedId, resource],
    )
    return rows.length > 0
  }

  /** Applies an admin change and its audit entry in one transaction. */
  public async change(actor: string, action: string, key: string, apply: (db: Database) => Promise<void>): Promise<RegistryEntity | undefined> {
    return this.db.transaction(async (tx) => {
      const before = await new RegistryStore(tx).entityByKey(key)
      await apply(tx)
      const after = await new RegistryStore(tx).entityByKey(key)
      await tx.run('INSERT INTO registry_audit (id, at, actor, action, target, before_state, after_state) VALUES (?, ?, ?, ?, ?, ?, ?)', [
        randomUUID(),
        new Date().toISOString(),
        actor,
        action,
        key,
        before ? JSON.stringify(before) : null,
        after ? JSON.stringify(after) : null,
      ])
      return after
    })
  }

  public async audit(limit = 200): Promise<AuditEntry[]> {
    const rows = await this.db.query<{ id: string; at: string; actor: string; action: string; target: string; before_state: string | null; after_state: string | null }>(
      'SELECT * FROM registry_audit ORDER BY at DESC LIMIT ?',
      [limit],
    )
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      actor: r.actor,
      action: r.action,
      target: r.target,
      before: r.before_state ? JSON.parse(r.before_state) : undefined,
      after: r.after_state ? JSON.parse(r.after_state) : undefined,
    }))
  }
}
