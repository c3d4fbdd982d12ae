import type { Agent, Kms } from '@credo-ts/core'
import type { Database, Migration } from './db'

export const identityMigrations: Migration[] = [{ id: 'identities-1', sql: 'CREATE TABLE identities (party_key TEXT PRIMARY KEY, did TEXT NOT NULL, kid TEXT NOT NULL)' }]

export interface PartyIdentity {
  did: string
  /** The verification method that signs credentials and requests. */
  kid: string
}

/** A key made elsewhere (a test fixture's issuer, say) and the did:jwk it makes, for a party to take as its own. */
export interface ImportedIdentityKey {
  did: string
  privateJwk: Kms.KmsJwkPrivate
}

/**
 * Each party (a jurisdiction's issuer, a verifier) signs with its own did:jwk, created on first start (from `imported`
 * when given) and kept across restarts. A party that already has another DID than the imported one keeps it: an error.
 */
export async function ensureIdentity(agent: Agent, db: Database, partyKey: string, imported?: ImportedIdentityKey): Promise<PartyIdentity> {
  const [existing] = await db.query<{ did: string; kid: string }>('SELECT did, kid FROM identities WHERE party_key = ?', [partyKey])
  if (existing && imported && existing.did !== imported.did) {
    throw new Error(`${partyKey} already has the DID ${existing.did} in this data directory; the imported material is for another DID: use a new data directory`)
  }
  if (existing) return existing
  const key = imported ? { keyId: (await agent.kms.importKey({ privateJwk: imported.privateJwk })).keyId } : { createKey: { type: { kty: 'OKP', crv: 'Ed25519' } } as const }
  const result = await agent.dids.create({ method: 'jwk', options: key })
  const did = result.didState.did
  if (result.didState.state !== 'finished' || !did) throw new Error(`Could not create a DID for ${partyKey}`)
  const identity = { did, kid: `${did}#0` }
  await db.run('INSERT INTO identities (party_key, did, kid) VALUES (?, ?, ?)', [partyKey, identity.did, identity.kid])
  return identity
}
