import type { AgentContext, Kms } from '@credo-ts/core'
import type { NodeKeyManagementStorage } from '@credo-ts/node'
import type { Database, Migration } from '../db'
import { OpenedKey } from '../kms/keyObjects'
import { Sealer } from '../secrets'

export const keyStorageMigrations: Migration[] = [
  {
    id: 'kms-keys-1',
    sql: 'CREATE TABLE kms_keys (context TEXT NOT NULL, key_id TEXT NOT NULL, sealed TEXT NOT NULL, PRIMARY KEY (context, key_id))',
  },
]

/** Opened keys kept per process (a wallet holds a key per credential: the oldest opened go first). */
const MAX_OPENED_KEYS = 10_000

const openedKey = (agentContext: AgentContext, keyId: string) => `${agentContext.contextCorrelationId}\u0000${keyId}`

/**
 * Private keys for Credo's Node KMS, kept in our database and sealed (common/secrets.ts `Sealer`) under the
 * master secret, so a copied database file alone does not give away the keys.
 */
export class SealedKeyStorage implements NodeKeyManagementStorage {
  private readonly sealer: Sealer

  /**
   * Keys this process has opened, by context and key id, so a signature does not read and unseal its key again
   * (Credo's KMS reads a key twice per signature). A key id never names other material, and `set` and `delete`
   * keep this right within the process. A key another process deletes stays usable here until this one restarts:
   * Credo deletes only keys it has stopped naming (ephemeral JWE keys, a rotated access token key). Each opened key
   * keeps its Node KeyObjects (common/kms), which go with it.
   */
  private readonly opened = new Map<string, OpenedKey>()
  /** Bumped by each delete: a key read while one was under way is not kept (it may be the deleted one). */
  private deletions = 0

  public constructor(
    private readonly db: Database,
    masterSecret: string,
  ) {
    this.sealer = new Sealer(masterSecret)
  }

  private seal(jwk: Kms.KmsJwkPrivate): string {
    return this.sealer.seal(JSON.stringify(jwk))
  }

  private open(sealed: string): Kms.KmsJwkPrivate {
    return JSON.parse(this.sealer.open(sealed)) as Kms.KmsJwkPrivate
  }

  public async get(agentContext: AgentContext, keyId: string): Promise<Kms.KmsJwkPrivate | null> {
    const key = await this.openedKey(agentContext, keyId)
    // a copy: what a caller does to it never reaches the kept key
    return key && { ...key.jwk }
  }

  /** The key as this process keeps it opened (its JWK is not to be changed), or null when there is none. */
  public async openedKey(agentContext: AgentContext, keyId: string): Promise<OpenedKey | null> {
    const cacheKey = openedKey(agentContext, keyId)
    let key = this.opened.get(cacheKey)
    if (!key) {
      const deletionsBefore = this.deletions
      const [row] = await this.db.query<{ sealed: string }>('SELECT sealed FROM kms_keys WHERE context = ? AND key_id = ?', [agentContext.contextCorrelationId, keyId])
      if (!row) return null
      key = new OpenedKey(this.open(row.sealed))
      if (this.deletions === deletionsBefore) this.remember(cacheKey, key)
    }
    return key
  }

  private remember(cacheKey: string, key: OpenedKey): void {
    if (this.opened.size >= MAX_OPENED_KEYS) this.opened.delete(this.opened.keys().next().value as string)
    this.opened.set(cacheKey, key)
  }

  public async has(agentContext: AgentContext, keyId: string): Promise<boolean> {
    return (await this.get(agentContext, keyId)) !== null
  }

  public async set(agentContext: AgentContext, keyId: string, jwk: Kms.KmsJwkPrivate): Promise<void> {
    await this.db.run(
      `INSERT INTO kms_keys (context, key_id, sealed) VALUES (?, ?, ?)
       ON CONFLICT (context, key_id) DO UPDATE SET sealed = excluded.sealed`,
      [agentContext.contextCorrelationId, keyId, this.seal(jwk)],
    )
    this.remember(openedKey(agentContext, keyId), new OpenedKey({ ...jwk }))
  }

  public async delete(agentContext: AgentContext, keyId: string): Promise<boolean> {
    this.deletions++
    this.opened.delete(openedKey(agentContext, keyId))
    return (await this.db.run('DELETE FROM kms_keys WHERE context = ? AND key_id = ?', [agentContext.contextCorrelationId, keyId])) > 0
  }
}
