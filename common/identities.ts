import type { Agent, Kms } from '@credo-ts/core'
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

/**
 * Gives a party a DID whose private key comes from elsewhere (a test fixture's issuer, say): the key is imported
 * into the agent's KMS and the did:jwk made from it. A party that already has another DID keeps it: an error.
 */
export async function importIdentity(agent: Agent, db: Database, partyKey: string, privateJwk: Kms.KmsJwkPrivate): Promise<PartyIdentity> {
  const [existing] = await db.query<{ did: string; kid: string }>('SELECT did, kid FROM identities WHERE party_key = ?', [partyKey])
  const { keyId } = existing ? { keyId: undefined } : await agent.kms.importKey({ privateJwk })
  const did = existing?.did ?? (await agent.dids.create({ method: 'jwk', options: { keyId: keyId! } })).didState.did
  if (!did) throw new Error(`Could not import the DID of ${partyKey}`)
  if (existing && publicX(existing.did) !== (privateJwk as { x?: string }).x) throw new Error(`${partyKey} already has the DID ${existing.did} in this data directory; the imported material is for another DID: use a new data directory`)
  if (existing) return existing
  const identity = { did, kid: `${did}#0` }
  await db.run('INSERT INTO identities (party_key, did, kid) VALUES (?, ?, ?)', [partyKey, identity.did, identity.kid])
  return identity
}

/** The public key (`x`) a did:jwk carries. */
const publicX = (did: string): string | undefined => {
  try {
    return (JSON.parse(Buffer.from(did.replace(/^did:jwk:/, ''), 'base64url').toString()) as { x?: string }).x
  } catch {
    return undefined
  }
}
