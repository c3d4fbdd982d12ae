import { OpenId4VciCredentialFormatProfile, type OpenId4VciCredentialConfigurationsSupportedWithFormats } from '@credo-ts/openid4vc'
import type { CredentialFormat, CredentialType } from '../common/credentialTypes'

const algorithms = ['EdDSA', 'ES256']

/** The OID4VCI configuration id for a credential type in a format, e.g. `BusinessRegistrationCredential_dc+sd-jwt`. */
export const configurationId = (typeId: string, format: CredentialFormat) => `${typeId}_${format}`

export function parseConfigurationId(id: string): { typeId: string; format: CredentialFormat } {
  const typeId = id.slice(0, id.indexOf('_'))
  return { typeId, format: id.slice(typeId.length + 1) as CredentialFormat }
}

/** OID4VCI issuer metadata for the credential types one jurisdiction issues, in both formats. */
export function credentialConfigurations(types: CredentialType[]): OpenId4VciCredentialConfigurationsSupportedWithFormats {
  const configurations: OpenId4VciCredentialConfigurationsSupportedWithFormats = {}
  for (const type of types) {
    const display = [
      { name: type.display.en, locale: 'en-CA' },
      { name: type.display.fr, locale: 'fr-CA' },
    ]
    configurations[configurationId(type.id, 'dc+sd-jwt')] = {
      format: OpenId4VciCredentialFormatProfile.SdJwtDc,
      vct: type.vct,
      cryptographic_binding_methods_supported: ['jwk', 'did:key', 'did:jwk'],
      credential_signing_alg_values_supported: algorithms,
      proof_types_supported: { jwt: { proof_signing_alg_values_supported: algorithms } },
      credential_metadata: { display },
    }
    configurations[configurationId(type.id, 'jwt_vc_json')] = {
      format: OpenId4VciCredentialFormatProfile.JwtVcJson,
      credential_definition: { type: type.w3cType as [string, ...string[]] },
      cryptographic_binding_methods_supported: ['did:key', 'did:jwk'],
      credential_signing_alg_values_supported: algorithms,
      proof_types_supported: { jwt: { proof_signing_alg_values_supported: algorithms } },
      credential_metadata: { display },
    }
  }
  return configurations
}
