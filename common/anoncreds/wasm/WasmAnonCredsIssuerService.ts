import {
  type AnonCredsCredential,
  AnonCredsCredentialDefinitionPrivateRepository,
  AnonCredsCredentialDefinitionRepository,
  type AnonCredsCredentialOffer,
  type AnonCredsIssuerService,
  AnonCredsKeyCorrectnessProofRepository,
  type AnonCredsRevocationStatusList,
  type AnonCredsSchema,
  type CreateCredentialDefinitionOptions,
  type CreateCredentialDefinitionReturn,
  type CreateCredentialOfferOptions,
  type CreateCredentialOptions,
  type CreateCredentialReturn,
  type CreateRevocationRegistryDefinitionReturn,
  type CreateSchemaOptions,
} from '@credo-ts/anoncreds'
import type { AgentContext } from '@credo-ts/core'
import { encodeAnonCredsValue } from '../encoding'
import { AnonCredsInputError, AnonCredsUnsupportedError } from '../errors'
import { assertAttributeNames, assertCredentialOffer, assertIdentifier, assertNonce, assertRawValue, assertSchema, assertSchemaName, assertSchemaVersion, assertTag, isJsonObject } from '../validation'
import { runWasm } from './anonCredsWasm'
import { generateCredentialDefinition } from './generateCredentialDefinition'

const NO_REVOCATION = 'Revocation is not supported by the WASM AnonCreds backend (the identus-sdk build has none): issue credentials without a revocation registry'

/** Credo's AnonCreds issuer over the anoncreds-rs WASM: schemas, CL credential definitions, offers and credentials. */
export class WasmAnonCredsIssuerService implements AnonCredsIssuerService {
  public constructor(private readonly onProgress?: (message: string) => void) {}

  public async createSchema(_agentContext: AgentContext, options: CreateSchemaOptions): Promise<AnonCredsSchema> {
    return {
      issuerId: assertIdentifier('issuer id', options.issuerId),
      name: assertSchemaName(options.name),
      version: assertSchemaVersion(options.version),
      attrNames: [...assertAttributeNames(options.attrNames)],
    }
  }

  public async createCredentialDefinition(_agentContext: AgentContext, options: CreateCredentialDefinitionOptions): Promise<CreateCredentialDefinitionReturn> {
    if (options.supportRevocation) throw new AnonCredsUnsupportedError(NO_REVOCATION)
    assertSchema(options.schema)
    return generateCredentialDefinition({
      schemaId: assertIdentifier('schema id', options.schemaId),
      schema: options.schema,
      issuerId: assertIdentifier('issuer id', options.issuerId),
      tag: assertTag(options.tag),
      onProgress: this.onProgress,
    })
  }

  public async createRevocationRegistryDefinition(): Promise<CreateRevocationRegistryDefinitionReturn> {
    throw new AnonCredsUnsupportedError(NO_REVOCATION)
  }

  public async createRevocationStatusList(): Promise<AnonCredsRevocationStatusList> {
    throw new AnonCredsUnsupportedError(NO_REVOCATION)
  }

  public async updateRevocationStatusList(): Promise<AnonCredsRevocationStatusList> {
    throw new AnonCredsUnsupportedError(NO_REVOCATION)
  }

  public async createCredentialOffer(agentContext: AgentContext, options: CreateCredentialOfferOptions): Promise<AnonCredsCredentialOffer> {
    const credentialDefinitionId = assertIdentifier('credential definition id', options.credentialDefinitionId)
    const { credentialDefinition } = await ownCredentialDefinition(agentContext, credentialDefinitionId)
    const keyCorrectnessProof = await agentContext.dependencyManager.resolve(AnonCredsKeyCorrectnessProofRepository).getByCredentialDefinitionId(agentContext, credentialDefinitionId)
    const schemaId = assertIdentifier('schema id', credentialDefinition.schemaId)
    return runWasm('create credential offer', (wasm, scope) => {
      const proof = scope.track(wasm.CredentialKeyCorrectnessProof.from(keyCorrectnessProof.value))
      return scope.track(wasm.Issuer.createCredentialOffer(schemaId, credentialDefinitionId, proof)).toJSON() as AnonCredsCredentialOffer
    })
  }

