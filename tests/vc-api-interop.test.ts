import { createPrivateKey, createHash, randomUUID, sign as signWithNode } from 'node:crypto'
import { readFileSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { TypedArrayEncoder } from '@credo-ts/core'
import { p256, p384 } from '@noble/curves/nist.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundledContextBytes, bundledContexts, CONTEXTS, createDocumentLoader } from '@interop-lab/common/jsonld'
import { OutboundPolicy } from '@interop-lab/common/net/outboundPolicy'
import { addDataIntegrityProof, CRYPTOSUITES, ecdsaJcs2019, ed25519Signature2020, eddsaJcs2022, type ResolveProofKey, verifyDataIntegrityProof } from '@interop-lab/common/vc2'
import type { IssuerService } from '@interop-lab/issuer'
import type { VerifierService } from '@interop-lab/verifier'
import { businessRegistration, validFromOf, VCDM_CONTEXT, type VcdmVersion } from './support/vcdmCredentials'
import { type Curve, peerDocumentLoader, peerIssue, peerKey, peerSignPresentation, type PeerSuite, peerVerify, type PeerLoader } from './support/digitalBazaarPeer'
import { startVcApiServices } from './support/vcApiServices'

type Json = Record<string, any>
const vector = (name: string): Json => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures/w3c-vectors', name), 'utf8'))
const titles = (problems: Json[] | undefined) => (problems ?? []).map((p) => p.title)
const loader = createDocumentLoader()

/** A did:key verification method's public key, decoded here (multicodec ed25519-pub 0xed, p256-pub 0x1200, p384-pub 0x1201). */
const resolveDidKey: ResolveProofKey = async (verificationMethod) => {
  const did = verificationMethod.split('#')[0]
  const bytes = TypedArrayEncoder.fromBase58(did.slice('did:key:z'.length))
  const [a, b] = bytes
  const key = bytes.subarray(2)
  const ec = (curve: typeof p256 | typeof p384, crv: string, size: number) => {
    const point = curve.Point.fromBytes(key).toBytes(false)
    return { kty: 'EC', crv, x: Buffer.from(point.subarray(1, 1 + size)).toString('base64url'), y: Buffer.from(point.subarray(1 + size)).toString('base64url') }
  }
  if (a === 0xed && b === 0x01) return { publicJwk: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(key).toString('base64url') }, controller: did }
  if (a === 0x80 && b === 0x24) return { publicJwk: ec(p256, 'P-256', 32), controller: did }
  if (a === 0x81 && b === 0x24) return { publicJwk: ec(p384, 'P-384', 48), controller: did }
  throw new Error(`unknown multicodec ${a.toString(16)} ${b.toString(16)}`)
}
const verifyVector = (document: Json, proof: unknown) => verifyDataIntegrityProof(document, proof, CRYPTOSUITES, { purpose: 'assertionMethod' }, resolveDidKey, loader)
const changed = (document: Json) => ({ ...document, credentialSubject: { ...document.credentialSubject, alumniOf: 'Another School' } })

