import {
  AnonCredsApi,
  type AnonCredsCredentialDefinition,
  AnonCredsDidCommCredentialFormatService,
  AnonCredsDidCommProofFormatService,
  type AnonCredsHolderService,
  AnonCredsHolderServiceSymbol,
  type AnonCredsIssuerService,
  AnonCredsIssuerServiceSymbol,
  type AnonCredsProof,
  type AnonCredsProofRequest,
  type AnonCredsSchema,
  type AnonCredsSelectedCredentials,
  type AnonCredsVerifierService,
  AnonCredsVerifierServiceSymbol,
  getCredentialsForAnonCredsProofRequest,
} from '@credo-ts/anoncreds'
import { type Agent, utils } from '@credo-ts/core'
import {
  DidCommCredentialExchangeRecord,
  DidCommCredentialPreviewAttribute,
  DidCommCredentialRole,
  DidCommCredentialState,
  DidCommProofExchangeRecord,
  DidCommProofRole,
  DidCommProofState,
} from '@credo-ts/didcomm'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAgent } from '@interop-lab/common/agent'
import {
  AnonCredsBackendModule,
  type AnonCredsIssuerMaterial,
  AnonCredsInputError,
  AnonCredsUnsupportedError,
  createAnonCredsModule,
  EncodingCheckedVerifierService,
  encodeAnonCredsValue,
  ensureCredentialDefinition,
  FileAnonCredsRegistry,
  findMisencodedAttributes,
  importIssuerMaterial,
  selectFromOneCredential,
} from '@interop-lab/common/anoncreds'
import { runWasm } from '@interop-lab/common/anoncreds/wasm/anonCredsWasm'
import { ACME_CARD, anonCredsFixture } from './support/anoncredsFixtures'

const businessCard = anonCredsFixture('business-card')
const person = anonCredsFixture('person')

const alice = { given_names: 'Alice Marie', family_name: 'Nguyen', birthdate_dateint: '19850310', region: 'BC' }

const dataDir = mkdtempSync(join(tmpdir(), 'interop-anoncreds-'))
const registry = new FileAnonCredsRegistry(join(dataDir, 'registry'))

interface Party {
  agent: Agent
  shutdown(): Promise<void>
  issuer: AnonCredsIssuerService
  holder: AnonCredsHolderService
  verifier: AnonCredsVerifierService
}

async function startParty(name: string): Promise<Party> {
  const { agent, shutdown } = await createAgent({
    database: { engine: 'sqlite', file: join(dataDir, `${name}.sqlite`) },
    dataDir: join(dataDir, name),
    modules: { anoncreds: await createAnonCredsModule({ registries: [registry], backend: 'wasm' }) },
  })
  const resolve = <T>(symbol: symbol) => agent.dependencyManager.resolve<T>(symbol)
  return {
    agent,
    shutdown,
    issuer: resolve(AnonCredsIssuerServiceSymbol),
    holder: resolve(AnonCredsHolderServiceSymbol),
    verifier: resolve(AnonCredsVerifierServiceSymbol),
  }
}

let issuer: Party
let holder: Party
let verifier: Party
const timings: Record<string, number> = {}

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now()
  try {
    return await fn()
  } finally {
    timings[label] ??= Math.round(performance.now() - started)
  }
}

async function resolveObjects(agent: Agent, credentialDefinitionIds: string[]) {
  const anoncreds = agent.dependencyManager.resolve(AnonCredsApi)
  const schemas: Record<string, AnonCredsSchema> = {}
  const credentialDefinitions: Record<string, AnonCredsCredentialDefinition> = {}
  for (const id of credentialDefinitionIds) {
    const { credentialDefinition } = await anoncreds.getCredentialDefinition(id)
    if (!credentialDefinition) throw new Error(`cannot resolve ${id}`)
    const { schema } = await anoncreds.getSchema(credentialDefinition.schemaId)
    if (!schema) throw new Error(`cannot resolve ${credentialDefinition.schemaId}`)
    credentialDefinitions[id] = credentialDefinition
    schemas[credentialDefinition.schemaId] = schema
  }
  return { schemas, credentialDefinitions }
}

