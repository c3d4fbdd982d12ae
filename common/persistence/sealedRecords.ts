import { AnonCredsCredentialDefinitionPrivateRecord, AnonCredsLinkSecretRecord, AnonCredsRevocationRegistryDefinitionPrivateRecord } from '@credo-ts/anoncreds'
import type { Database } from '../db'
import type { Sealer } from '../secrets'

/**
 * Credo record types whose value is private key material: an AnonCreds issuer's credential definition and revocation
 * registry private keys, a holder's link secret. CredoStorageService seals their values as the KMS keys are sealed;
 * their tags (ids, `isDefault`) stay in clear for queries.
 */
export const PRIVATE_RECORD_TYPES: ReadonlySet<string> = new Set([
  AnonCredsCredentialDefinitionPrivateRecord.type,
  AnonCredsRevocationRegistryDefinitionPrivateRecord.type,
  AnonCredsLinkSecretRecord.type,
])

/** A record's JSON always starts with `{`; a sealed value is base64, which never does. */
const isSealed = (stored: string) => !stored.startsWith('{')

/** What the `value` column keeps for a record of `type`: its JSON, sealed when the type holds private key material. */
export function storedValue(type: string, json: string, sealer: Sealer | undefined): string {
  if (!PRIVATE_RECORD_TYPES.has(type)) return json
  if (!sealer) throw new Error(`A ${type} holds private key material and is only stored sealed: give the storage service the master secret's Sealer`)
  return sealer.seal(json)
}

/** A record's JSON from its `value` column (sealed, or in clear as written before sealing existed). */
export function recordJson(stored: string, sealer: Sealer | undefined): string {
  if (!isSealed(stored)) return stored
  if (!sealer) throw new Error('This record is sealed: the storage service needs the master secret to read it')
  return sealer.open(stored)
}

/**
 * Seals the private records an earlier version stored in clear (run at start, before the agent reads them). On
 * SQLite the clear bytes are also overwritten in the file (`secure_delete`) and the write-ahead log is emptied;
 * on PostgreSQL old row versions stay until the table is vacuumed.
 */
export async function sealClearPrivateRecords(db: Database, sealer: Sealer): Promise<number> {
  const types = [...PRIVATE_RECORD_TYPES]
  const clear = await db.query<{ context: string; type: string; id: string; value: string }>(
    `SELECT context, type, id, value FROM credo_records WHERE type IN (${types.map(() => '?').join(', ')}) AND value LIKE '{%'`,
    types,
  )
  if (!clear.length) return 0
  if (db.engine === 'sqlite') await db.exec('PRAGMA secure_delete = ON')
  await db.transaction(async (tx) => {
    for (const row of clear) {
      await tx.run('UPDATE credo_records SET value = ? WHERE context = ? AND type = ? AND id = ?', [sealer.seal(row.value), row.context, row.type, row.id])
    }
  })
  if (db.engine === 'sqlite') await db.exec('PRAGMA wal_checkpoint(TRUNCATE); PRAGMA secure_delete = OFF')
  return clear.length
}
