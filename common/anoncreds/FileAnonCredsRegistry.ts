import type {
  AnonCredsCredentialDefinition,
  AnonCredsRegistry,
  AnonCredsSchema,
  GetCredentialDefinitionReturn,
  GetRevocationRegistryDefinitionReturn,
  GetRevocationStatusListReturn,
  GetSchemaReturn,
  RegisterCredentialDefinitionOptions,
  RegisterCredentialDefinitionReturn,
  RegisterRevocationRegistryDefinitionReturn,
  RegisterRevocationStatusListReturn,
  RegisterSchemaOptions,
  RegisterSchemaReturn,
} from '@credo-ts/anoncreds'
import type { AgentContext } from '@credo-ts/core'
import { createHash, randomUUID } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { AnonCredsInputError, messageOf } from './errors'
import { credentialDefinitionIdFor, fileRegistryIdentifier, isFileRegistryIssuerId, parseCredentialDefinitionId, parseSchemaId, schemaIdFor } from './identifiers'
import { assertCredentialDefinition, assertSchema } from './validation'

const NO_REVOCATION = 'The file AnonCreds registry does not support revocation (no revocation registries or status lists)'

type Kind = 'schemas' | 'credential-definitions'
type Stored<T> = { id: string; object: T }

/**
 * An AnonCreds registry without a ledger: each schema and credential definition is one immutable JSON file in a
 * directory the issuer, holders and verifiers share (the lab's stand-in for a verifiable data registry).
 * Writing is create-once: registering the same object again is a no-op, a different object under a taken id
 * fails. Revocation objects are refused.
 */
export class FileAnonCredsRegistry implements AnonCredsRegistry {
  public readonly methodName = 'file'
  public readonly supportedIdentifier = fileRegistryIdentifier
  public readonly allowsCaching = false
  // an issuer answers from its own records first; everyone else reads the files
  public readonly allowsLocalRecord = true

  public constructor(public readonly directory: string) {}

  public async getSchema(_agentContext: AgentContext, schemaId: string): Promise<GetSchemaReturn> {
    if (!parseSchemaId(schemaId)) return { schemaId, resolutionMetadata: { error: 'invalid', message: `${schemaId} is not a schema id of this registry` }, schemaMetadata: {} }
    const stored = await this.read<AnonCredsSchema>('schemas', schemaId)
    if (!stored) return { schemaId, resolutionMetadata: { error: 'notFound', message: `Schema ${schemaId} is not registered` }, schemaMetadata: {} }
    return { schemaId, schema: stored, resolutionMetadata: {}, schemaMetadata: {} }
  }

  public async registerSchema(_agentContext: AgentContext, options: RegisterSchemaOptions): Promise<RegisterSchemaReturn> {
    const { schema } = options
    try {
      assertSchema(schema)
      this.assertIssuer(schema.issuerId)
      const schemaId = schemaIdFor(schema.issuerId, schema.name, schema.version)
      await this.writeOnce('schemas', schemaId, schema)
      return { schemaState: { state: 'finished', schema, schemaId }, schemaMetadata: {}, registrationMetadata: {} }
    } catch (error) {
      return { schemaState: { state: 'failed', schema, reason: messageOf(error) }, schemaMetadata: {}, registrationMetadata: {} }
    }
  }

  public async getCredentialDefinition(_agentContext: AgentContext, credentialDefinitionId: string): Promise<GetCredentialDefinitionReturn> {
    const base = { credentialDefinitionId, credentialDefinitionMetadata: {} }
    if (!parseCredentialDefinitionId(credentialDefinitionId)) {
      return { ...base, resolutionMetadata: { error: 'invalid', message: `${credentialDefinitionId} is not a credential definition id of this registry` } }
    }
    const stored = await this.read<AnonCredsCredentialDefinition>('credential-definitions', credentialDefinitionId)
    if (!stored) return { ...base, resolutionMetadata: { error: 'notFound', message: `Credential definition ${credentialDefinitionId} is not registered` } }
    return { ...base, credentialDefinition: stored, resolutionMetadata: {} }
  }

