import {
  AnonCredsApi,
  AnonCredsCredentialDefinitionPrivateRecord,
  AnonCredsCredentialDefinitionPrivateRepository,
  AnonCredsKeyCorrectnessProofRecord,
  AnonCredsKeyCorrectnessProofRepository,
} from '@credo-ts/anoncreds'
import { type Agent, DidDocument, DidDocumentRole, DidRecord, DidRepository, JsonTransformer, Kms } from '@credo-ts/core'
import { createDID, MultibaseEncoding, multibaseEncode, prepareDataForSigning, type Signer, type SigningInput, type Verifier } from 'didwebvh-ts'
import type { Express } from 'express'
import { isIP } from 'node:net'
import { AnonCredsInputError } from '@interop-lab/common/anoncreds'
import { isLoopbackHost } from '@interop-lab/common/net/outboundPolicy'
import { DomainError } from '@interop-lab/common/errors'
import { handle } from '@interop-lab/common/http'

/**
 * Each jurisdiction's AnonCreds objects under its own did:webvh DID, served by the issuer (did:webvh v1.0, DID Attested
 * Resources): the DID's log at the path the DID maps to, the schemas and credential definitions as attested resources
 * (`<did>/resources/<digest>`, signed eddsa-jcs-2022 by the DID's key) beside it. Any agent with a did:webvh AnonCreds
 * registry (ACA-Py's, Credo's) resolves them over HTTP; nothing is shared on disk.
 *
 * The DID's key is the jurisdiction's own Ed25519 key (the one its did:jwk names, which the trust registry binds), so
 * the verifier can ask the registry about the did:jwk of the key a resolved did:webvh document lists, as it does for
 * did:key. The credential definitions are the jurisdiction's existing ones (made once, imported or generated), published
 * again with the did:webvh as issuer: the CL keys do not depend on the identifiers.
 */

const LOG_METADATA = 'log'
const RESOURCE_RECORD = 'webvh-attested-resource'

export type WebVhLocation = { domain: string; paths: string[] }

/**
 * Where the issuer serves jurisdiction `issuerKey`'s did:webvh files: `<public URL>/issuers/<key>`; or why it cannot:
 * did:webvh allows no IP address as a host. On loopback the lab names itself localhost (common/net/webvhDidResolver.ts).
 */
export function webvhLocation(baseUrl: string, issuerKey: string): WebVhLocation | { unsupported: string } {
  const url = new URL(baseUrl)
  const host = isLoopbackHost(url.hostname) ? 'localhost' : url.hostname
  if (isIP(host.replace(/^\[|\]$/g, ''))) return { unsupported: `did:webvh allows no IP address as a host, and this issuer is published at ${url.origin}: give it a --public-url with a host name` }
  return { domain: url.port ? `${host}%3A${url.port}` : host, paths: [...url.pathname.split('/').filter(Boolean), 'issuers', issuerKey] }
}

/** The jurisdiction's did:webvh at `location`, made once (with its Ed25519 key `kid`'s key) and kept with its log. */
export async function ensureWebVhDid(agent: Agent, location: WebVhLocation, kid: string): Promise<string> {
  const suffix = `:${[location.domain, ...location.paths].join(':')}`
  const existing = (await agent.dids.getCreatedDids({ method: 'webvh' })).find((record) => record.did.endsWith(suffix))
  if (existing) return existing.did
  const { publicJwk } = await agent.dids.resolveVerificationMethodFromCreatedDidRecord(kid)
  if (!publicJwk.is(Kms.Ed25519PublicJwk)) throw new Error(`${kid} is not an Ed25519 key: did:webvh logs are signed eddsa-jcs-2022`)
  const multibase = publicJwk.fingerprint
  const kms = agent.dependencyManager.resolve(Kms.KeyManagementApi)
  const signer: Signer = {
    getVerificationMethodId: () => `did:key:${multibase}#${multibase}`,
    async sign(input: SigningInput) {
      const { signature } = await kms.sign({ keyId: publicJwk.keyId, algorithm: 'EdDSA', data: await prepareDataForSigning(input.document, input.proof) })
      return { proofValue: multibaseEncode(signature, MultibaseEncoding.BASE58_BTC) }
    },
  }
  const verifier: Verifier = {
    async verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) {
      const key = Kms.PublicJwk.fromPublicKey({ kty: 'OKP', crv: 'Ed25519', publicKey }).toJson()
      return (await kms.verify({ key: { publicJwk: key }, algorithm: 'EdDSA', signature, data: message })).verified
    },
  }
  const { did, doc, log } = await createDID({
    domain: location.domain,
    paths: location.paths,
    signer,
    verifier,
    updateKeys: [multibase],
    verificationMethods: [
      { type: 'Multikey', publicKeyMultibase: multibase, purpose: 'assertionMethod' },
      { type: 'Multikey', publicKeyMultibase: multibase, purpose: 'authentication' },
    ],
  })
  const record = new DidRecord({
    did,
    didDocument: JsonTransformer.fromJSON(doc, DidDocument),
    role: DidDocumentRole.Created,
    // the fragment the document names, and the one @credo-ts/webvh looks its signing key up by
    keys: [`#${multibase.slice(-8)}`, `#${multibase}`].map((didDocumentRelativeKeyId) => ({ didDocumentRelativeKeyId, kmsKeyId: publicJwk.keyId })),
  })
  record.metadata.set(LOG_METADATA, log)
  record.setTags({ domain: suffix.slice(1) })
  await agent.dependencyManager.resolve(DidRepository).save(agent.context, record)
  return did
}

/**
 * Publishes the credential definition `credentialDefinitionId` (this agent's, under another issuer id) again under
 * `webvhDid`, with its schema, once; the attested resources are kept for the issuer to serve. Resolves to the
 * did:webvh credential definition id.
 */