/** The AnonCreds issuance exchange (offer, request, credential, store) between the issuer and the holder. */
async function issue(material: AnonCredsIssuerMaterial, values: Record<string, string>) {
  const credentialOffer = await timed('offer', () => issuer.issuer.createCredentialOffer(issuer.agent.context, { credentialDefinitionId: material.credentialDefinitionId }))
  const { schemas, credentialDefinitions } = await resolveObjects(holder.agent, [credentialOffer.cred_def_id])
  const credentialDefinition = credentialDefinitions[credentialOffer.cred_def_id]
  const { credentialRequest, credentialRequestMetadata } = await timed('request', () => holder.holder.createCredentialRequest(holder.agent.context, { credentialOffer, credentialDefinition }))
  const credentialValues = Object.fromEntries(Object.entries(values).map(([name, raw]) => [name, { raw, encoded: encodeAnonCredsValue(raw) }]))
  const { credential } = await timed('issue', () => issuer.issuer.createCredential(issuer.agent.context, { credentialOffer, credentialRequest, credentialValues }))
  const credentialId = await timed('store', () =>
    holder.holder.storeCredential(holder.agent.context, {
      credential,
      credentialRequestMetadata,
      credentialDefinition,
      credentialDefinitionId: credentialOffer.cred_def_id,
      schema: schemas[credentialDefinition.schemaId],
    }),
  )
  return { credential, credentialId }
}

async function proofRequest(parts: Pick<AnonCredsProofRequest, 'requested_attributes' | 'requested_predicates'>): Promise<AnonCredsProofRequest> {
  // the verifier makes the nonce, as Credo's present-proof format does
  return { name: 'Proof of business', version: '1.0', nonce: verifier.holder.generateNonce(verifier.agent.context), ...parts }
}

/** The holder picks the first matching credential per referent through Credo's own selection. */
async function selectCredentials(request: AnonCredsProofRequest): Promise<AnonCredsSelectedCredentials> {
  const available = await getCredentialsForAnonCredsProofRequest(holder.agent.context, request, { filterByNonRevocationRequirements: true })
  const selected: AnonCredsSelectedCredentials = { attributes: {}, predicates: {}, selfAttestedAttributes: {} }
  for (const [referent, matches] of Object.entries(available.attributes)) {
    if (!matches[0]) throw new Error(`no credential for ${referent}`)
    selected.attributes[referent] = matches[0]
  }
  for (const [referent, matches] of Object.entries(available.predicates)) {
    if (!matches[0]) throw new Error(`no credential for ${referent}`)
    selected.predicates[referent] = matches[0]
  }
  return selected
}

async function prove(request: AnonCredsProofRequest, selected?: AnonCredsSelectedCredentials): Promise<AnonCredsProof> {
  const selectedCredentials = selected ?? (await selectCredentials(request))
  const ids = [...Object.values(selectedCredentials.attributes), ...Object.values(selectedCredentials.predicates)].map((m) => m.credentialInfo.credentialDefinitionId)
  const { schemas, credentialDefinitions } = await resolveObjects(holder.agent, [...new Set(ids)])
  return timed('prove', () => holder.holder.createProof(holder.agent.context, { proofRequest: request, selectedCredentials, schemas, credentialDefinitions, revocationRegistries: {} }))
}

async function verify(request: AnonCredsProofRequest, proof: AnonCredsProof, service = verifier.verifier): Promise<boolean> {
  const { schemas, credentialDefinitions } = await resolveObjects(verifier.agent, [...new Set(proof.identifiers.map((i) => i.cred_def_id))])
  return timed('verify', () => service.verifyProof(verifier.agent.context, { proofRequest: request, proof, schemas, credentialDefinitions, revocationRegistries: {} }))
}

const onlyBusinessCards = [{ cred_def_id: businessCard.credentialDefinitionId }]
const businessProofParts = {
  requested_attributes: {
    legal_name: { name: 'legal_name', restrictions: onlyBusinessCards },
    status: { name: 'registration_status', restrictions: onlyBusinessCards },
  },
  requested_predicates: {
    registered_before_2025: { name: 'registration_date', p_type: '<=' as const, p_value: 20250101, restrictions: onlyBusinessCards },
  },
}

