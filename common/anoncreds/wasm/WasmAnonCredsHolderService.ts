import {
  type AnonCredsCredential,
  type AnonCredsCredentialInfo,
  AnonCredsCredentialRecord,
  AnonCredsCredentialRepository,
  type AnonCredsHolderService,
  AnonCredsLinkSecretRecord,
  AnonCredsLinkSecretRepository,
  AnonCredsModuleConfig,
  type AnonCredsProof,
  AnonCredsRegistryService,
  type CreateCredentialRequestOptions,
  type CreateCredentialRequestReturn,
  type CreateLinkSecretOptions,
  type CreateLinkSecretReturn,
  type CreateProofOptions,
  type GetCredentialOptions,
  type GetCredentialsForProofRequestOptions,
  type GetCredentialsForProofRequestReturn,
  type GetCredentialsOptions,
  type StoreCredentialOptions,
} from '@credo-ts/anoncreds'
import { type AgentContext, type W3cJsonLdVerifiableCredential, type W3cJsonLdVerifiablePresentation, utils } from '@credo-ts/core'
import { randomBytes } from 'node:crypto'
import { AnonCredsInputError, AnonCredsUnsupportedError } from '../errors'
import { assertCredentialDefinition, assertCredentialOffer, assertIdentifier, assertIdentifierKeys, assertNonce, isJsonObject } from '../validation'
import { runWasm } from './anonCredsWasm'
import { credentialQueryForReferent } from './proofRequestQuery'
import { assertSingleCredentialSelection } from './singleCredentialSelection'

const NO_W3C = 'W3C-format AnonCreds credentials need the native anoncreds library: the WASM backend stores and presents legacy AnonCreds credentials'

/**
 * Credo's AnonCreds holder over the anoncreds-rs WASM. Credentials are kept as AnonCredsCredentialRecords (the
 * WASM cannot convert them to Credo's W3C form); Credo reads those records on every holder path.
 */
export class WasmAnonCredsHolderService implements AnonCredsHolderService {
  public async createLinkSecret(_agentContext: AgentContext, options?: CreateLinkSecretOptions): Promise<CreateLinkSecretReturn> {
    const linkSecretValue = runWasm('create link secret', (wasm, scope) => scope.track(wasm.Prover.createLinkSecret()).toString())
    return { linkSecretId: options?.linkSecretId ?? utils.uuid(), linkSecretValue }
  }

  /** An 80-bit decimal nonce, as Credo's own holder makes. */
  public generateNonce(): string {
    return BigInt(`0x${randomBytes(10).toString('hex')}`).toString()
  }

  public async createCredentialRequest(agentContext: AgentContext, options: CreateCredentialRequestOptions): Promise<CreateCredentialRequestReturn> {
    if (options.useLegacyProverDid) throw new AnonCredsUnsupportedError('The WASM AnonCreds backend cannot make legacy prover_did requests (Indy issue-credential v1)')
    assertCredentialOffer(options.credentialOffer)
    assertCredentialDefinition(options.credentialDefinition)
    const linkSecret = await this.linkSecretFor(agentContext, options.linkSecretId)
    return runWasm('create credential request', (wasm, scope) => {
      const made = scope.track(
        wasm.Prover.createCredentialRequest(
          scope.track(wasm.CredentialDefinition.from(options.credentialDefinition)),
          scope.track(wasm.LinkSecret.fromString(linkSecret.value)),
          linkSecret.linkSecretId,
          scope.track(wasm.CredentialOffer.from(options.credentialOffer)),
        ),
      )
      return {
        credentialRequest: scope.track(made.request).toJSON() as CreateCredentialRequestReturn['credentialRequest'],
        credentialRequestMetadata: scope.track(made.metadata).toJSON() as CreateCredentialRequestReturn['credentialRequestMetadata'],
      }
    })
  }