describe('W3C test vectors of the JCS suites, Ed25519Signature2020, P-384, proof sets and chains', () => {
  const ed25519Seed = TypedArrayEncoder.fromBase58(vector('eddsa-keyPair.json').privateKeyMultibase.slice(1)).subarray(2)
  const ed25519Signer = {
    algorithm: 'EdDSA' as const,
    sign: async (data: Uint8Array) =>
      signWithNode(null, data, createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), ed25519Seed]), format: 'der', type: 'pkcs8' })),
  }

  for (const [file, suite] of [
    ['eddsa-jcs-2022-signed.json', eddsaJcs2022],
    ['eddsa-Ed25519Signature2020-signed.json', ed25519Signature2020],
  ] as const) {
    it(`reproduces and verifies the ${suite.name} vector; a changed claim fails`, async () => {
      const signed = vector(file)
      const { proof, ...unsigned } = signed
      const remade = await addDataIntegrityProof(unsigned, suite, { verificationMethod: proof.verificationMethod, proofPurpose: 'assertionMethod', created: proof.created }, ed25519Signer, loader)
      expect(remade.proof).toEqual(proof)
      expect(await verifyVector(signed, proof)).toMatchObject({ verified: true, problems: [] })
      const result = await verifyVector(changed(signed), proof)
      expect(result.problems[0]).toMatchObject({ title: 'PROOF_VERIFICATION_ERROR', detail: expect.stringMatching(`The ${suite.name} signature does not match the document`) })
    })
  }

  it('reproduces the ecdsa-jcs-2019 P-256 and P-384 vectors (RFC 6979, high S kept) and verifies them', async () => {
    const p384Secret = TypedArrayEncoder.fromBase58(vector('ecdsa-p384-keyPair.json').secretKeyMultibase.slice(1)).subarray(2)
    // the P-256 key is the one of vc-di-ecdsa's p256KeyPair.json
    const p256Secret = TypedArrayEncoder.fromBase58('42twTcNeSYcnqg1FLuSFs2bsGH3ZqbRHFmvS9XMsYhjxvHN').subarray(2)
    for (const [file, algorithm, sign] of [
      ['ecdsa-jcs-2019-p256-signed.json', 'ES256', (data: Uint8Array) => p256.sign(data, p256Secret, { lowS: false })],
      ['ecdsa-jcs-2019-p384-signed.json', 'ES384', (data: Uint8Array) => p384.sign(data, p384Secret, { lowS: false })],
    ] as const) {
      const signed = vector(file)
      const { proof, ...unsigned } = signed
      const remade = await addDataIntegrityProof(
        unsigned,
        ecdsaJcs2019,
        { verificationMethod: proof.verificationMethod, proofPurpose: 'assertionMethod', created: proof.created },
        { algorithm, sign: async (data) => sign(data) },
        loader,
      )
      expect(remade.proof, file).toEqual(proof)
      expect(await verifyVector(signed, proof), file).toMatchObject({ verified: true })
      expect((await verifyVector(changed(signed), proof)).verified, file).toBe(false)
    }
  })

  it('verifies the ecdsa-rdfc-2019 P-384 vector (SHA-384 hashes, 96-byte signature); a changed claim fails', async () => {
    const signed = vector('ecdsa-rdfc-2019-p384-signed.json')
    expect(await verifyVector(signed, signed.proof)).toMatchObject({ verified: true, controller: signed.proof.verificationMethod.split('#')[0] })
    expect((await verifyVector(changed(signed), signed.proof)).problems[0].detail).toMatch(/ecdsa-rdfc-2019 signature does not match/)
  })

  it('verifies every proof of the proof set and of the proof chain vectors, and notices a broken chain (Data Integrity §4.5)', async () => {
    const set = vector('eddsa-proof-set-signed.json')
    for (const proof of set.proof) expect(await verifyVector(set, proof)).toMatchObject({ verified: true })
    const chain = vector('eddsa-proof-chain-signed.json')
    for (const proof of chain.proof) expect(await verifyVector(chain, proof), proof.id ?? 'last').toMatchObject({ verified: true })
    // the last link signs the third proof: without it on the document, or with it changed, the chain breaks
    const [first, second, third, last] = chain.proof
    const missing = await verifyVector({ ...chain, proof: [first, second, last] }, last)
    expect(missing.problems[0]).toMatchObject({
      title: 'PROOF_VERIFICATION_ERROR',
      property: 'proof.previousProof',
      detail: expect.stringMatching(/previousProof names 'urn:uuid:d94f792a-c546-4d06-b38a-da070ab56c23', which no proof/),
    })
    const redated = { ...third, created: '2023-02-26T22:06:39Z' }
    expect((await verifyVector({ ...chain, proof: [first, second, redated, last] }, last)).problems[0].detail).toMatch(/eddsa-rdfc-2022 signature does not match/)
  })
})

