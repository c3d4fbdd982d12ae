import type { Agent } from '@credo-ts/core'
import type { Database, Migration } from './db'

export const identityMigrations: Migration[] = [
  { id: 'identities-1', sql: 'CREATE TABLE identities (party_key TEXT PRIMARY KEY, did TEXT NOT NULL, kid TEXT NOT NULL)' },
]

export interface PartyIdentity {
  did: string
  /** The verification method that signs credentials and requests. */
  kid: string
}

/** Each party (a jurisdiction's issuer, a verifier) signs with its own did:jwk, created on first start and kept across restarts. */
export async function ensureIdentity(agent: Agent, db: Database, partyKey: string): Promise<PartyIdentity> {
  const [existing] = await db.query<{ did: string; kid: string }>('SELECT did, kid FROM identities WHERE party_key = ?', [partyKey])
  if (existing) return existing
  const result = await agent.dids.create({ method: 'jwk', options: { createKey: { type: { kty: 'OKP', crv: 'Ed25519' } } } })
  const did = result.didState.did
  if (result.didState.state !== 'finished' || !did) throw new Error(`Could not create a DID for ${partyKey}`)
  const identity = { did, kid: `${did}#0` }
  await db.run('INSERT INTO identities (party_key, did, kid) VALUES (?, ?, ?)', [partyKey, identity.did, identity.kid])
  return identity
}
