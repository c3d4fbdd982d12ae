import { createHash } from 'node:crypto'

/**
 * Identifiers of the file registry, laid out like did:indy's: the issuer is a DID (the lab's issuers use their
 * did:jwk, so the trust registry can vouch for them), and its objects are paths under it:
 *   schema:                `<issuer DID>/anoncreds/v0/SCHEMA/<name>/<version>`
 *   credential definition: `<issuer DID>/anoncreds/v0/CLAIM_DEF/<schema digest>/<tag>`
 * They are names in the registry's directory, not URLs anyone can dereference.
 */
const DID = '(did:[a-z0-9]+:[A-Za-z0-9._:%-]+)'
const SEGMENT = '([A-Za-z0-9_.-]+)'
const ISSUER_ID = new RegExp(`^${DID}$`)
const SCHEMA_ID = new RegExp(`^${DID}/anoncreds/v0/SCHEMA/${SEGMENT}/${SEGMENT}$`)
const CREDENTIAL_DEFINITION_ID = new RegExp(`^${DID}/anoncreds/v0/CLAIM_DEF/([0-9a-f]{16})/${SEGMENT}$`)

/** Matches issuer ids, schema ids and credential definition ids of this layout (Credo picks the registry with it). */
export const fileRegistryIdentifier = new RegExp(`^${DID}(/anoncreds/v0/(SCHEMA|CLAIM_DEF)/${SEGMENT}/${SEGMENT})?$`)

export function isFileRegistryIssuerId(id: string): boolean {
  return ISSUER_ID.test(id)
}

export function schemaIdFor(issuerId: string, name: string, version: string): string {
  return `${issuerId}/anoncreds/v0/SCHEMA/${name}/${version}`
}

export function credentialDefinitionIdFor(issuerId: string, schemaId: string, tag: string): string {
  const schemaDigest = createHash('sha256').update(schemaId).digest('hex').slice(0, 16)
  return `${issuerId}/anoncreds/v0/CLAIM_DEF/${schemaDigest}/${tag}`
}

export function parseSchemaId(id: string): { issuerId: string; name: string; version: string } | undefined {
  const match = SCHEMA_ID.exec(id)
  return match ? { issuerId: match[1], name: match[2], version: match[3] } : undefined
}

export function parseCredentialDefinitionId(id: string): { issuerId: string; tag: string } | undefined {
  const match = CREDENTIAL_DEFINITION_ID.exec(id)
  return match ? { issuerId: match[1], tag: match[3] } : undefined
}