const ADMIN = 'vc-api-interop-key'
const asAdmin = { authorization: `Bearer ${ADMIN}` }
const dataDir = mkdtempSync(join(tmpdir(), 'interop-vc-api-interop-'))
let issuer: IssuerService
let verifier: VerifierService
let peerServer: Server
let peerUrl: string
/** What the peer serves over HTTP (its status lists), by path. */
const peerFiles = new Map<string, Json>()
let bcRegistries: Json
let peerLoader: PeerLoader

async function post(url: string, body: unknown) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...asAdmin }, body: JSON.stringify(body) })
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: (await response.json()) as Json }
}
const verify = (verifiableCredential: unknown) => post(`${verifier.url}/credentials/verify`, { verifiableCredential })
const issue = (credential: unknown, options?: unknown) => post(`${issuer.url}/credentials/issue`, { credential, ...(options ? { options } : {}) })

beforeAll(async () => {
  peerServer = createServer((req, res) => {
    const file = peerFiles.get(req.url ?? '')
    res.writeHead(file ? 200 : 404, { 'content-type': 'application/vc+ld+json' }).end(file ? JSON.stringify(file) : undefined)
  })
  await new Promise<void>((resolve) => peerServer.listen(0, '127.0.0.1', resolve))
  peerUrl = `http://127.0.0.1:${(peerServer.address() as { port: number }).port}`
  ;({ issuer, verifier } = await startVcApiServices(dataDir, ADMIN, { outbound: new OutboundPolicy({ allowedHosts: [new URL(peerUrl).host] }) }))
  const directory = (await (await fetch(`${issuer.url}/vc-api/issuers`)).json()) as Json
  bcRegistries = directory.issuers.find((i: Json) => i.key === 'bc-registries')
  // the peer has no copy of the lab's context: it fetches it where the issuer publishes it
  peerLoader = peerDocumentLoader(directory.contexts)
})
afterAll(async () => {
  await verifier?.close()
  await issuer?.close()
  await new Promise((resolve) => peerServer?.close(resolve))
  rmSync(dataDir, { recursive: true, force: true })
})

/** An alumni credential of either version, as another implementation would write it. */
function alumniCredential(version: VcdmVersion, issuerDid: string, suite: PeerSuite, overrides: Json = {}): Json {
  const extra = suite === 'Ed25519Signature2020' ? [] : version === '1.1' ? [CONTEXTS.dataIntegrityV2] : []
  return {
    '@context': [VCDM_CONTEXT[version], CONTEXTS.credentialsExamplesV2, ...extra],
    id: `urn:uuid:${randomUUID()}`,
    type: ['VerifiableCredential', 'AlumniCredential'],
    issuer: issuerDid,
    ...validFromOf(version),
    credentialSubject: { id: 'did:example:abcdefgh', alumniOf: 'The School of Examples' },
    ...overrides,
  }
}

const PEER_SUITES: Array<[PeerSuite, Curve]> = [
  ['eddsa-rdfc-2022', 'Ed25519'],
  ['eddsa-jcs-2022', 'Ed25519'],
  ['ecdsa-rdfc-2019', 'P-256'],
  ['ecdsa-rdfc-2019', 'P-384'],
  ['ecdsa-jcs-2019', 'P-256'],
  ['ecdsa-jcs-2019', 'P-384'],
  ['Ed25519Signature2020', 'Ed25519'],
]

