import type { CheckResult } from './result'

export const ANONCREDS_CLAUSE = 'AnonCreds v1.0, Credential Definition (issuerId)'

/** The `issuerId` of a published credential definition, read from the AnonCreds registry; throws when it cannot be resolved. */
export type CredentialDefinitionIssuer = (credentialDefinitionId: string) => Promise<string>

/**
 * Proves that the credential definition an AnonCreds proof verified against is published by `issuer`, the DID the
 * trust registry is asked about: the definition's own `issuerId`, not only the DID its identifier spells.
 */
export async function anonCredsIssuerIsDefiner(credentialDefinitionId: string, issuer: string, definitionIssuer: CredentialDefinitionIssuer): Promise<CheckResult> {
  const result = (passed: boolean, message: string): CheckResult => ({ check: 'signature', passed, clause: ANONCREDS_CLAUSE, message: `${ANONCREDS_CLAUSE}: ${message}` })
  let issuerId: string
  try {
    issuerId = await definitionIssuer(credentialDefinitionId)
  } catch (error) {
    return result(false, `the credential definition ${credentialDefinitionId} cannot be resolved (${error instanceof Error ? error.message : String(error)})`)
  }
  return issuerId === issuer
    ? result(true, `the credential definition is published by the issuer ${issuer}`)
    : result(false, `the credential definition ${credentialDefinitionId} is published by ${issuerId}, not by the issuer ${issuer}`)
}