  public async registerCredentialDefinition(_agentContext: AgentContext, options: RegisterCredentialDefinitionOptions): Promise<RegisterCredentialDefinitionReturn> {
    const { credentialDefinition } = options
    try {
      assertCredentialDefinition(credentialDefinition)
      this.assertIssuer(credentialDefinition.issuerId)
      if (credentialDefinition.value.revocation || options.options?.supportRevocation) throw new AnonCredsInputError(NO_REVOCATION)
      if (!(await this.read('schemas', credentialDefinition.schemaId))) throw new AnonCredsInputError(`Schema ${credentialDefinition.schemaId} is not registered`)
      const credentialDefinitionId = credentialDefinitionIdFor(credentialDefinition.issuerId, credentialDefinition.schemaId, credentialDefinition.tag)
      await this.writeOnce('credential-definitions', credentialDefinitionId, credentialDefinition)
      return { credentialDefinitionState: { state: 'finished', credentialDefinition, credentialDefinitionId }, credentialDefinitionMetadata: {}, registrationMetadata: {} }
    } catch (error) {
      return { credentialDefinitionState: { state: 'failed', credentialDefinition, reason: messageOf(error) }, credentialDefinitionMetadata: {}, registrationMetadata: {} }
    }
  }

  public async getRevocationRegistryDefinition(_agentContext: AgentContext, revocationRegistryDefinitionId: string): Promise<GetRevocationRegistryDefinitionReturn> {
    return { revocationRegistryDefinitionId, resolutionMetadata: { error: 'unsupportedAnonCredsMethod', message: NO_REVOCATION }, revocationRegistryDefinitionMetadata: {} }
  }

  public async registerRevocationRegistryDefinition(): Promise<RegisterRevocationRegistryDefinitionReturn> {
    return { revocationRegistryDefinitionState: { state: 'failed', reason: NO_REVOCATION }, revocationRegistryDefinitionMetadata: {}, registrationMetadata: {} }
  }

  public async getRevocationStatusList(_agentContext: AgentContext, _revocationRegistryId: string, _timestamp: number): Promise<GetRevocationStatusListReturn> {
    return { resolutionMetadata: { error: 'unsupportedAnonCredsMethod', message: NO_REVOCATION }, revocationStatusListMetadata: {} }
  }

  public async registerRevocationStatusList(): Promise<RegisterRevocationStatusListReturn> {
    return { revocationStatusListState: { state: 'failed', reason: NO_REVOCATION }, revocationStatusListMetadata: {}, registrationMetadata: {} }
  }

  private assertIssuer(issuerId: string): void {
    if (!isFileRegistryIssuerId(issuerId)) throw new AnonCredsInputError(`Issuer id ${issuerId} must be a DID to register in the file registry`)
  }

  private pathOf(kind: Kind, id: string): string {
    return join(this.directory, kind, `${createHash('sha256').update(id).digest('hex')}.json`)
  }

  private async read<T>(kind: Kind, id: string): Promise<T | undefined> {
    let text: string
    try {
      text = await readFile(this.pathOf(kind, id), 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
    const stored = JSON.parse(text) as Stored<T>
    if (stored.id !== id) throw new Error(`Registry file for ${id} holds ${stored.id}`)
    return stored.object
  }

  /** Publishes atomically (a hard link either creates the final name or fails), so readers never see half a file. */
  private async writeOnce(kind: Kind, id: string, object: unknown): Promise<void> {
    const path = this.pathOf(kind, id)
    await mkdir(join(this.directory, kind), { recursive: true })
    const temporary = `${path}.${randomUUID()}.tmp`
    await writeFile(temporary, `${JSON.stringify({ id, object } satisfies Stored<unknown>, null, 2)}\n`, { flag: 'wx' })
    try {
      await link(temporary, path)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const existing = await this.read(kind, id)
      if (!isDeepStrictEqual(existing, object)) throw new AnonCredsInputError(`${id} is already registered with different content`)
    } finally {
      await unlink(temporary)
    }
  }
}