describe('credentials Digital Bazaar issues, verified by the lab', () => {
  for (const version of ['1.1', '2.0'] as const) {
    for (const [suite, curve] of PEER_SUITES) {
      it(`VCDM ${version}, ${suite} (${curve}): 200 verified; changed after signing: 400 PROOF_VERIFICATION_ERROR (Data Integrity §4.4)`, async () => {
        const key = await peerKey(suite, curve)
        const signed = await peerIssue(alumniCredential(version, key.did, suite), key, peerLoader)
        expect(signed.proof.type).toBe(suite === 'Ed25519Signature2020' ? 'Ed25519Signature2020' : 'DataIntegrityProof')
        const result = await verify(signed)
        expect(result.status, JSON.stringify(result.body.errors)).toBe(200)
        expect(result.body).toMatchObject({ verified: true, controller: key.did, checks: ['proof', 'validity'] })
        const tampered = await verify(changed(signed))
        expect(tampered.status).toBe(400)
        expect(tampered.contentType).toMatch(/^application\/problem\+json/)
        expect(tampered.body).toMatchObject({ verified: false, type: 'https://w3id.org/security#PROOF_VERIFICATION_ERROR' })
        expect(titles(tampered.body.errors)).toEqual(['PROOF_VERIFICATION_ERROR', 'CRYPTOGRAPHIC_SECURITY_ERROR'])
      })
    }
  }
})

async function labIssued(version: VcdmVersion, suite: string, overrides: Json = {}): Promise<Json> {
  const response = await issue(businessRegistration(version, bcRegistries.cryptosuites[suite].did, overrides), { cryptosuite: suite })
  expect(response.status, JSON.stringify(response.body)).toBe(201)
  return response.body.verifiableCredential
}

describe('credentials the lab issues, verified by Digital Bazaar', () => {
  for (const version of ['1.1', '2.0'] as const) {
    for (const suite of ['eddsa-rdfc-2022', 'eddsa-jcs-2022', 'ecdsa-rdfc-2019', 'ecdsa-jcs-2019', 'Ed25519Signature2020']) {
      it(`VCDM ${version}, ${suite}: the peer verifies it, and not once changed`, async () => {
        const vc = await labIssued(version, suite)
        expect(vc['@context'][0]).toBe(VCDM_CONTEXT[version])
        if (version === '1.1') expect(vc['@context']).toContain(CONTEXTS.bitstringStatusListV1)
        expect(vc.proof).toMatchObject(suite === 'Ed25519Signature2020' ? { type: 'Ed25519Signature2020' } : { type: 'DataIntegrityProof', cryptosuite: suite })
        const result = await peerVerify(vc, peerLoader)
        expect(result.verified, JSON.stringify(result.error ?? result.results)).toBe(true)
        const tampered = { ...vc, credentialSubject: { ...vc.credentialSubject, legal_name: 'Forged Holdings Ltd.' } }
        expect((await peerVerify(tampered, peerLoader)).verified).toBe(false)
        // and the lab's own verifier agrees
        expect((await verify(vc)).body).toMatchObject({ verified: true, controller: bcRegistries.cryptosuites[suite].did })
      })
    }
  }

  it("serves the lab's context where /vc-api/issuers says, as application/ld+json", async () => {
    const directory = (await (await fetch(`${issuer.url}/vc-api/issuers`)).json()) as Json
    const url = directory.contexts[CONTEXTS.interopLabCredentialsV1]
    expect(url).toBe(`${issuer.url}/contexts/credentials/v1`)
    const response = await fetch(url)
    expect(response.headers.get('content-type')).toMatch(/^application\/ld\+json/)
    expect(Buffer.from(await response.arrayBuffer()).equals(bundledContextBytes().get(CONTEXTS.interopLabCredentialsV1)!)).toBe(true)
  })
})

