import { spawnSync } from 'node:child_process'
import { generateKeyPairSync, sign as signEd25519 } from 'node:crypto'
import { request as httpsRequest } from 'node:https'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TypedArrayEncoder } from '@credo-ts/core'
import { decodeProtectedHeader } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadCredentialTypes } from '../common/credentialTypes'
import { selfSignedCertificate, startTlsFront } from '../common/https'
import { bundledContexts, canonize, CONTEXTS, createDocumentLoader } from '../common/jsonld'
import { bitAt, decodeBitstring } from '../common/status'
import { addEddsaRdfc2022Proof, envelope, signJoseEnvelope, verifyEddsaRdfc2022Proof } from '../common/vc2'
import { startIssuerService, type IssuerService } from '../issuer/service'
import { startVerifierService, type VerifierService } from '../verifier/service'

const ADMIN = 'vc-api-test-key'
const asAdmin = { authorization: `Bearer ${ADMIN}` }
const dataDir = mkdtempSync(join(tmpdir(), 'interop-vc-api-'))
let issuer: IssuerService
let verifier: VerifierService
/** bc-registries, by the did:key and did:jwk of its one key */
let bcRegistries: { did: string; verificationMethod: string; alsoKnownAs: string }

type Json = Record<string, any>

async function post(url: string, body: unknown, headers: Record<string, string> = asAdmin) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) })
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: (await response.json().catch(() => undefined)) as Json }
}
const issue = (credential: unknown, options?: unknown) => post(`${issuer.url}/credentials/issue`, { credential, ...(options ? { options } : {}) })
const verify = (verifiableCredential: unknown, options?: unknown) => post(`${verifier.url}/credentials/verify`, { verifiableCredential, ...(options ? { options } : {}) })
const setStatus = (body: unknown) => post(`${issuer.url}/credentials/status`, body)
const titles = (problems: Json[] | undefined) => (problems ?? []).map((p) => p.title)

