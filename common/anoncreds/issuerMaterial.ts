import {
  AnonCredsApi,
  type AnonCredsCredentialDefinition,
  AnonCredsCredentialDefinitionPrivateRecord,
  AnonCredsCredentialDefinitionPrivateRepository,
  AnonCredsKeyCorrectnessProofRecord,
  AnonCredsKeyCorrectnessProofRepository,
  type AnonCredsSchema,
} from '@credo-ts/anoncreds'
import type { Agent } from '@credo-ts/core'
import { AnonCredsInputError } from './errors'
import { schemaIdFor } from './identifiers'
import { assertAttributeNames, assertCredentialDefinition, assertSchema } from './validation'

/** Everything an issuer needs to issue under one credential definition, private key included. */
export interface AnonCredsIssuerMaterial {
  schemaId: string
  schema: AnonCredsSchema
  credentialDefinitionId: string
  credentialDefinition: AnonCredsCredentialDefinition
  credentialDefinitionPrivate: Record<string, unknown>
  keyCorrectnessProof: Record<string, unknown>
}

export interface CredentialDefinitionRequest {
  issuerId: string
  name: string
  version: string
  attrNames: string[]
  tag: string
}

/**
 * The issuer's credential definition for a schema, made only the first time: generating one takes minutes in
 * WASM, and its private key lives in the agent's database (sealed: common/persistence/sealedRecords.ts), so later starts find and reuse it.
 */
/** The id of the credential definition this agent already made for `request`, if it made one. */
export async function findCreatedCredentialDefinition(agent: Agent, request: CredentialDefinitionRequest): Promise<string | undefined> {
  const schemaId = schemaIdFor(request.issuerId, request.name, request.version)
  const [existing] = await agent.dependencyManager.resolve(AnonCredsApi).getCreatedCredentialDefinitions({ schemaId, tag: request.tag, issuerId: request.issuerId })
  return existing?.credentialDefinitionId
}

export async function ensureCredentialDefinition(agent: Agent, request: CredentialDefinitionRequest): Promise<{ schemaId: string; credentialDefinitionId: string; created: boolean }> {
  const anoncreds = agent.dependencyManager.resolve(AnonCredsApi)
  const schema: AnonCredsSchema = { issuerId: request.issuerId, name: request.name, version: request.version, attrNames: request.attrNames }
  assertSchema(schema)
  const schemaId = schemaIdFor(request.issuerId, request.name, request.version)
  const resolved = await anoncreds.getSchema(schemaId)
  if (!resolved.schema) {
    const registered = await anoncreds.registerSchema({ schema, options: {} })
    if (registered.schemaState.state !== 'finished') throw new AnonCredsInputError(`Schema ${schemaId} was not registered: ${stateReason(registered.schemaState)}`)
  } else if (!sameNames(resolved.schema.attrNames, assertAttributeNames(request.attrNames))) {
    throw new AnonCredsInputError(`Schema ${schemaId} is registered with other attributes (${resolved.schema.attrNames.join(', ')}): publish a new version`)
  }
  const existing = await findCreatedCredentialDefinition(agent, request)
  if (existing) return { schemaId, credentialDefinitionId: existing, created: false }
  const registered = await anoncreds.registerCredentialDefinition({
    credentialDefinition: { issuerId: request.issuerId, schemaId, tag: request.tag },
    options: { supportRevocation: false },
  })
  const state = registered.credentialDefinitionState
  if (state.state !== 'finished') throw new AnonCredsInputError(`Credential definition for ${schemaId} was not registered: ${stateReason(state)}`)
  return { schemaId, credentialDefinitionId: state.credentialDefinitionId, created: true }
}

/** Reads an issuer's material back out of its agent (to store it as a fixture, or move it to another store). */
export async function exportIssuerMaterial(agent: Agent, credentialDefinitionId: string): Promise<AnonCredsIssuerMaterial> {
  const anoncreds = agent.dependencyManager.resolve(AnonCredsApi)
  const [record] = await anoncreds.getCreatedCredentialDefinitions({ credentialDefinitionId })
  if (!record) throw new AnonCredsInputError(`This agent did not create credential definition ${credentialDefinitionId}`)
  const { schema } = await anoncreds.getSchema(record.credentialDefinition.schemaId)
  if (!schema) throw new AnonCredsInputError(`Schema ${record.credentialDefinition.schemaId} does not resolve`)
  const context = agent.context
  const privateRecord = await agent.dependencyManager.resolve(AnonCredsCredentialDefinitionPrivateRepository).getByCredentialDefinitionId(context, credentialDefinitionId)
  const proofRecord = await agent.dependencyManager.resolve(AnonCredsKeyCorrectnessProofRepository).getByCredentialDefinitionId(context, credentialDefinitionId)
  return {
    schemaId: record.credentialDefinition.schemaId,
    schema,
    credentialDefinitionId,
    credentialDefinition: record.credentialDefinition,
    credentialDefinitionPrivate: privateRecord.value,
    keyCorrectnessProof: proofRecord.value,
  }
}

/** Gives an agent an existing credential definition (publishing its public parts to the registry); idempotent. */
export async function importIssuerMaterial(agent: Agent, material: AnonCredsIssuerMaterial): Promise<void> {
  assertSchema(material.schema)
  assertCredentialDefinition(material.credentialDefinition)
  const anoncreds = agent.dependencyManager.resolve(AnonCredsApi)
  if (!(await anoncreds.getCreatedSchemas({ schemaId: material.schemaId })).length) {
    const registered = await anoncreds.registerSchema({ schema: material.schema, options: {} })
    const state = registered.schemaState
    if (state.state !== 'finished' || state.schemaId !== material.schemaId) throw new AnonCredsInputError(`Schema ${material.schemaId} was not registered: ${stateReason(state)}`)
  }
  if ((await anoncreds.getCreatedCredentialDefinitions({ credentialDefinitionId: material.credentialDefinitionId })).length) return
  const registered = await anoncreds.registerCredentialDefinition({ credentialDefinition: material.credentialDefinition, options: { supportRevocation: false } })
  const state = registered.credentialDefinitionState
  if (state.state !== 'finished' || state.credentialDefinitionId !== material.credentialDefinitionId) {
    throw new AnonCredsInputError(`Credential definition ${material.credentialDefinitionId} was not registered: ${stateReason(state)}`)
  }
  const context = agent.context
  const credentialDefinitionId = material.credentialDefinitionId
  await agent.dependencyManager
    .resolve(AnonCredsCredentialDefinitionPrivateRepository)
    .save(context, new AnonCredsCredentialDefinitionPrivateRecord({ credentialDefinitionId, value: material.credentialDefinitionPrivate }))
  await agent.dependencyManager.resolve(AnonCredsKeyCorrectnessProofRepository).save(context, new AnonCredsKeyCorrectnessProofRecord({ credentialDefinitionId, value: material.keyCorrectnessProof }))
}

function sameNames(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i])
}

function stateReason(state: { state: string; reason?: string }): string {
  return state.reason ?? `state ${state.state}`
}
