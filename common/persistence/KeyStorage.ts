import type { AgentContext, Kms } from '@credo-ts/core'
import type { NodeKeyManagementStorage } from '@credo-ts/node'
import type { Database, Migration } from '../db'
import { Sealer } from '../secrets'

export const keyStorageMigrations: Migration[] = [
  {
    id: 'kms-keys-1',
    sql: 'CREATE TABLE kms_keys (context TEXT NOT NULL, key_id TEXT NOT NULL, sealed TEXT NOT NULL, PRIMARY KEY (context, key_id))',
  },
]

/**
 * Private keys for Credo's Node KMS, kept in our database and sealed (common/secrets.ts `Sealer`) under the
 * master secret, so a copied database file alone does not give away the keys.
 */
export class SealedKeyStorage implements NodeKeyManagementStorage {
  private readonly sealer: Sealer

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
    const [row] = await this.db.query<{ sealed: string }>('SELECT sealed FROM kms_keys WHERE context = ? AND key_id = ?', [agentContext.contextCorrelationId, keyId])
    return row ? this.open(row.sealed) : null
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
  }

  public async delete(agentContext: AgentContext, keyId: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM kms_keys WHERE context = ? AND key_id = ?', [agentContext.contextCorrelationId, keyId])) > 0
  }
}