  public async storeCredential(agentContext: AgentContext, options: StoreCredentialOptions): Promise<string> {
    const credential = options.credential as AnonCredsCredential
    if (!isJsonObject(credential) || !('values' in credential)) throw new AnonCredsUnsupportedError(NO_W3C)
    if (credential.rev_reg_id || options.revocationRegistry) throw new AnonCredsUnsupportedError('The WASM AnonCreds backend cannot hold revocable credentials')
    const credentialDefinitionId = assertIdentifier('credential definition id', options.credentialDefinitionId)
    assertIdentifier('credential definition id', credential.cred_def_id)
    assertIdentifier('schema id', credential.schema_id)
    assertCredentialDefinition(options.credentialDefinition)
    const linkSecretId = options.credentialRequestMetadata.link_secret_name
    const linkSecret = await agentContext.dependencyManager.resolve(AnonCredsLinkSecretRepository).getByLinkSecretId(agentContext, linkSecretId)
    if (!linkSecret.value) throw new AnonCredsInputError(`Link secret ${linkSecretId} has no stored value`)
    const secret = linkSecret.value

    // processing checks the issuer's signature over the values and binds it to our link secret
    const processed = runWasm('process credential', (wasm, scope) =>
      scope
        .track(
          wasm.Prover.processCredential(
            scope.track(wasm.Credential.from(credential)),
            scope.track(wasm.CredentialRequestMetadata.from(options.credentialRequestMetadata)),
            scope.track(wasm.LinkSecret.fromString(secret)),
            scope.track(wasm.CredentialDefinition.from(options.credentialDefinition)),
          ),
        )
        .toJSON(),
    ) as AnonCredsCredential

    const registry = agentContext.dependencyManager.resolve(AnonCredsRegistryService).getRegistryForIdentifier(agentContext, credentialDefinitionId)
    const record = new AnonCredsCredentialRecord({
      credentialId: options.credentialId ?? utils.uuid(),
      credential: processed,
      linkSecretId,
      methodName: registry.methodName,
      issuerId: options.credentialDefinition.issuerId,
      schemaIssuerId: options.schema.issuerId,
      schemaName: options.schema.name,
      schemaVersion: options.schema.version,
    })
    await agentContext.dependencyManager.resolve(AnonCredsCredentialRepository).save(agentContext, record)
    return record.credentialId
  }

  public async getCredential(agentContext: AgentContext, options: GetCredentialOptions): Promise<AnonCredsCredentialInfo> {
    const record = await agentContext.dependencyManager.resolve(AnonCredsCredentialRepository).getByCredentialId(agentContext, options.id)
    return credentialInfoOf(record)
  }

  public async getCredentials(agentContext: AgentContext, options: GetCredentialsOptions): Promise<AnonCredsCredentialInfo[]> {
    const records = await agentContext.dependencyManager.resolve(AnonCredsCredentialRepository).findByQuery(agentContext, {
      credentialDefinitionId: options.credentialDefinitionId,
      schemaId: options.schemaId,
      issuerId: options.issuerId,
      schemaName: options.schemaName,
      schemaVersion: options.schemaVersion,
      schemaIssuerId: options.schemaIssuerId,
      methodName: options.methodName,
    })
    return records.map(credentialInfoOf)
  }

  public async deleteCredential(agentContext: AgentContext, credentialId: string): Promise<void> {
    const repository = agentContext.dependencyManager.resolve(AnonCredsCredentialRepository)
    await repository.delete(agentContext, await repository.getByCredentialId(agentContext, credentialId))
  }

  public async getCredentialsForProofRequest(agentContext: AgentContext, options: GetCredentialsForProofRequestOptions): Promise<GetCredentialsForProofRequestReturn> {
    const query = credentialQueryForReferent(options.proofRequest, options.attributeReferent, options.extraQuery)
    const records = await agentContext.dependencyManager.resolve(AnonCredsCredentialRepository).findByQuery(agentContext, query, {
      offset: options.start,
      limit: options.limit,
    })
    return records.map((record) => ({ credentialInfo: credentialInfoOf(record), interval: options.proofRequest.non_revoked }))
  }

