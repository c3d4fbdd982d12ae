import type { CredentialType } from '../credentialTypes'
import type { CredentialDefinitionRequest } from './issuerMaterial'

/** The tag of the lab's credential definitions (one per issuer and credential type). */
export const CREDENTIAL_DEFINITION_TAG = 'lab'

/** What a credential type is issued under in AnonCreds: its schema from the type's data, the claims as attributes. */
export function credentialDefinitionRequest(type: CredentialType, issuerId: string): CredentialDefinitionRequest | undefined {
  if (!type.anoncreds) return undefined
  return { issuerId, name: type.anoncreds.schemaName, version: type.anoncreds.schemaVersion, attrNames: Object.keys(type.claims), tag: CREDENTIAL_DEFINITION_TAG }
}

/** A date as AnonCreds predicates compare it: the integer YYYYMMDD, as a string. */
export const dateInt = (date: string | Date): string => (typeof date === 'string' ? date : date.toISOString().slice(0, 10)).replaceAll('-', '')

/**
 * Claims as AnonCreds attribute values: every attribute of the schema gets a string (AnonCreds has no optional
 * attributes: an absent claim is the empty string), dates become YYYYMMDD so predicates can compare them.
 */
export function toAnonCredsValues(type: CredentialType, claims: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(type.claims).map(([name, claim]) => {
      const value = claims[name]
      if (value === undefined || value === null) return [name, '']
      return [name, claim.type === 'date' ? dateInt(String(value)) : String(value)]
    }),
  )
}
