export { AnonCredsBackendModule, type AnonCredsBackend, type AnonCredsBackendOptions, createAnonCredsModule, loadNativeAnonCreds } from './AnonCredsBackendModule'
export { EncodingCheckedVerifierService } from './EncodingCheckedVerifierService'
export { encodeAnonCredsValue, findMisencodedAttributes, type MisencodedAttribute } from './encoding'
export { AnonCredsInputError, AnonCredsLibraryError, AnonCredsUnsupportedError } from './errors'
export { FileAnonCredsRegistry } from './FileAnonCredsRegistry'
export { KeepingProofFormatService } from './KeepingProofFormatService'
export { credentialDefinitionIdFor, fileRegistryIdentifier, parseCredentialDefinitionId, parseSchemaId, schemaIdFor } from './identifiers'
export {
  type AnonCredsIssuerMaterial,
  type CredentialDefinitionRequest,
  ensureCredentialDefinition,
  exportIssuerMaterial,
  findCreatedCredentialDefinition,
  importIssuerMaterial,
} from './issuerMaterial'
export { selectFromOneCredential } from './selectFromOneCredential'
export { CREDENTIAL_DEFINITION_TAG, credentialDefinitionRequest, dateInt, toAnonCredsValues } from './credentialTypes'
