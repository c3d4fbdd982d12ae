import { OpenId4VciCredentialFormatProfile, type OpenId4VciCredentialConfigurationsSupportedWithFormats } from '@credo-ts/openid4vc'
import type { CredentialType } from '@interop-lab/common/credentialTypes'
import { MDOC_FORMAT, type RequestableFormat } from '@interop-lab/common/protocols'
import type { Profile } from '@interop-lab/contracts'

const algorithms = ['EdDSA', 'ES256']
/** ES256 as a COSE algorithm identifier (RFC 9053 §2.1), as the MSO's protected header carries it (OID4VCI 1.0 Appendix A.2). */
const ES256_COSE = -7

/**
 * How an SD-JWT VC is signed: `did` (the default) with the issuer's did:jwk Ed25519 key, `iss` its DID; `x509` with ES256
 * by its leaf certificate under its jurisdiction's root, carried in `x5c`, `iss` its https URL (SD-JWT VC §3.5; HAIP).
 */
export const SIGNING_PROFILES = ['did', 'x509'] as const
export type SigningProfile = (typeof SIGNING_PROFILES)[number]
const X509_SUFFIX = '_x509'
/** A HAIP 1.0 configuration: authorization code flow only (its scope), ES256, holder key bound by jwk and attested (key_attestations_required). */
const HAIP_SUFFIX = '_haip'

/**
 * The OID4VCI configuration id for a credential type in a format, e.g. `BusinessRegistrationCredential_dc+sd-jwt`
 * (`…_dc+sd-jwt_x509` signed under X.509; `…_dc+sd-jwt_haip`, `…_mso_mdoc_haip` the HAIP 1.0 configurations).
 */
export const configurationId = (typeId: string, format: RequestableFormat, signing: SigningProfile = 'did', profile?: Profile) =>
  `${typeId}_${format}${profile === 'haip' ? HAIP_SUFFIX : signing === 'x509' ? X509_SUFFIX : ''}`

export function parseConfigurationId(id: string): { typeId: string; format: RequestableFormat; signing: SigningProfile; profile?: Profile } {
  const typeId = id.slice(0, id.indexOf('_'))
  const rest = id.slice(typeId.length + 1)
  // a HAIP SD-JWT VC is signed under X.509 (HAIP 1.0 §6.1.1)
  if (rest.endsWith(HAIP_SUFFIX)) return { typeId, format: rest.slice(0, -HAIP_SUFFIX.length) as RequestableFormat, signing: 'x509', profile: 'haip' }
  const signing: SigningProfile = rest.endsWith(X509_SUFFIX) ? 'x509' : 'did'
  return { typeId, format: (signing === 'x509' ? rest.slice(0, -X509_SUFFIX.length) : rest) as RequestableFormat, signing }
}

/**
 * The HAIP 1.0 variant of a configuration: a `scope` (§4.1: every configuration has one; §4.2: the offer's
 * authorization_code grant is asked for by it), ES256 only (§7), key proofs that carry a key attestation (§4.5.1).
 */
function haipConfiguration<T extends { proof_types_supported?: unknown }>(configuration: T, id: string): T & { scope: string } {
  return { ...configuration, scope: id, proof_types_supported: { jwt: { proof_signing_alg_values_supported: ['ES256'], key_attestations_required: {} } } }
}

/** OID4VCI issuer metadata for the credential types one jurisdiction issues, in both formats. */
export function credentialConfigurations(types: CredentialType[]): OpenId4VciCredentialConfigurationsSupportedWithFormats {
  const configurations: OpenId4VciCredentialConfigurationsSupportedWithFormats = {}
  for (const type of types) {
    const display = [
      { name: type.display.en, locale: 'en-CA' },
      { name: type.display.fr, locale: 'fr-CA' },
    ]
    const sdJwt = {
      format: OpenId4VciCredentialFormatProfile.SdJwtDc as const,
      vct: type.vct,
      cryptographic_binding_methods_supported: ['jwk', 'did:key', 'did:jwk'],
      credential_signing_alg_values_supported: algorithms,
      proof_types_supported: { jwt: { proof_signing_alg_values_supported: algorithms } },
      credential_metadata: { display },
    }
    configurations[configurationId(type.id, 'dc+sd-jwt')] = sdJwt
    configurations[configurationId(type.id, 'dc+sd-jwt', 'x509')] = { ...sdJwt, credential_signing_alg_values_supported: ['ES256'] }
    // HAIP 1.0 §6.1: the holder key in cnf.jwk
    const haipSdJwt = configurationId(type.id, 'dc+sd-jwt', 'x509', 'haip')
    configurations[haipSdJwt] = haipConfiguration({ ...sdJwt, cryptographic_binding_methods_supported: ['jwk'], credential_signing_alg_values_supported: ['ES256'] }, haipSdJwt)
    configurations[configurationId(type.id, 'jwt_vc_json')] = {
      format: OpenId4VciCredentialFormatProfile.JwtVcJson,
      credential_definition: { type: type.w3cType as [string, ...string[]] },
      cryptographic_binding_methods_supported: ['did:key', 'did:jwk'],
      credential_signing_alg_values_supported: algorithms,
      proof_types_supported: { jwt: { proof_signing_alg_values_supported: algorithms } },
      credential_metadata: { display },
    }
    if (type.mdoc) {
      const mdoc = configurationId(type.id, MDOC_FORMAT)
      configurations[mdoc] = {
        format: OpenId4VciCredentialFormatProfile.MsoMdoc,
        doctype: type.mdoc.docType,
        // the device key (ISO 18013-5 §9.1.3) is the P-256 key of the proof: a COSE key in the MSO
        cryptographic_binding_methods_supported: ['cose_key'],
        credential_signing_alg_values_supported: [ES256_COSE],
        proof_types_supported: { jwt: { proof_signing_alg_values_supported: ['ES256'] } },
        credential_metadata: {
          display,
          claims: Object.entries(type.claims).map(([claim, definition]) => ({
            path: [type.mdoc!.namespace, claim],
            mandatory: definition.required,
            display: [
              { name: definition.display.en, locale: 'en-CA' },
              { name: definition.display.fr, locale: 'fr-CA' },
            ],
          })),
        },
      }
      const haipMdoc = configurationId(type.id, MDOC_FORMAT, 'did', 'haip')
      configurations[haipMdoc] = haipConfiguration(configurations[mdoc], haipMdoc)
    }
  }
  return configurations
}
