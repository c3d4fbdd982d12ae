import type { AgentContext, Kms } from '@credo-ts/core'
import type { NodeKeyManagementStorage } from '@credo-ts/node'
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import type { Database, Migration } from '../db'

export const keyStorageMigrations: Migration[] = [
  {
    id: 'kms-keys-1',
    sql: 'CREATE TABLE kms_keys (context TEXT NOT NULL, key_id TEXT NOT NULL, sealed TEXT NOT NULL, PRIMARY KEY (context, key_id))',
  },
]

/**
 * Private keys for Credo's Node KMS, kept in our database and sealed with AES-256-GCM under a
 * master key, so a copied database file alone does not give away the keys.
 */
export class SealedKeyStorage implements NodeKeyManagementStorage {
  private readonly masterKey: Buffer

  public constructor(
    private readonly db: Database,
    masterSecret: string,
  ) {
    this.masterKey = createHash('sha256').update(masterSecret).digest()
  }

  private seal(jwk: Kms.KmsJwkPrivate): string {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.masterKey, iv)
    const body = Buffer.concat([cipher.update(JSON.stringify(jwk)), cipher.final()])
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')
  }

  private open(sealed: string): Kms.KmsJwkPrivate {
    const raw = Buffer.from(sealed, 'base64')
    const decipher = createDecipheriv('aes-256-gcm', this.masterKey, raw.subarray(0, 12))
    decipher.setAuthTag(raw.subarray(12, 28))
    return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString()) as Kms.KmsJwkPrivate
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