export async function publishUnderWebVh(agent: Agent, webvhDid: string, credentialDefinitionId: string): Promise<string> {
  const anoncreds = agent.dependencyManager.resolve(AnonCredsApi)
  const [source] = await anoncreds.getCreatedCredentialDefinitions({ credentialDefinitionId })
  if (!source) throw new AnonCredsInputError(`This issuer did not create credential definition ${credentialDefinitionId}`)
  const { schema } = await anoncreds.getSchema(source.credentialDefinition.schemaId)
  if (!schema) throw new AnonCredsInputError(`Schema ${source.credentialDefinition.schemaId} does not resolve`)

  const schemaId = await publishOnce(
    agent,
    async () => (await anoncreds.getCreatedSchemas({ issuerId: webvhDid, schemaName: schema.name, schemaVersion: schema.version }))[0]?.schemaId,
    async () => {
      const { schemaState, registrationMetadata } = await anoncreds.registerSchema({ schema: { ...schema, issuerId: webvhDid }, options: {} })
      if (schemaState.state !== 'finished') throw new AnonCredsInputError(`Schema ${schema.name} was not published under ${webvhDid}: ${stateReason(schemaState)}`)
      return { id: schemaState.schemaId, registrationMetadata }
    },
  )
  const { tag } = source.credentialDefinition
  return publishOnce(
    agent,
    async () => (await anoncreds.getCreatedCredentialDefinitions({ issuerId: webvhDid, schemaId, tag }))[0]?.credentialDefinitionId,
    async () => {
      const credentialDefinition = { ...source.credentialDefinition, issuerId: webvhDid, schemaId }
      const { credentialDefinitionState: state, registrationMetadata } = await anoncreds.registerCredentialDefinition({ credentialDefinition, options: { supportRevocation: false } })
      if (state.state !== 'finished') throw new AnonCredsInputError(`Credential definition ${credentialDefinitionId} was not published under ${webvhDid}: ${stateReason(state)}`)
      await copyPrivateMaterial(agent, credentialDefinitionId, state.credentialDefinitionId)
      return { id: state.credentialDefinitionId, registrationMetadata }
    },
  )
}

const stateReason = (state: { state: string }) => ('reason' in state && typeof state.reason === 'string' ? state.reason : `state ${state.state}`)

async function publishOnce(agent: Agent, find: () => Promise<string | undefined>, register: () => Promise<{ id: string; registrationMetadata: Record<string, unknown> }>): Promise<string> {
  const existing = await find()
  if (existing) return existing
  const { id, registrationMetadata } = await register()
  const attestedResource = registrationMetadata.attestedResource
  if (!attestedResource) throw new AnonCredsInputError(`The did:webvh registry made no attested resource for ${id}`)
  await agent.genericRecords.save({ content: attestedResource as Record<string, unknown>, tags: { type: RESOURCE_RECORD, resourceId: id } })
  return id
}

/** The same CL private key and key correctness proof, under the credential definition's new id. */
async function copyPrivateMaterial(agent: Agent, fromId: string, toId: string): Promise<void> {
  const context = agent.context
  const privateKeys = agent.dependencyManager.resolve(AnonCredsCredentialDefinitionPrivateRepository)
  const proofs = agent.dependencyManager.resolve(AnonCredsKeyCorrectnessProofRepository)
  const { value: privateValue } = await privateKeys.getByCredentialDefinitionId(context, fromId)
  const { value: proofValue } = await proofs.getByCredentialDefinitionId(context, fromId)
  await privateKeys.save(context, new AnonCredsCredentialDefinitionPrivateRecord({ credentialDefinitionId: toId, value: privateValue }))
  await proofs.save(context, new AnonCredsKeyCorrectnessProofRecord({ credentialDefinitionId: toId, value: proofValue }))
}

/** Why a did:webvh file is not served, by check; the HTTP edge answers it as a problem, its status from the kind. */
export type WebVhFileErrorCode = 'unknown_issuer' | 'unknown_did' | 'unknown_resource'
export class WebVhFileError extends DomainError<WebVhFileErrorCode> {}

/**
 * Serves each jurisdiction's did:webvh log (`GET /issuers/<key>/did.jsonl`, JSON Lines) and attested resources
 * (`GET /issuers/<key>/resources/<digest>`): public, as a DID's files are.
 */
export function mountWebVhFiles(app: Express, agent: Agent, didOf: (issuerKey: string) => string | undefined): void {
  const didFor = (issuerKey: string) => {
    const did = didOf(issuerKey)
    if (!did) throw new WebVhFileError('not-found', 'unknown_issuer', `No issuer '${issuerKey}' here with a did:webvh`)
    return did
  }
  app.get(
    '/issuers/:key/did.jsonl',
    handle(async (req, res) => {
      const did = didFor(String(req.params.key))
      const [record] = await agent.dids.getCreatedDids({ did })
      const log = record?.metadata.get(LOG_METADATA) as unknown[] | null | undefined
      if (!log) throw new WebVhFileError('not-found', 'unknown_did', `No log for ${did}`)
      res.type('text/jsonl').send(`${log.map((entry) => JSON.stringify(entry)).join('\n')}\n`)
    }),
  )
  app.get(
    '/issuers/:key/resources/:resourceId',
    handle(async (req, res) => {
      const resourceId = `${didFor(String(req.params.key))}/resources/${String(req.params.resourceId)}`
      const [record] = await agent.genericRecords.findAllByQuery({ type: RESOURCE_RECORD, resourceId })
      if (!record) throw new WebVhFileError('not-found', 'unknown_resource', `No attested resource ${resourceId}`)
      res.json(record.content)
    }),
  )
}