  public async createProof(agentContext: AgentContext, options: CreateProofOptions): Promise<AnonCredsProof> {
    const { proofRequest, schemas, credentialDefinitions } = options
    const credentialId = assertSingleCredentialSelection(proofRequest, options.selectedCredentials)
    if (Object.keys(options.revocationRegistries ?? {}).length) throw new AnonCredsUnsupportedError('The WASM AnonCreds backend cannot prove non-revocation')
    assertNonce('proof request', proofRequest.nonce)
    assertIdentifierKeys('schema id', schemas)
    assertIdentifierKeys('credential definition id', credentialDefinitions)
    const record = await agentContext.dependencyManager.resolve(AnonCredsCredentialRepository).getByCredentialId(agentContext, credentialId)
    const linkSecret = await agentContext.dependencyManager.resolve(AnonCredsLinkSecretRepository).getByLinkSecretId(agentContext, record.linkSecretId)
    if (!linkSecret.value) throw new AnonCredsInputError(`Link secret ${record.linkSecretId} has no stored value`)
    const secret = linkSecret.value
    return runWasm('create proof', (wasm, scope) =>
      scope
        .track(
          wasm.Prover.createPresentation(
            scope.track(wasm.PresentationRequest.from(proofRequest)),
            scope.track(wasm.Credential.from(record.credential)),
            scope.track(wasm.LinkSecret.fromString(secret)),
            schemas,
            credentialDefinitions,
          ),
        )
        .toJSON(),
    ) as AnonCredsProof
  }

  public async createW3cPresentation(): Promise<W3cJsonLdVerifiablePresentation> {
    throw new AnonCredsUnsupportedError(NO_W3C)
  }

  public async w3cToLegacyCredential(): Promise<AnonCredsCredential> {
    throw new AnonCredsUnsupportedError(NO_W3C)
  }

  public async legacyToW3cCredential(): Promise<W3cJsonLdVerifiableCredential> {
    throw new AnonCredsUnsupportedError(NO_W3C)
  }

  /** The named link secret, or the default one (created on first use unless the module forbids it). */
  private async linkSecretFor(agentContext: AgentContext, linkSecretId?: string): Promise<{ linkSecretId: string; value: string }> {
    const repository = agentContext.dependencyManager.resolve(AnonCredsLinkSecretRepository)
    let record = linkSecretId ? await repository.getByLinkSecretId(agentContext, linkSecretId) : await repository.findDefault(agentContext)
    if (!record) {
      if (!agentContext.dependencyManager.resolve(AnonCredsModuleConfig).autoCreateLinkSecret) {
        throw new AnonCredsInputError('No link secret was named and this agent has no default link secret')
      }
      const created = await this.createLinkSecret(agentContext)
      record = new AnonCredsLinkSecretRecord({ linkSecretId: created.linkSecretId, value: created.linkSecretValue })
      // Credo leaves createdAt unset on this record type (Credo's storeLinkSecret would too); our storage needs it
      record.createdAt = new Date()
      record.setTag('isDefault', true)
      await repository.save(agentContext, record)
    }
    if (!record.value) throw new AnonCredsInputError(`Link secret ${record.linkSecretId} has no stored value`)
    return { linkSecretId: record.linkSecretId, value: record.value }
  }
}

function credentialInfoOf(record: AnonCredsCredentialRecord): AnonCredsCredentialInfo {
  const attributes: Record<string, string> = {}
  for (const [name, value] of Object.entries(record.credential.values)) attributes[name] = value.raw
  return {
    credentialId: record.credentialId,
    attributes,
    schemaId: record.credential.schema_id,
    credentialDefinitionId: record.credential.cred_def_id,
    revocationRegistryId: record.credential.rev_reg_id ?? null,
    credentialRevocationId: record.credentialRevocationId ?? null,
    methodName: record.methodName,
    linkSecretId: record.linkSecretId,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt ?? record.createdAt,
  }
}