let cardCredentialId: string
let personCredentialId: string

beforeAll(async () => {
  ;[issuer, holder, verifier] = await Promise.all([startParty('issuer'), startParty('holder'), startParty('verifier')])
  await importIssuerMaterial(issuer.agent, businessCard)
  await importIssuerMaterial(issuer.agent, person)
  cardCredentialId = (await issue(businessCard, ACME_CARD)).credentialId
  personCredentialId = (await issue(person, alice)).credentialId
})

afterAll(async () => {
  console.info(`[anoncreds wasm timings, ms] ${JSON.stringify(timings)}`)
  await Promise.all([issuer?.shutdown(), holder?.shutdown(), verifier?.shutdown()])
  rmSync(dataDir, { recursive: true, force: true })
})

describe('AnonCreds over the WASM backend (Credo services, real agents)', () => {
  it('runs on the WASM backend with the encoding check in front of the verifier', () => {
    const module = issuer.agent.dependencyManager.registeredModules.anoncreds
    expect(module).toBeInstanceOf(AnonCredsBackendModule)
    expect((module as AnonCredsBackendModule).backend).toBe('wasm')
    expect(verifier.verifier).toBeInstanceOf(EncodingCheckedVerifierService)
  })

  it('issues a business card and a person credential that the holder keeps with their raw values', async () => {
    const stored = await holder.holder.getCredentials(holder.agent.context, {})
    expect(stored.map((c) => c.credentialId).sort()).toEqual([cardCredentialId, personCredentialId].sort())
    const card = await holder.holder.getCredential(holder.agent.context, { id: cardCredentialId })
    expect(card.attributes).toEqual(ACME_CARD)
    expect(card.credentialDefinitionId).toBe(businessCard.credentialDefinitionId)
    expect(card.methodName).toBe('file')
    const byIssuer = await holder.holder.getCredentials(holder.agent.context, { issuerId: person.issuerId, schemaName: 'person' })
    expect(byIssuer.map((c) => c.credentialId)).toEqual([personCredentialId])
  })

  it('encodes attribute values exactly as the library signs them (integer dates stay integers)', async () => {
    const tricky = ['', '0', '-0', '007', '+5', '2147483647', '2147483648', '-2147483648', '-2147483649', ' 5', '1.5', 'Québec', '20190412']
    for (let i = 0; i < tricky.length; i += 4) {
      const chunk = tricky.slice(i, i + 4)
      const values = Object.fromEntries(person.schema.attrNames.map((name, j) => [name, chunk[j] ?? 'x']))
      const credentialOffer = await issuer.issuer.createCredentialOffer(issuer.agent.context, { credentialDefinitionId: person.credentialDefinitionId })
      const { credentialRequest } = await holder.holder.createCredentialRequest(holder.agent.context, { credentialOffer, credentialDefinition: person.credentialDefinition })
      const credentialValues = Object.fromEntries(Object.entries(values).map(([name, raw]) => [name, { raw, encoded: encodeAnonCredsValue(raw) }]))
      const { credential } = await issuer.issuer.createCredential(issuer.agent.context, { credentialOffer, credentialRequest, credentialValues })
      for (const [name, raw] of Object.entries(values)) expect({ raw, encoded: credential.values[name].encoded }).toEqual({ raw, encoded: encodeAnonCredsValue(raw) })
    }
    expect(encodeAnonCredsValue('20190412')).toBe('20190412')
    expect(encodeAnonCredsValue('2147483648')).not.toBe('2147483648')
    // SHA-256("") as a big-endian integer
    expect(BigInt(encodeAnonCredsValue('')).toString(16)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  })

  it('proves selected business attributes and a registration-date predicate, and the verifier accepts', async () => {
    const request = await proofRequest(businessProofParts)
    const proof = await prove(request)
    expect(Object.keys(proof.requested_proof.revealed_attrs).sort()).toEqual(['legal_name', 'status'])
    expect(proof.requested_proof.revealed_attrs.legal_name.raw).toBe(ACME_CARD.legal_name)
    // selective disclosure: nothing else from the card travels in clear
    expect(JSON.stringify(proof.requested_proof)).not.toContain(ACME_CARD.business_number)
    expect(JSON.stringify(proof.requested_proof)).not.toContain(ACME_CARD.registration_date)
    expect(Object.keys(proof.requested_proof.predicates)).toEqual(['registered_before_2025'])
    expect(proof.identifiers).toEqual([{ schema_id: businessCard.schemaId, cred_def_id: businessCard.credentialDefinitionId }])
    expect(await verify(request, proof)).toBe(true)
  })

  it('proves an age predicate from the person credential without revealing the birthdate', async () => {
    const onlyPersons = [{ cred_def_id: person.credentialDefinitionId, issuer_id: person.issuerId }]
    const request = await proofRequest({
      requested_attributes: { family_name: { name: 'family_name', restrictions: onlyPersons } },
      // born on or before 2007-01-01: 18 or older on 2025-01-01
      requested_predicates: { adult: { name: 'birthdate_dateint', p_type: '<=', p_value: 20070101, restrictions: onlyPersons } },
    })
    const proof = await prove(request)
    expect(proof.requested_proof.revealed_attrs.family_name.raw).toBe('Nguyen')
    expect(JSON.stringify(proof.requested_proof)).not.toContain(alice.birthdate_dateint)
    expect(await verify(request, proof)).toBe(true)
  })

  it('rejects a proof whose revealed raw value was changed (the library alone accepts it)', async () => {
    const request = await proofRequest(businessProofParts)
    const proof = await prove(request)
    const forged = structuredClone(proof)
    forged.requested_proof.revealed_attrs.legal_name.raw = 'Evil Corp'
    expect(findMisencodedAttributes(forged)).toEqual([
      { referent: 'legal_name', raw: 'Evil Corp', encoded: proof.requested_proof.revealed_attrs.legal_name.encoded, expected: encodeAnonCredsValue('Evil Corp') },
    ])
    const libraryOnly = (verifier.verifier as EncodingCheckedVerifierService).inner
    expect(await verify(request, forged, libraryOnly)).toBe(true)
    expect(await verify(request, forged)).toBe(false)
    expect(await verify(request, proof)).toBe(true)
  })

  it('rejects a proof whose revealed value was changed consistently (raw and encoded)', async () => {
    const request = await proofRequest(businessProofParts)
    const forged = structuredClone(await prove(request))
    forged.requested_proof.revealed_attrs.status = { ...forged.requested_proof.revealed_attrs.status, raw: 'SUSPENDED', encoded: encodeAnonCredsValue('SUSPENDED') }
    expect(findMisencodedAttributes(forged)).toEqual([])
    expect(await verify(request, forged)).toBe(false)
  })

  it('cannot prove a predicate the credential does not satisfy, and the verifier refuses to stretch one', async () => {
    const registeredSince2020 = await proofRequest({
      requested_attributes: {},
      requested_predicates: { recent: { name: 'registration_date', p_type: '>=', p_value: 20200101, restrictions: onlyBusinessCards } },
    })
    await expect(prove(registeredSince2020)).rejects.toThrow(/Predicate is not satisfied/)

    const request = await proofRequest(businessProofParts)
    const proof = await prove(request)
    const stricter = { ...request, requested_predicates: { registered_before_2025: { ...request.requested_predicates.registered_before_2025, p_value: 20100101 } } }
    expect(await verify(stricter, proof)).toBe(false)
  })

  it('rejects a proof presented against another nonce', async () => {
    const request = await proofRequest(businessProofParts)
    const proof = await prove(request)
    expect(await verify({ ...request, nonce: verifier.holder.generateNonce(verifier.agent.context) }, proof)).toBe(false)
    expect(await verify(request, proof)).toBe(true)
  })

  it('refuses what the WASM prover cannot do instead of proving something else', async () => {
    const both = await proofRequest({
      requested_attributes: {
        legal_name: { name: 'legal_name', restrictions: onlyBusinessCards },
        family_name: { name: 'family_name', restrictions: [{ cred_def_id: person.credentialDefinitionId }] },
      },
      requested_predicates: {},
    })
    await expect(prove(both)).rejects.toThrow(AnonCredsUnsupportedError)
    await expect(prove(both)).rejects.toThrow(/one credential at a time/)
    await expect(selectFromOneCredential(holder.agent.context, both)).rejects.toThrow(/No single credential/)

    const request = await proofRequest(businessProofParts)
    const selected = await selectCredentials(request)
    selected.attributes.status = { ...selected.attributes.status, revealed: false }
    await expect(prove(request, selected)).rejects.toThrow(/cannot keep status unrevealed/)
  })

  it('stops bad input before it reaches the WASM', async () => {
    const context = issuer.agent.context
    await expect(issuer.issuer.createCredentialOffer(context, { credentialDefinitionId: 'not an id' })).rejects.toThrow(AnonCredsInputError)
    await expect(issuer.issuer.createCredentialOffer(context, { credentialDefinitionId: `${person.issuerId}/anoncreds/v0/CLAIM_DEF/0000000000000000/none` })).rejects.toThrow(/holds no keys/)
    await expect(issuer.issuer.createSchema(context, { issuerId: person.issuerId, name: 'dup', version: '1.0', attrNames: ['age', 'Age'] })).rejects.toThrow(/ignores case/)
    await expect(issuer.issuer.createSchema(context, { issuerId: person.issuerId, name: 'bad', version: '1.0', attrNames: ['has space'] })).rejects.toThrow(AnonCredsInputError)
    await expect(issuer.issuer.createCredentialDefinition(context, { issuerId: 'nope', schemaId: person.schemaId, schema: person.schema, tag: 't', supportRevocation: false })).rejects.toThrow(
      /Invalid issuer id/,
    )

    const request = await proofRequest(businessProofParts)
    const proof = await prove(request)
    await expect(verify({ ...request, nonce: 'abc' }, proof)).rejects.toThrow(/nonce/)
    await expect(prove({ ...request, nonce: '12 34' })).rejects.toThrow(/nonce/)
    const badIdentifiers = structuredClone(proof)
    badIdentifiers.identifiers[0].cred_def_id = 'bad id'
    await expect(
      verifier.verifier.verifyProof(verifier.agent.context, { proofRequest: request, proof: badIdentifiers, schemas: {}, credentialDefinitions: {}, revocationRegistries: {} }),
    ).rejects.toThrow(/Invalid credential definition id/)

    // an issuer refuses values whose announced encoding differs from what the library would sign
    const credentialOffer = await issuer.issuer.createCredentialOffer(context, { credentialDefinitionId: person.credentialDefinitionId })
    const { credentialRequest } = await holder.holder.createCredentialRequest(holder.agent.context, { credentialOffer, credentialDefinition: person.credentialDefinition })
    const credentialValues = Object.fromEntries(Object.entries(alice).map(([name, raw]) => [name, { raw, encoded: encodeAnonCredsValue(raw) }]))
    credentialValues.birthdate_dateint = { raw: '+19850310', encoded: '1' }
    await expect(issuer.issuer.createCredential(context, { credentialOffer, credentialRequest, credentialValues })).rejects.toThrow(/leading \+/)
    const { region: _dropped, ...missingRegion } = credentialValues
    await expect(issuer.issuer.createCredential(context, { credentialOffer, credentialRequest, credentialValues: missingRegion })).rejects.toThrow(/missing: region/)
  })

  it('contains a Rust panic: reported as a library error, and the WASM is reloaded for the next call', async () => {
    const proof = person.keyCorrectnessProof
    expect(() => runWasm('offer with unchecked ids', (wasm, scope) => wasm.Issuer.createCredentialOffer('bad id', 'bad id', scope.track(wasm.CredentialKeyCorrectnessProof.from(proof))))).toThrow(
      /offer with unchecked ids: the AnonCreds WASM aborted/,
    )
    const offer = await issuer.issuer.createCredentialOffer(issuer.agent.context, { credentialDefinitionId: person.credentialDefinitionId })
    expect(offer.cred_def_id).toBe(person.credentialDefinitionId)
  })

  it('reuses an existing credential definition instead of generating another', async () => {
    const request = { issuerId: person.issuerId, name: person.schema.name, version: person.schema.version, attrNames: person.schema.attrNames, tag: 'test' }
    expect(await ensureCredentialDefinition(issuer.agent, request)).toEqual({ schemaId: person.schemaId, credentialDefinitionId: person.credentialDefinitionId, created: false })
    await expect(ensureCredentialDefinition(issuer.agent, { ...request, attrNames: ['given_names'] })).rejects.toThrow(/registered with other attributes/)
  })

  it('reports revocation as unsupported, in the backend and in the registry', async () => {
    const context = issuer.agent.context
    await expect(
      issuer.issuer.createCredentialDefinition(context, { issuerId: person.issuerId, schemaId: person.schemaId, schema: person.schema, tag: 'revocable', supportRevocation: true }),
    ).rejects.toThrow(/Revocation is not supported/)
    const anoncreds = issuer.agent.dependencyManager.resolve(AnonCredsApi)
    const registered = await anoncreds.registerRevocationRegistryDefinition({
      revocationRegistryDefinition: { issuerId: person.issuerId, tag: 'r', credentialDefinitionId: person.credentialDefinitionId, maximumCredentialNumber: 10 },
      options: {},
    })
    expect(registered.revocationRegistryDefinitionState.state).toBe('failed')
    const list = await registry.getRevocationStatusList(context, `${person.issuerId}/anoncreds/v0/REV_REG_DEF/x/y`, 0)
    expect(list.resolutionMetadata).toMatchObject({ error: 'unsupportedAnonCredsMethod', message: expect.stringMatching(/does not support revocation/) })
  })

  it('keeps the registry in files: another reader resolves it, re-registering is idempotent, a changed object is refused', async () => {
    const reader = new FileAnonCredsRegistry(registry.directory)
    const context = verifier.agent.context
    const resolved = await reader.getCredentialDefinition(context, businessCard.credentialDefinitionId)
    expect(resolved.credentialDefinition).toEqual(businessCard.credentialDefinition)
    expect((await reader.getSchema(context, businessCard.schemaId)).schema).toEqual(businessCard.schema)
    expect((await reader.getSchema(context, `${person.issuerId}/anoncreds/v0/SCHEMA/unknown/1.0`)).resolutionMetadata.error).toBe('notFound')
    expect((await reader.getSchema(context, 'nope')).resolutionMetadata.error).toBe('invalid')

    const again = await reader.registerCredentialDefinition(context, { credentialDefinition: businessCard.credentialDefinition, options: {} })
    expect(again.credentialDefinitionState).toMatchObject({ state: 'finished', credentialDefinitionId: businessCard.credentialDefinitionId })
    const changed = structuredClone(businessCard.credentialDefinition)
    changed.value.primary.n = '1'
    const refused = await reader.registerCredentialDefinition(context, { credentialDefinition: changed, options: {} })
    expect(refused.credentialDefinitionState).toMatchObject({ state: 'failed', reason: expect.stringMatching(/already registered with different content/) })
    const orphan = await reader.registerCredentialDefinition(context, {
      credentialDefinition: { ...businessCard.credentialDefinition, schemaId: `${person.issuerId}/anoncreds/v0/SCHEMA/none/1.0` },
      options: {},
    })
    expect(orphan.credentialDefinitionState).toMatchObject({ state: 'failed', reason: expect.stringMatching(/is not registered/) })
  })

  it('falls back to WASM when the native library is absent, and says so when native is demanded', async () => {
    const auto = await createAnonCredsModule({ registries: [registry] })
    expect(auto.backend).toBe('wasm')
    await expect(createAnonCredsModule({ registries: [registry], backend: 'native' })).rejects.toThrow(/@hyperledger\/anoncreds-nodejs does not load/)
  })
})

describe("AnonCreds through Credo's DIDComm formats (issue-credential v2 / present-proof v2 attachments)", () => {
  it('issues with the anoncreds credential format and proves with the anoncreds proof format', async () => {
    const credentialFormat = new AnonCredsDidCommCredentialFormatService()
    const proofFormat = new AnonCredsDidCommProofFormatService()
    const threadId = utils.uuid()
    const issuerRecord = new DidCommCredentialExchangeRecord({ protocolVersion: 'v2', state: DidCommCredentialState.OfferSent, role: DidCommCredentialRole.Issuer, threadId })
    const holderRecord = new DidCommCredentialExchangeRecord({ protocolVersion: 'v2', state: DidCommCredentialState.OfferReceived, role: DidCommCredentialRole.Holder, threadId })
    const attributes = Object.entries({ ...ACME_CARD, legal_name: 'Borealis Bakery Inc.', registration_date: '20230105' }).map(
      ([name, value]) => new DidCommCredentialPreviewAttribute({ name, value }),
    )

    const { attachment: offerAttachment, previewAttributes } = await credentialFormat.createOffer(issuer.agent.context, {
      credentialExchangeRecord: issuerRecord,
      credentialFormats: { anoncreds: { credentialDefinitionId: businessCard.credentialDefinitionId, attributes } },
    })
    // the v2 protocol copies the preview onto both exchange records
    issuerRecord.credentialAttributes = previewAttributes?.map((a) => new DidCommCredentialPreviewAttribute(a))
    holderRecord.credentialAttributes = issuerRecord.credentialAttributes
    await credentialFormat.processOffer(holder.agent.context, { credentialExchangeRecord: holderRecord, attachment: offerAttachment })
    const { attachment: requestAttachment } = await credentialFormat.acceptOffer(holder.agent.context, { credentialExchangeRecord: holderRecord, offerAttachment })
    await credentialFormat.processRequest(issuer.agent.context, { credentialExchangeRecord: issuerRecord, attachment: requestAttachment })
    const { attachment: credentialAttachment } = await credentialFormat.acceptRequest(issuer.agent.context, { credentialExchangeRecord: issuerRecord, requestAttachment, offerAttachment })
    await credentialFormat.processCredential(holder.agent.context, { credentialExchangeRecord: holderRecord, attachment: credentialAttachment, requestAttachment, offerAttachment })
    const [stored] = holderRecord.credentials
    expect((await holder.holder.getCredential(holder.agent.context, { id: stored.credentialRecordId })).attributes.legal_name).toBe('Borealis Bakery Inc.')

    const proofThread = utils.uuid()
    const verifierProof = new DidCommProofExchangeRecord({ protocolVersion: 'v2', state: DidCommProofState.RequestSent, role: DidCommProofRole.Verifier, threadId: proofThread })
    const holderProof = new DidCommProofExchangeRecord({ protocolVersion: 'v2', state: DidCommProofState.RequestReceived, role: DidCommProofRole.Prover, threadId: proofThread })
    const { attachment: proofRequestAttachment } = await proofFormat.createRequest(verifier.agent.context, {
      proofRecord: verifierProof,
      proofFormats: {
        anoncreds: {
          name: 'Business verification',
          version: '1.0',
          requested_attributes: { legal_name: { name: 'legal_name', restrictions: onlyBusinessCards } },
          // only the Borealis card (2023) satisfies this; the Acme card (2019) matches the attribute too
          requested_predicates: { recent: { name: 'registration_date', p_type: '>=', p_value: 20200101, restrictions: onlyBusinessCards } },
        },
      },
    })
    await proofFormat.processRequest(holder.agent.context, { proofRecord: holderProof, attachment: proofRequestAttachment })
    // the WASM prover answers from one credential: the wallet selects one that fits the whole request
    const selected = await selectFromOneCredential(holder.agent.context, proofRequestAttachment.getDataAsJson<AnonCredsProofRequest>())
    expect(selected.attributes.legal_name.credentialId).toBe(stored.credentialRecordId)
    const { attachment: presentationAttachment } = await proofFormat.acceptRequest(holder.agent.context, {
      proofRecord: holderProof,
      requestAttachment: proofRequestAttachment,
      proofFormats: { anoncreds: selected },
    })
    const presentation = presentationAttachment.getDataAsJson<AnonCredsProof>()
    expect(presentation.requested_proof.revealed_attrs.legal_name.raw).toBe('Borealis Bakery Inc.')
    expect(presentation.identifiers).toHaveLength(1)
    expect(await proofFormat.processPresentation(verifier.agent.context, { proofRecord: verifierProof, requestAttachment: proofRequestAttachment, attachment: presentationAttachment })).toBe(true)
  })
})