let counter = 0
function businessCredential(overrides: Json = {}): Json {
  return {
    '@context': [CONTEXTS.credentialsV2, CONTEXTS.interopLabCredentialsV1],
    id: `urn:uuid:00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`,
    type: ['VerifiableCredential', 'BusinessRegistrationCredential'],
    issuer: bcRegistries.did,
    validFrom: '2024-01-01T00:00:00Z',
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

async function issued(suite: 'eddsa-rdfc-2022' | 'vc-jose', overrides: Json = {}) {
  const credential = businessCredential(overrides)
  const response = await issue(credential, suite === 'vc-jose' ? { envelope: 'application/vc+jwt' } : { cryptosuite: 'eddsa-rdfc-2022' })
  expect(response.status, JSON.stringify(response.body)).toBe(201)
  return { id: credential.id as string, vc: response.body.verifiableCredential as Json }
}

/** The credential inside a VC-JOSE envelope. */
function payloadOf(enveloped: Json): Json {
  const jwt = String(enveloped.id).slice('data:application/vc+jwt,'.length)
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'))
}

beforeAll(async () => {
  issuer = await startIssuerService({ dataDir, database: { engine: 'sqlite', file: join(dataDir, 'issuer.sqlite') }, adminApiKeys: [ADMIN] })
  verifier = await startVerifierService({
    dataDir,
    database: { engine: 'sqlite', file: join(dataDir, 'verifier.sqlite') },
    trust: async () => ({ authorized: false, message: 'no registry in this test' }),
    adminApiKeys: [ADMIN],
  })
  const { issuers } = (await (await fetch(`${issuer.url}/vc-api/issuers`)).json()) as { issuers: Array<Json> }
  bcRegistries = issuers.find((i) => i.key === 'bc-registries') as typeof bcRegistries
})
afterAll(async () => {
  await verifier?.close()
  await issuer?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('bundled JSON-LD contexts and the eddsa-rdfc-2022 cryptosuite', () => {
  // vc-di-eddsa TestVectors/eddsa-rdfc-2022/signedDataInt.json and keyPair.json (W3C, 2025-05-15)
  const vector = {
    '@context': [CONTEXTS.credentialsV2, CONTEXTS.credentialsExamplesV2],
    id: 'urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33',
    type: ['VerifiableCredential', 'AlumniCredential'],
    name: 'Alumni Credential',
    description: 'A minimum viable example of an Alumni Credential.',
    issuer: 'https://vc.example/issuers/5678',
    validFrom: '2023-01-01T00:00:00Z',
    credentialSubject: { id: 'did:example:abcdefgh', alumniOf: 'The School of Examples' },
  }
  const proof = {
    type: 'DataIntegrityProof',
    cryptosuite: 'eddsa-rdfc-2022',
    created: '2023-02-24T23:36:38Z',
    verificationMethod: 'did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2',
    proofPurpose: 'assertionMethod',
    proofValue: 'z2YwC8z3ap7yx1nZYCg4L3j3ApHsF8kgPdSb5xoS1VR7vPG3F561B52hYnQF9iseabecm3ijx4K1FBTQsCZahKZme',
  }
  const seed = TypedArrayEncoder.fromBase58('3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq').subarray(2)
  const publicKey = TypedArrayEncoder.fromBase58('6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2').subarray(2)
  const resolveKey = async () => ({ publicJwk: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, controller: 'did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2' })
  const loader = createDocumentLoader()

  it('bundles the VCDM 2.0 context byte for byte (the SHA-256 the specification publishes)', async () => {
    const { createHash } = await import('node:crypto')
    const { readFileSync } = await import('node:fs')
    const file = readFileSync(join(import.meta.dirname, '../common/jsonld/contexts/credentials-v2.json'))
    expect(createHash('sha256').update(file).digest('hex')).toBe('59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734')
    await expect(loader('https://example.com/unbundled/v1')).rejects.toThrow(/not one of the bundled contexts/)
  })

  it('defines every claim of every lab credential type in the lab context', () => {
    const context = (bundledContexts().get(CONTEXTS.interopLabCredentialsV1) as Json)['@context'] as Json
    for (const type of loadCredentialTypes().values()) {
      expect(context[type.id], type.id).toBeDefined()
      for (const claim of Object.keys(type.claims)) expect(context[claim], `${type.id}.${claim}`).toBeDefined()
    }
  })

  it('reproduces the W3C test vector proof and verifies it; a changed claim fails', async () => {
    const privateKey = (await import('node:crypto')).createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' })
    const signed = await addEddsaRdfc2022Proof(vector, { verificationMethod: proof.verificationMethod, proofPurpose: 'assertionMethod', created: proof.created }, async (data) => signEd25519(null, data, privateKey), loader)
    expect(signed.proof).toEqual(proof)
    expect((await verifyEddsaRdfc2022Proof(signed, proof, { purpose: 'assertionMethod' }, resolveKey, loader)).verified).toBe(true)
    const tampered = { ...signed, credentialSubject: { ...vector.credentialSubject, alumniOf: 'Another School' } }
    const result = await verifyEddsaRdfc2022Proof(tampered, proof, { purpose: 'assertionMethod' }, resolveKey, loader)
    expect(result.verified).toBe(false)
    expect(titles(result.problems)).toEqual(['PROOF_VERIFICATION_ERROR'])
    const wrongPurpose = await verifyEddsaRdfc2022Proof(signed, proof, { purpose: 'authentication' }, resolveKey, loader)
    expect(wrongPurpose.problems[0].detail).toMatch(/purpose/)
  })

  it('refuses in safe mode what JSON-LD would silently drop', async () => {
    await expect(canonize({ ...vector, '@context': [CONTEXTS.credentialsV2], credentialSubject: { alumniOf: 'x' } }, loader)).rejects.toThrow(/alumniOf/)
    await expect(canonize({ ...vector, '@context': [CONTEXTS.credentialsV2, { VerifiableCredential: 'https://example.org/#Bad' }] }, loader)).rejects.toThrow(/protected term/)
  })
})

describe('POST /credentials/issue and /credentials/verify', () => {
  for (const suite of ['eddsa-rdfc-2022', 'vc-jose'] as const) {
    it(`issues and verifies with ${suite}, with revocation and suspension entries`, async () => {
      const { vc } = await issued(suite)
      const credential = suite === 'vc-jose' ? payloadOf(vc) : vc
      if (suite === 'vc-jose') {
        expect(vc).toMatchObject({ '@context': CONTEXTS.credentialsV2, type: 'EnvelopedVerifiableCredential' })
        expect(vc.id).toMatch(/^data:application\/vc\+jwt,/)
        expect(decodeProtectedHeader(String(vc.id).split(',')[1])).toEqual({ alg: 'EdDSA', kid: bcRegistries.verificationMethod, typ: 'vc+jwt', cty: 'vc' })
      } else {
        expect(vc.proof).toMatchObject({ type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', proofPurpose: 'assertionMethod', verificationMethod: bcRegistries.verificationMethod })
        expect(vc.proof.proofValue).toMatch(/^z[1-9A-HJ-NP-Za-km-z]{80,90}$/)
      }
      expect(credential.credentialStatus.map((entry: Json) => entry.statusPurpose)).toEqual(['revocation', 'suspension'])
      expect(credential.credentialStatus[0].statusListIndex).toBe(credential.credentialStatus[1].statusListIndex)

      const result = await verify(vc, { returnCredential: true })
      expect(result.status, JSON.stringify(result.body.errors)).toBe(200)
      expect(result.body).toMatchObject({ verified: true, errors: [], controller: bcRegistries.did, mediaType: suite === 'vc-jose' ? 'application/vc+jwt' : 'application/vc' })
      expect(result.body.checks).toEqual(['proof', 'validity', 'credentialStatus'])
      expect(result.body.results.credentialStatus.map((r: Json) => r.value)).toEqual([0, 0])
      expect(result.body.document.credentialSubject.legal_name).toBe('Prairie Widgets Inc.')
      expect(result.body.credential).toEqual(vc)
    })

    it(`rejects a ${suite} credential whose claim was changed after signing`, async () => {
      const { vc } = await issued(suite)
      let tampered: Json
      if (suite === 'vc-jose') {
        const [header, , signature] = String(vc.id).slice('data:application/vc+jwt,'.length).split('.')
        const payload = { ...payloadOf(vc), credentialSubject: { ...payloadOf(vc).credentialSubject, legal_name: 'Forged Holdings Ltd.' } }
        tampered = envelope(`${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`, 'credential')
      } else tampered = { ...vc, credentialSubject: { ...vc.credentialSubject, legal_name: 'Forged Holdings Ltd.' } }
      const result = await verify(tampered)
      expect(result.status).toBe(400)
      expect(result.body.verified).toBe(false)
      expect(titles(result.body.errors)).toContain('CRYPTOGRAPHIC_SECURITY_ERROR')
      expect(result.body.results.proof[0].verified).toBe(false)
      expect(result.body.checks).toEqual(['proof'])
    })

    it(`rejects an expired ${suite} credential`, async () => {
      const { vc } = await issued(suite, { validFrom: '2020-01-01T00:00:00Z', validUntil: '2021-01-01T00:00:00Z' })
      const result = await verify(vc)
      expect(result.status).toBe(400)
      expect(titles(result.body.errors)).toEqual(['CREDENTIAL_EXPIRED'])
      expect(result.body.errors[0].detail).toMatch(/expired at 2021-01-01T00:00:00Z/)
      expect(result.body.results.validUntil).toEqual({ verified: false, input: '2021-01-01T00:00:00Z' })
      const early = await verify((await issued(suite, { validFrom: '2099-01-01T00:00:00Z' })).vc)
      expect(titles(early.body.errors)).toEqual(['CREDENTIAL_NOT_YET_VALID'])
      // a caller that only asks for the proof gets the proof checked
      const proofOnly = await verify(vc, { checks: ['proof'] })
      expect(proofOnly.status).toBe(200)
      expect(proofOnly.body.checks).toEqual(['proof'])
    })

    it(`revokes a ${suite} credential through /credentials/status`, async () => {
      const { id, vc } = await issued(suite)
      const revoked = await setStatus({ credentialId: id, credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation' }, status: true })
      expect(revoked.status).toBe(200)
      expect(revoked.body.entries.map((e: Json) => e.status)).toEqual(['revoked'])
      const result = await verify(vc)
      expect(result.status).toBe(400)
      expect(titles(result.body.errors)).toEqual(['CREDENTIAL_REVOKED'])
      expect(result.body.results.credentialStatus.map((r: Json) => r.value)).toEqual([1, 0])
      // revocation is final
      const reinstated = await setStatus({ credentialId: id, credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'suspension' }, status: true })
      expect(reinstated.status).toBe(400)
      expect(reinstated.body.detail).toMatch(/revocation is final/)
    })
  }

  it('suspends and reinstates a credential, and publishes each purpose as its own status list credential', async () => {
    const { id, vc } = await issued('eddsa-rdfc-2022')
    // the W3C Bitstring Status List test suite sends no `status`: setting the purpose's bit is the default
    expect((await setStatus({ credentialId: id, credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'suspension' } })).status).toBe(200)
    const suspended = await verify(vc)
    expect(suspended.status).toBe(400)
    expect(titles(suspended.body.errors)).toEqual(['CREDENTIAL_SUSPENDED'])

    const [, suspension] = vc.credentialStatus as Json[]
    const list = await fetch(suspension.statusListCredential)
    expect(list.headers.get('content-type')).toMatch(/^application\/vc\+ld\+json/)
    const listCredential = (await list.json()) as Json
    expect(listCredential).toMatchObject({ id: suspension.statusListCredential, type: ['VerifiableCredential', 'BitstringStatusListCredential'], issuer: bcRegistries.did })
    expect(listCredential.credentialSubject.statusPurpose).toBe('suspension')
    expect(bitAt(decodeBitstring(listCredential.credentialSubject.encodedList), Number(suspension.statusListIndex))).toBe(true)
    expect((await verify(listCredential)).body.verified).toBe(true)
    const asJwt = await fetch(suspension.statusListCredential, { headers: { accept: 'application/vc+jwt' } })
    expect(asJwt.headers.get('content-type')).toMatch(/^application\/vc\+jwt/)
    expect((await verify(envelope(await asJwt.text(), 'credential'))).body.verified).toBe(true)

    const publish = await post(`${suspension.statusListCredential}/publish`, {})
    expect(publish.status).toBe(204)

    expect((await setStatus({ credentialId: id, credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'suspension' }, status: false })).status).toBe(200)
    expect((await verify(vc)).status).toBe(200)
  })

  it('updates a status named by its list and index, without a credentialId', async () => {
    const credential = businessCredential()
    delete credential.id
    const { body } = await issue(credential)
    const [revocation] = body.verifiableCredential.credentialStatus as Json[]
    const updated = await setStatus({
      credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListCredential: revocation.statusListCredential, statusListIndex: revocation.statusListIndex },
      status: true,
    })
    expect(updated.status).toBe(200)
    expect(titles((await verify(body.verifiableCredential)).body.errors)).toEqual(['CREDENTIAL_REVOKED'])
  })

  it("reads the lab's VCDM 1.1 VC-JWT status lists (the OID4VCI credentials' form) as well", async () => {
    const { id, vc } = await issued('eddsa-rdfc-2022')
    const [revocation] = vc.credentialStatus as Json[]
    const listId = /status-lists\/(.+)-revocation$/.exec(revocation.statusListCredential)![1]
    const jwtList = `${issuer.url}/status/bitstring/${listId}`
    // a caller-supplied entry is kept as it is; this one points at the same index in the VC-JWT publication
    const entry = { id: `${jwtList}#${revocation.statusListIndex}`, type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: revocation.statusListIndex, statusListCredential: jwtList }
    const { body } = await issue(businessCredential({ credentialStatus: entry }))
    expect(body.verifiableCredential.credentialStatus).toEqual(entry)
    expect((await verify(body.verifiableCredential)).status).toBe(200)
    await setStatus({ credentialId: id, credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation' } })
    const result = await verify(body.verifiableCredential)
    expect(titles(result.body.errors)).toEqual(['CREDENTIAL_REVOKED'])
  })

  it('issues under the did:jwk form of the same issuer, and keeps a proof already on the credential', async () => {
    const foreignProof = { type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', created: '2024-01-01T00:00:00Z', verificationMethod: 'did:example:other#key-1', proofPurpose: 'assertionMethod', proofValue: 'z1111' }
    const response = await issue(businessCredential({ issuer: { id: bcRegistries.alsoKnownAs, name: 'BC Registries' }, proof: foreignProof }))
    expect(response.status).toBe(201)
    const { proof } = response.body.verifiableCredential
    expect(proof).toHaveLength(2)
    expect(proof[0]).toEqual(foreignProof)
    expect(proof[1].verificationMethod).toBe(`${bcRegistries.alsoKnownAs}#0`)
    // the proof set fails as a whole: the foreign proof does not verify
    const result = await verify(response.body.verifiableCredential)
    expect(result.body.results.proof.map((p: Json) => p.verified)).toEqual([false, true])
    expect(result.status).toBe(400)
    // without it, the did:jwk proof verifies
    expect((await verify({ ...response.body.verifiableCredential, proof: proof[1] })).status).toBe(200)
  })
})

describe('VC API error cases', () => {
  it('requires the API key (401) on issue, status and verify', async () => {
    for (const url of [`${issuer.url}/credentials/issue`, `${issuer.url}/credentials/status`, `${verifier.url}/credentials/verify`, `${verifier.url}/presentations/verify`]) {
      const none = await post(url, {}, {})
      expect(none.status, url).toBe(401)
      expect(none.contentType).toMatch(/^application\/problem\+json/)
      expect((await post(url, {}, { authorization: 'Bearer wrong' })).status).toBe(401)
    }
  })

  it('answers a bad issue request with 400 and a problem naming it', async () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['malformed JSON', '{"credential":', /JSON|Unexpected/],
      ['no credential', { options: {} }, /credential is required/],
      ['a credential that is not an object', { credential: 'hello' }, /credential is required/],
      ['an issuer that is not ours', { credential: { ...businessCredential(), issuer: 'did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2' } }, /does not match this service's configuration/],
      ['an unsupported cryptosuite', { credential: businessCredential(), options: { cryptosuite: 'ecdsa-rdfc-2019' } }, /not supported; supported: eddsa-rdfc-2022/],
      ['an unsupported envelope', { credential: businessCredential(), options: { envelope: 'application/vc+sd-jwt' } }, /Envelope 'application\/vc\+sd-jwt' is not supported/],
      ['an unknown option', { credential: businessCredential(), options: { proofType: 'Ed25519Signature2020' } }, /Unknown option\(s\): proofType/],
      ['no VCDM 2.0 base context', { credential: { ...businessCredential(), '@context': ['https://www.w3.org/2018/credentials/v1'] } }, /first @context value/],
      ['validUntil before validFrom', { credential: businessCredential({ validFrom: '2025-01-01T00:00:00Z', validUntil: '2024-01-01T00:00:00Z' }) }, /validFrom must be the same as or earlier/],
      ['a date that is not a dateTimeStamp', { credential: businessCredential({ validFrom: '2025-01-01' }) }, /dateTimeStamp/],
      ['an empty credentialSubject', { credential: businessCredential({ credentialSubject: {} }) }, /at least one property/],
      ['a term no context defines', { credential: businessCredential({ favourite_colour: 'teal' }) }, /favourite_colour/],
      ['a claim outside the type', { credential: businessCredential({ credentialSubject: { ...businessCredential().credentialSubject, registration_status: 'MAYBE' } }) }, /registration_status/],
      ['a type the issuer does not issue', { credential: businessCredential({ type: ['VerifiableCredential', 'DeathRegistrationCredential'] }) }, /does not issue DeathRegistrationCredential/],
    ]
    for (const [name, body, detail] of cases) {
      const response = await post(`${issuer.url}/credentials/issue`, body)
      expect(response.status, name).toBe(400)
      expect(`${response.body.detail ?? response.body.message}`, name).toMatch(detail)
    }
    const unknownOption = await issue(businessCredential(), { proofType: 'x' })
    expect(unknownOption.body).toMatchObject({ type: 'https://www.w3.org/TR/vcalm#UNKNOWN_OPTION_PROVIDED', title: 'UNKNOWN_OPTION_PROVIDED', status: 400 })
  })

  it('answers a bad status request with 400, and an unknown credential with 404', async () => {
    const entry = { type: 'BitstringStatusListEntry', statusPurpose: 'revocation' }
    expect((await setStatus('{"credentialId":')).status).toBe(400)
    const unknown = await setStatus({ credentialId: 'urn:uuid:never-issued', credentialStatus: entry })
    expect(unknown.status).toBe(404)
    expect(unknown.body.title).toBe('CREDENTIAL_NOT_FOUND')
    const missing = await setStatus({ credentialId: 'x' })
    expect(missing.status).toBe(400)
    expect(missing.body.detail).toMatch(/credentialStatus/)
    const wrongType = await setStatus({ credentialId: 'x', credentialStatus: { ...entry, type: 'StatusList2021Entry' } })
    expect(wrongType.status).toBe(400)
    expect(wrongType.body.detail).toMatch(/BitstringStatusListEntry/)
    expect((await setStatus({ credentialId: 'x', credentialStatus: { ...entry, statusPurpose: 'message' } })).status).toBe(400)
    expect((await setStatus({ credentialId: 'x', credentialStatus: entry, status: 'yes' })).status).toBe(400)
    expect((await setStatus({ credentialStatus: entry })).status).toBe(400)
    const foreignList = await setStatus({ credentialStatus: { ...entry, statusListCredential: 'https://elsewhere.example/status/1', statusListIndex: '4' } })
    expect(foreignList.status).toBe(404)
    expect((await fetch(`${issuer.url}/status-lists/not-a-list`)).status).toBe(404)
  })

  it('answers a bad verify request with 400, verified false and the problem', async () => {
    const cases: Array<[string, unknown, string]> = [
      ['malformed JSON', '{"verifiableCredential":', ''],
      ['no verifiableCredential', { options: {} }, 'MALFORMED_VALUE_ERROR'],
      ['a string credential', { verifiableCredential: 'eyJ...' }, 'PARSING_ERROR'],
      ['an unknown option', { verifiableCredential: businessCredential(), options: { checks: ['proof'], expand: true } }, 'UNKNOWN_OPTION_PROVIDED'],
      ['an unknown check', { verifiableCredential: businessCredential(), options: { checks: ['schema'] } }, 'MALFORMED_VALUE_ERROR'],
    ]
    for (const [name, body, title] of cases) {
      const response = await post(`${verifier.url}/credentials/verify`, body)
      expect(response.status, name).toBe(400)
      if (title) expect(response.body, name).toMatchObject({ verified: false, title, errors: [{ title }] })
    }
  })

  it('does not verify credentials that are unsecured, malformed or wrongly enveloped', async () => {
    const unsecured = await verify(businessCredential())
    expect(unsecured.status).toBe(400)
    expect(unsecured.body.errors.map((e: Json) => e.detail).join()).toMatch(/no proof/)
    const { vc } = await issued('vc-jose')
    const noDataUrl = await verify({ ...vc, id: String(vc.id).split(',').pop() })
    expect(titles(noDataUrl.body.errors)).toEqual(['MALFORMED_VALUE_ERROR'])
    const noType = { ...vc }
    delete noType.type
    expect((await verify(noType)).status).toBe(400)
    expect((await verify({ ...vc, '@context': [] })).status).toBe(400)
    expect((await verify({ ...vc, type: 'VerifiableCredential' })).status).toBe(400)
    // signed by our issuer's key, but claiming another issuer
    const { vc: di } = await issued('eddsa-rdfc-2022')
    const reissued = { ...di, issuer: 'did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2' }
    expect(titles((await verify(reissued)).body.errors)).toContain('CRYPTOGRAPHIC_SECURITY_ERROR')
  })
})

describe('POST /presentations/verify', () => {
  // a holder with its own did:key, signing outside the lab
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const x = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url')
  const holderDid = `did:key:z${TypedArrayEncoder.toBase58(Buffer.concat([Buffer.from([0xed, 0x01]), x]))}`
  const holderKey = `${holderDid}#${holderDid.slice('did:key:'.length)}`
  const holderSign = async (data: Uint8Array) => signEd25519(null, data, privateKey)
  const challenge = 'u3f1c6e2a-challenge'
  const domain = 'verifier.interop-lab.ca'
  const verifyVp = (body: unknown) => post(`${verifier.url}/presentations/verify`, body)

  async function presentation(credentials: Json[], proof: { challenge?: string; domain?: string } = { challenge, domain }) {
    const unsigned = { '@context': [CONTEXTS.credentialsV2], type: ['VerifiablePresentation'], holder: holderDid, verifiableCredential: credentials }
    return addEddsaRdfc2022Proof(unsigned, { verificationMethod: holderKey, proofPurpose: 'authentication', ...proof }, holderSign, createDocumentLoader())
  }

  it('verifies a Data Integrity presentation holding both kinds of credentials', async () => {
    const vp = await presentation([(await issued('eddsa-rdfc-2022')).vc, (await issued('vc-jose')).vc])
    const result = await verifyVp({ verifiablePresentation: vp, options: { challenge, domain } })
    expect(result.status).toBe(200)
    expect(result.body, JSON.stringify(result.body.errors)).toMatchObject({ verified: true, errors: [] })
    expect(result.body.results.presentation).toMatchObject({ challenge: { verified: true }, domain: { verified: true }, holder: { verified: true, input: holderDid } })
    expect(result.body.results.credentials.map((c: Json) => c.verified)).toEqual([true, true])
  })

  it('reports a wrong challenge, a wrong domain and a revoked credential inside (200, verified false)', async () => {
    const { id, vc } = await issued('eddsa-rdfc-2022')
    const vp = await presentation([vc])
    const wrongChallenge = await verifyVp({ verifiablePresentation: vp, options: { challenge: 'another', domain } })
    expect(wrongChallenge.status).toBe(200)
    expect(titles(wrongChallenge.body.errors)).toEqual(['INVALID_CHALLENGE_ERROR'])
    expect(titles((await verifyVp({ verifiablePresentation: vp, options: { challenge, domain: 'elsewhere.example' } })).body.errors)).toEqual(['INVALID_DOMAIN_ERROR'])

    await setStatus({ credentialId: id, credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation' } })
    const revoked = await verifyVp({ verifiablePresentation: vp, options: { challenge, domain } })
    expect(revoked.body.verified).toBe(false)
    expect(revoked.body.errors).toEqual([expect.objectContaining({ title: 'CREDENTIAL_REVOKED', detail: expect.stringMatching(/^verifiableCredential\[0\]: /) })])

    const tampered = { ...vp, holder: 'did:example:someone-else' }
    expect(titles((await verifyVp({ verifiablePresentation: tampered, options: { challenge, domain } })).body.errors)).toContain('PROOF_VERIFICATION_ERROR')
  })

  it('verifies an enveloped (vp+jwt) presentation, its nonce and audience', async () => {
    const vpDocument = { '@context': [CONTEXTS.credentialsV2], type: ['VerifiablePresentation'], holder: holderDid, verifiableCredential: [(await issued('vc-jose')).vc], nonce: challenge, aud: domain }
    const vp = envelope(await signJoseEnvelope(vpDocument, 'presentation', holderKey, holderSign), 'presentation')
    expect(vp.id).toMatch(/^data:application\/vp\+jwt,/)
    const result = await verifyVp({ verifiablePresentation: vp, options: { challenge, domain } })
    expect(result.body, JSON.stringify(result.body.errors)).toMatchObject({ verified: true })
    expect(titles((await verifyVp({ verifiablePresentation: vp, options: { challenge: 'stale' } })).body.errors)).toEqual(['INVALID_CHALLENGE_ERROR'])
  })

  it('checks the credentials of a presentation without proof sent as `presentation`, and refuses bad requests', async () => {
    const unsigned = { '@context': [CONTEXTS.credentialsV2], type: ['VerifiablePresentation'], verifiableCredential: [(await issued('eddsa-rdfc-2022')).vc] }
    const result = await verifyVp({ presentation: unsigned })
    expect(result.body).toMatchObject({ verified: true, checks: ['proof', 'validity', 'credentialStatus'] })
    const unsignedAsVp = await verifyVp({ verifiablePresentation: unsigned, options: { challenge } })
    expect(unsignedAsVp.body.verified).toBe(false)
    expect(unsignedAsVp.body.errors[0].detail).toMatch(/no proof/)
    expect((await verifyVp({})).status).toBe(400)
    expect((await verifyVp({ verifiablePresentation: unsigned, presentation: unsigned })).status).toBe(400)
    expect((await verifyVp({ verifiablePresentation: unsigned, options: { nonce: 'x' } })).body.title).toBe('UNKNOWN_OPTION_PROVIDED')
    const stringCredential = await verifyVp({ presentation: { ...unsigned, verifiableCredential: ['eyJhbGciOi...'] } })
    expect(stringCredential.body.verified).toBe(false)
  })
})

describe('HTTPS for external test harnesses', () => {
  const hasOpenssl = spawnSync('openssl', ['version']).status === 0

  it.skipIf(!hasOpenssl)('serves the VC API over TLS with a self-signed certificate that clients can pin', async () => {
    const tls = selfSignedCertificate(join(dataDir, 'tls'))
    const front = await startTlsFront({ target: issuer.url, cert: tls.cert, key: tls.key })
    try {
      const body = JSON.stringify({ credential: businessCredential() })
      const answer = await new Promise<{ status: number; body: Json }>((resolve, reject) => {
        const req = httpsRequest(`${front.url}/credentials/issue`, { method: 'POST', ca: tls.cert, headers: { 'content-type': 'application/json', ...asAdmin } }, (res) => {
          let text = ''
          res.on('data', (chunk) => (text += chunk))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }))
        })
        req.on('error', reject)
        req.end(body)
      })
      expect(answer.status).toBe(201)
      expect(answer.body.verifiableCredential.proof.cryptosuite).toBe('eddsa-rdfc-2022')
      // a client that does not trust the certificate is refused
      await expect(fetch(`${front.url}/vc-api/issuers`)).rejects.toThrow()
    } finally {
      await front.close()
    }
  })
})
