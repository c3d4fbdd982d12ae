import { randomUUID } from 'node:crypto'
import { CONTEXTS } from '@interop-lab/common/jsonld'

type Json = Record<string, any>

export type VcdmVersion = '1.1' | '2.0'
/** The first `@context` entry, which decides a credential's data model version. */
export const VCDM_CONTEXT: Record<VcdmVersion, string> = { '1.1': CONTEXTS.credentialsV1, '2.0': CONTEXTS.credentialsV2 }

/** When the credential starts being valid, in its version's own terms (VCDM 1.1 issuanceDate, 2.0 validFrom). */
export const validFromOf = (version: VcdmVersion, at = '2024-01-01T00:00:00Z') => (version === '1.1' ? { issuanceDate: at } : { validFrom: at })

/** An unsigned business registration in the lab's own context, as a VC API client sends it to be issued. */
export function businessRegistration(version: VcdmVersion, issuerDid: string, overrides: Json = {}): Json {
  return {
    '@context': [VCDM_CONTEXT[version], CONTEXTS.interopLabCredentialsV1],
    id: `urn:uuid:${randomUUID()}`,
    type: ['VerifiableCredential', 'BusinessRegistrationCredential'],
    issuer: issuerDid,
    ...validFromOf(version),
    credentialSubject: {
      id: 'did:example:prairie-widgets',
      business_number: 'BC1234567',
      legal_name: 'Prairie Widgets Inc.',
      registration_status: 'ACTIVE',
      registration_date: '2021-09-30',
      jurisdiction: 'CA-BC',
      representative_given_name: 'Sam',
      representative_family_name: 'Okafor',
    },
    ...overrides,
  }
}