describe('VCDM 1.1 and 2.0 presentations, validity and status, as the specifications name the failures', () => {
  const challenge = 'c0ffee-interop-challenge'
  const domain = 'verifier.interop-lab.ca'

  for (const version of ['1.1', '2.0'] as const) {
    it(`verifies a VCDM ${version} presentation Digital Bazaar signed (P-384 holder); a wrong challenge is 400 INVALID_CHALLENGE_ERROR (Data Integrity §4.4)`, async () => {
      const issuerKey = await peerKey('eddsa-rdfc-2022')
      const holderKey = await peerKey('ecdsa-rdfc-2019', 'P-384')
      const credential = await peerIssue(alumniCredential(version, issuerKey.did, 'eddsa-rdfc-2022'), issuerKey, peerLoader)
      const extra = version === '1.1' ? [CONTEXTS.dataIntegrityV2] : []
      const presentation = { '@context': [VCDM_CONTEXT[version], ...extra], type: ['VerifiablePresentation'], holder: holderKey.did, verifiableCredential: [credential] }
      const vp = await peerSignPresentation(presentation, holderKey, challenge, domain, peerLoader)
      const verified = await post(`${verifier.url}/presentations/verify`, { verifiablePresentation: vp, options: { challenge, domain } })
      expect(verified.status, JSON.stringify(verified.body.errors)).toBe(200)
      expect(verified.body.results.presentation.holder).toEqual({ verified: true, input: holderKey.did })
      const replayed = await post(`${verifier.url}/presentations/verify`, { verifiablePresentation: vp, options: { challenge: 'another-challenge', domain } })
      expect(replayed.status).toBe(400)
      expect(replayed.body).toMatchObject({ type: 'https://w3id.org/security#INVALID_CHALLENGE_ERROR', verified: false })
    })
  }

  it('rejects a VCDM 1.1 credential past its expirationDate or before its issuanceDate (VCDM 1.1 §4.6, §4.8: CREDENTIAL_EXPIRED, CREDENTIAL_NOT_YET_VALID)', async () => {
    const key = await peerKey('eddsa-rdfc-2022')
    const expired = await peerIssue(alumniCredential('1.1', key.did, 'eddsa-rdfc-2022', { issuanceDate: '2020-01-01T00:00:00Z', expirationDate: '2021-01-01T00:00:00Z' }), key, peerLoader)
    const result = await verify(expired)
    expect(result.status).toBe(400)
    expect(result.body).toMatchObject({ title: 'CREDENTIAL_EXPIRED', detail: 'The credential expired at 2021-01-01T00:00:00Z (expirationDate)', results: { validUntil: { verified: false } } })
    const early = await peerIssue(alumniCredential('1.1', key.did, 'eddsa-rdfc-2022', { issuanceDate: '2099-01-01T00:00:00Z' }), key, peerLoader)
    expect(titles((await verify(early)).body.errors)).toEqual(['CREDENTIAL_NOT_YET_VALID'])
    // a 1.1 credential with 2.0 validity terms is malformed (and those terms are not in the 1.1 context)
    const mixed = await verify({ ...expired, validUntil: '2030-01-01T00:00:00Z' })
    expect(mixed.body.errors[0]).toMatchObject({ title: 'MALFORMED_VALUE_ERROR', property: 'validUntil' })
  })

  it('revokes a VCDM 1.1 credential the lab issued: 400 CREDENTIAL_REVOKED (Bitstring Status List §3.2 validate)', async () => {
    const vc = await labIssued('1.1', 'Ed25519Signature2020')
    expect((await verify(vc)).status).toBe(200)
    const revoked = await post(`${issuer.url}/credentials/status`, { credentialId: vc.id, credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation' } })
    expect(revoked.status).toBe(200)
    const result = await verify(vc)
    expect(result.status).toBe(400)
    expect(result.body).toMatchObject({ title: 'CREDENTIAL_REVOKED', type: 'https://interop-lab.ca/problems#CREDENTIAL_REVOKED' })
  })

  it('rejects a malformed BitstringStatusListEntry with MALFORMED_VALUE_ERROR, on issue and on verify (Bitstring Status List §2.1)', async () => {
    const entry = { id: `${peerUrl}/status/1#7`, type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '7', statusListCredential: `${peerUrl}/status/1` }
    const cases: Array<[string, Json, RegExp]> = [
      ['statusListIndex a number', { ...entry, statusListIndex: 7 }, /statusListIndex is required and must be a base-10 integer as a string/],
      ['no statusListCredential', { ...entry, statusListCredential: undefined }, /statusListCredential is required and must be a URL/],
      ['no statusPurpose', { ...entry, statusPurpose: undefined }, /statusPurpose is required/],
      ['statusSize 2 without statusMessage', { ...entry, statusPurpose: 'message', statusSize: 2 }, /statusMessage is required when statusSize is 2/],
      ['statusSize 0', { ...entry, statusSize: 0 }, /statusSize must be a positive integer/],
    ]
    const key = await peerKey('eddsa-rdfc-2022')
    for (const [name, credentialStatus, detail] of cases) {
      const issued = await issue(businessRegistration('2.0', bcRegistries.did, { credentialStatus }))
      expect(issued.status, name).toBe(400)
      expect(issued.body, name).toMatchObject({ type: 'https://www.w3.org/TR/vc-data-model#MALFORMED_VALUE_ERROR', detail: expect.stringMatching(detail) })
      const signed = await peerIssue(alumniCredential('2.0', key.did, 'eddsa-rdfc-2022', { credentialStatus }), key, peerLoader)
      const verified = await verify(signed)
      expect(verified.status, name).toBe(400)
      expect(verified.body.errors[0], name).toMatchObject({ title: 'MALFORMED_VALUE_ERROR', detail: expect.stringMatching(detail) })
    }
  })

  it('reads a statusSize 2 message status from a list another issuer publishes, and names its message', async () => {
    const key = await peerKey('ecdsa-rdfc-2019', 'P-256')
    const size = 2
    const statusMessage = [
      { status: '0x0', message: 'pending review' },
      { status: '0x1', message: 'accepted' },
      { status: '0x2', message: 'rejected' },
      { status: '0x3', message: 'withdrawn' },
    ]
    // the list: 131072 statuses of 2 bits; index 42 holds 0b10 (rejected), most significant bit first
    const bits = new Uint8Array((131_072 * size) / 8)
    const first = 42 * size
    bits[first >> 3] |= 0x80 >> (first & 7)
    const listUrl = `${peerUrl}/status/messages`
    const list = await peerIssue(
      {
        '@context': [CONTEXTS.credentialsV2],
        id: listUrl,
        type: ['VerifiableCredential', 'BitstringStatusListCredential'],
        issuer: key.did,
        validFrom: '2024-01-01T00:00:00Z',
        credentialSubject: { id: `${listUrl}#list`, type: 'BitstringStatusList', statusPurpose: 'message', encodedList: `u${gzipSync(bits).toString('base64url')}` },
      },
      key,
      peerLoader,
    )
    peerFiles.set('/status/messages', list)
    const entry = { id: `${listUrl}#42`, type: 'BitstringStatusListEntry', statusPurpose: 'message', statusListIndex: '42', statusListCredential: listUrl, statusSize: size, statusMessage }
    const credential = await peerIssue(alumniCredential('2.0', key.did, 'ecdsa-rdfc-2019', { credentialStatus: entry }), key, peerLoader)
    const result = await verify(credential)
    expect(result.status, JSON.stringify(result.body.errors)).toBe(200)
    expect(result.body.results.credentialStatus).toEqual([{ verified: true, value: 2, message: 'rejected', input: entry }])
    // the lab's issuer keeps such an entry on a credential it issues
    const issued = await issue(businessRegistration('2.0', bcRegistries.did, { credentialStatus: entry }))
    expect(issued.status).toBe(201)
    expect(issued.body.verifiableCredential.credentialStatus).toEqual(entry)
  })
})

describe('JSON-LD as the specifications process it', () => {
  it('bundles the VCDM 1.1 and Ed25519Signature2020 contexts as Digital Bazaar ships them (Credo serves the same to DIDComm)', async () => {
    const { defaultDocumentLoader } = await import('@digitalbazaar/vc')
    const { CONTEXT } = (await import('@digitalbazaar/ed25519-signature-2020')).suiteContext
    expect(bundledContexts().get(CONTEXTS.credentialsV1)).toEqual((await defaultDocumentLoader(CONTEXTS.credentialsV1)).document)
    expect(bundledContexts().get(CONTEXTS.ed25519Signature2020V1)).toEqual(CONTEXT)
  })

  const sri = (algorithm: 'sha256' | 'sha384', bytes: Buffer) => `${algorithm}-${createHash(algorithm).update(bytes).digest('base64')}`
  const v2Bytes = () => bundledContextBytes().get(CONTEXTS.credentialsV2)!

  it('checks relatedResource: unique ids, and digests of a bundled context against its bytes (VCDM 2.0 §5.3)', async () => {
    const multihash = Buffer.concat([Buffer.from([0x12, 0x20]), createHash('sha256').update(v2Bytes()).digest()])
    const pinned = [{ id: CONTEXTS.credentialsV2, digestSRI: sri('sha384', v2Bytes()), digestMultibase: `z${TypedArrayEncoder.toBase58(multihash)}` }]
    const issued = await issue(businessRegistration('2.0', bcRegistries.did, { relatedResource: pinned }))
    expect(issued.status, JSON.stringify(issued.body)).toBe(201)
    expect((await verify(issued.body.verifiableCredential)).status).toBe(200)

    const otherBytes = sri('sha384', Buffer.from('{"@context":{}}'))
    const cases: Array<[string, unknown, RegExp]> = [
      ['a digest of other bytes', [{ ...pinned[0], digestSRI: otherBytes }], /relatedResource\[0\]\.digestSRI does not match the sha384 digest of https:\/\/www\.w3\.org\/ns\/credentials\/v2/],
      ['the same resource twice', [pinned[0], pinned[0]], /relatedResource\[1\]\.id 'https:\/\/www\.w3\.org\/ns\/credentials\/v2' is listed more than once/],
      ['no digest', [{ id: CONTEXTS.credentialsV2 }], /needs digestSRI or digestMultibase/],
      ['a digest that is not SRI', [{ id: 'https://example.org/logo.png', digestSRI: 'md5-abc' }], /is not a Subresource Integrity value/],
    ]
    const key = await peerKey('eddsa-rdfc-2022')
    for (const [name, relatedResource, detail] of cases) {
      const rejected = await issue(businessRegistration('2.0', bcRegistries.did, { relatedResource }))
      expect(rejected.status, name).toBe(400)
      expect(rejected.body.detail, name).toMatch(detail)
      const signed = await peerIssue(alumniCredential('2.0', key.did, 'eddsa-rdfc-2022', { relatedResource }), key, peerLoader)
      const verified = await verify(signed)
      expect(verified.body.errors[0], name).toMatchObject({ title: 'MALFORMED_VALUE_ERROR', detail: expect.stringMatching(detail) })
    }
  })

  it('signs and verifies a value with @direction the way Digital Bazaar does (RDFC-1.0, rdfDirection i18n-datatype)', async () => {
    const name = { '@value': 'شهادة الخريجين', '@language': 'ar', '@direction': 'rtl' }
    const key = await peerKey('eddsa-rdfc-2022')
    const theirs = await peerIssue(alumniCredential('2.0', key.did, 'eddsa-rdfc-2022', { name }), key, peerLoader)
    const verified = await verify(theirs)
    expect(verified.status, JSON.stringify(verified.body.errors)).toBe(200)
    // the direction is signed: changing it breaks the proof
    expect((await verify({ ...theirs, name: { ...name, '@direction': 'ltr' } })).status).toBe(400)
    const ours = await labIssued('2.0', 'eddsa-rdfc-2022', { name })
    expect((await peerVerify(ours, peerLoader)).verified).toBe(true)
  })
})