  public async createCredential(agentContext: AgentContext, options: CreateCredentialOptions): Promise<CreateCredentialReturn> {
    if (options.revocationRegistryDefinitionId !== undefined || options.revocationStatusList !== undefined || options.revocationRegistryIndex !== undefined) {
      throw new AnonCredsUnsupportedError(NO_REVOCATION)
    }
    const { credentialOffer: offer, credentialRequest: request, credentialValues } = options
    assertCredentialOffer(offer)
    if (!isJsonObject(request) || request.cred_def_id !== offer.cred_def_id) throw new AnonCredsInputError('The credential request is not for the offered credential definition')
    assertNonce('credential request', request.nonce)
    const { credentialDefinition } = await ownCredentialDefinition(agentContext, offer.cred_def_id)
    const privateRecord = await agentContext.dependencyManager.resolve(AnonCredsCredentialDefinitionPrivateRepository).getByCredentialDefinitionId(agentContext, offer.cred_def_id)

    const rawValues = rawValuesFor(credentialValues, credentialDefinition.value.primary)
    const credential = runWasm('create credential', (wasm, scope) =>
      scope
        .track(
          wasm.Issuer.createCredential(
            scope.track(wasm.CredentialDefinition.from(credentialDefinition)),
            scope.track(wasm.CredentialDefinitionPrivate.from(privateRecord.value)),
            scope.track(wasm.CredentialOffer.from(offer)),
            scope.track(wasm.CredentialRequest.from(request)),
            rawValues,
          ),
        )
        .toJSON(),
    ) as AnonCredsCredential
    // the library encodes on its own: make sure it signed exactly what the caller announced
    for (const [name, value] of Object.entries(credentialValues)) {
      if (credential.values[name]?.encoded !== value.encoded) throw new AnonCredsInputError(`Attribute ${name}: the library encoded ${JSON.stringify(value.raw)} differently than announced`)
    }
    return { credential }
  }
}

async function ownCredentialDefinition(agentContext: AgentContext, credentialDefinitionId: string) {
  const record = await agentContext.dependencyManager.resolve(AnonCredsCredentialDefinitionRepository).findByCredentialDefinitionId(agentContext, credentialDefinitionId)
  if (!record) throw new AnonCredsInputError(`This agent holds no keys for credential definition ${credentialDefinitionId}`)
  return record
}

/** The raw values to sign, checked against the definition's attributes and against the announced encodings. */
function rawValuesFor(credentialValues: CreateCredentialOptions['credentialValues'], primaryKey: Record<string, unknown>): Record<string, string> {
  const signed = Object.keys(isJsonObject(primaryKey.r) ? primaryKey.r : {}).filter((name) => name !== 'master_secret')
  const given = Object.keys(credentialValues)
  const missing = signed.filter((name) => !given.some((g) => g.toLowerCase() === name))
  const unknown = given.filter((name) => !signed.includes(name.toLowerCase()))
  if (missing.length || unknown.length) {
    throw new AnonCredsInputError(`Credential values do not match the definition's attributes (missing: ${missing.join(', ') || 'none'}; unknown: ${unknown.join(', ') || 'none'})`)
  }
  const rawValues: Record<string, string> = {}
  for (const [name, value] of Object.entries(credentialValues)) {
    const raw = assertRawValue(name, value.raw)
    const expected = encodeAnonCredsValue(raw)
    if (value.encoded !== expected) {
      const hint = raw.startsWith('+') ? ' (write integers without a leading +)' : ''
      throw new AnonCredsInputError(`Attribute ${name}: ${JSON.stringify(raw)} encodes to ${expected} under AnonCreds rules, not ${value.encoded}${hint}`)
    }
    rawValues[name] = raw
  }
  return rawValues
}
