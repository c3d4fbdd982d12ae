import { spawnSync } from 'node:child_process'
import { createHash, generateKeyPairSync, sign as signEd25519 } from 'node:crypto'
import { request as httpsRequest } from 'node:https'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TypedArrayEncoder } from '@credo-ts/core'
import { p256 } from '@noble/curves/nist.js'
import { decodeProtectedHeader } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadCredentialTypes } from '@interop-lab/common/credentialTypes'
import { selfSignedCertificate, startTlsFront } from '@interop-lab/common/https'
import { bundledContexts, canonize, CONTEXTS, createDocumentLoader } from '@interop-lab/common/jsonld'
import { bitAt, decodeBitstring } from '@interop-lab/common/status'
import { businessRegistration } from './support/vcdmCredentials'
import { addDataIntegrityProof, CRYPTOSUITES, ecdsaRdfc2019, eddsaRdfc2022, envelope, signJoseEnvelope, verifyDataIntegrityProof } from '@interop-lab/common/vc2'
import { startIssuerService, type IssuerService } from '@interop-lab/issuer'
import type { VerifierService } from '@interop-lab/verifier'
import { startVcApiServices } from './support/vcApiServices'

const ADMIN = 'vc-api-test-key'
const asAdmin = { authorization: `Bearer ${ADMIN}` }
const dataDir = mkdtempSync(join(tmpdir(), 'interop-vc-api-'))
let issuer: IssuerService
let verifier: VerifierService
type IssuerDid = { did: string; verificationMethod: string }
/** bc-registries: its Ed25519 key as did:key (and did:jwk), and its P-256 key as did:key */
let bcRegistries: IssuerDid & { alsoKnownAs: string; cryptosuites: Record<'eddsa-rdfc-2022' | 'ecdsa-rdfc-2019', IssuerDid> }

type Json = Record<string, any>

async function post(url: string, body: unknown, headers: Record<string, string> = asAdmin) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) })
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: (await response.json().catch(() => undefined)) as Json }
}
const issue = (credential: unknown, options?: unknown) => post(`${issuer.url}/credentials/issue`, { credential, ...(options ? { options } : {}) })
const verify = (verifiableCredential: unknown, options?: unknown) => post(`${verifier.url}/credentials/verify`, { verifiableCredential, ...(options ? { options } : {}) })
const setStatus = (body: unknown) => post(`${issuer.url}/credentials/status`, body)
const titles = (problems: Json[] | undefined) => (problems ?? []).map((p) => p.title)

const businessCredential = (overrides: Json = {}) => businessRegistration('2.0', bcRegistries.did, overrides)

type Suite = 'eddsa-rdfc-2022' | 'ecdsa-rdfc-2019' | 'vc-jose'
/** The issuer DID a suite's credentials name: the P-256 did:key for ecdsa-rdfc-2019, the Ed25519 did:key otherwise. */
const issuerFor = (suite: Suite): IssuerDid => bcRegistries.cryptosuites[suite === 'vc-jose' ? 'eddsa-rdfc-2022' : suite]

async function issued(suite: Suite, overrides: Json = {}) {
  const credential = businessCredential({ issuer: issuerFor(suite).did, ...overrides })
  const response = await issue(credential, suite === 'vc-jose' ? { envelope: 'application/vc+jwt' } : { cryptosuite: suite })
  expect(response.status, JSON.stringify(response.body)).toBe(201)
  return { id: credential.id as string, vc: response.body.verifiableCredential as Json }
}

/** A P-256 did:key made outside the lab: multicodec p256-pub (0x1200, varint 80 24) and the compressed point, base58btc. */
function p256DidKey(publicKey: Uint8Array): IssuerDid {
  const did = `did:key:z${TypedArrayEncoder.toBase58(Uint8Array.from([0x80, 0x24, ...publicKey]))}`
  return { did, verificationMethod: `${did}#${did.slice('did:key:'.length)}` }
}

/**
 * An ecdsa-rdfc-2019 proof made without common/vc2's proof code: RDFC-1.0 from the bundled-context
 * canonizer, SHA-256 from node:crypto, ECDSA P-256 from @noble/curves.
 */
async function handSignedEcdsa(document: Json, secretKey: Uint8Array, verificationMethod: string, options: Json = {}): Promise<Json> {
  const loader = createDocumentLoader()
  const config = { type: 'DataIntegrityProof', cryptosuite: 'ecdsa-rdfc-2019', created: '2025-06-01T12:00:00Z', verificationMethod, proofPurpose: 'assertionMethod', ...options }
  const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest()
  const data = Buffer.concat([sha256(await canonize({ ...config, '@context': document['@context'] }, loader)), sha256(await canonize(document, loader))])
  return { ...document, proof: { ...config, proofValue: `z${TypedArrayEncoder.toBase58(p256.sign(data, secretKey))}` } }
}

/** The credential inside a VC-JOSE envelope. */
function payloadOf(enveloped: Json): Json {
  const jwt = String(enveloped.id).slice('data:application/vc+jwt,'.length)
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'))
}

beforeAll(async () => {
  ;({ issuer, verifier } = await startVcApiServices(dataDir, ADMIN))
  const { issuers } = (await (await fetch(`${issuer.url}/vc-api/issuers`)).json()) as { issuers: Array<Json> }
  bcRegistries = issuers.find((i) => i.key === 'bc-registries') as typeof bcRegistries
})
afterAll(async () => {
  await verifier?.close()
  await issuer?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('bundled JSON-LD contexts and the eddsa-rdfc-2022 and ecdsa-rdfc-2019 cryptosuites', () => {
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
  const resolveKey = async () => ({
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
    controller: 'did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2',
  })
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
    const signer = { algorithm: 'EdDSA' as const, sign: async (data: Uint8Array) => signEd25519(null, data, privateKey) }
    const signed = await addDataIntegrityProof(vector, eddsaRdfc2022, { verificationMethod: proof.verificationMethod, proofPurpose: 'assertionMethod', created: proof.created }, signer, loader)
    expect(signed.proof).toEqual(proof)
    expect((await verifyDataIntegrityProof(signed, proof, CRYPTOSUITES, { purpose: 'assertionMethod' }, resolveKey, loader)).verified).toBe(true)
    const tampered = { ...signed, credentialSubject: { ...vector.credentialSubject, alumniOf: 'Another School' } }
    const result = await verifyDataIntegrityProof(tampered, proof, CRYPTOSUITES, { purpose: 'assertionMethod' }, resolveKey, loader)
    expect(result.verified).toBe(false)
    expect(titles(result.problems)).toEqual(['PROOF_VERIFICATION_ERROR'])
    const wrongPurpose = await verifyDataIntegrityProof(signed, proof, CRYPTOSUITES, { purpose: 'authentication' }, resolveKey, loader)
    expect(wrongPurpose.problems[0].detail).toMatch(/purpose/)
  })

  // vc-di-ecdsa TestVectors/ecdsa-rdfc-2019-p256/signedECDSAP256.json, combinedHashECDSAP256.txt and p256KeyPair.json (W3C, main as of 2026-04-08)
  const ecdsaProof = {
    type: 'DataIntegrityProof',
    cryptosuite: 'ecdsa-rdfc-2019',
    created: '2023-02-24T23:36:38Z',
    verificationMethod: 'did:key:zDnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP#zDnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP',
    proofPurpose: 'assertionMethod',
    proofValue: 'zaHXrr7AQdydBk3ahpCDpWbxfLokDqmCToYm2dyWvpcFVyWooC2he63w1f7UNQoAMKdhaRtcnaE2KTo5o5vTCcfw',
  }
  const ecdsaCombinedHash = '3a8a522f689025727fb9d1f0fa99a618da023e8494ac74f51015d009d35abc2e517744132ae165a5349155bef0bb0cf2258fff99dfe1dbd914b938d775a36017'
  // multicodec p256-pub (0x1200, varint 80 24) and p256-priv (0x1306, varint 86 26)
  const p256Public = TypedArrayEncoder.fromBase58('DnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP')
  const p256Secret = TypedArrayEncoder.fromBase58('42twTcNeSYcnqg1FLuSFs2bsGH3ZqbRHFmvS9XMsYhjxvHN')
  const p256Jwk = (compressed: Uint8Array) => {
    const uncompressed = p256.Point.fromBytes(compressed).toBytes(false)
    return { kty: 'EC', crv: 'P-256', x: Buffer.from(uncompressed.subarray(1, 33)).toString('base64url'), y: Buffer.from(uncompressed.subarray(33)).toString('base64url') }
  }
  const resolveP256Key = async () => ({ publicJwk: p256Jwk(p256Public.subarray(2)), controller: 'did:key:zDnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP' })

  it('reproduces the W3C ecdsa-rdfc-2019 P-256 test vector and verifies it; a changed claim fails', async () => {
    expect([...p256Public.subarray(0, 2), ...p256Secret.subarray(0, 2)]).toEqual([0x80, 0x24, 0x86, 0x26])
    let signedData = ''
    // the vector's signature is RFC 6979 deterministic and not low-S normalized: @noble/curves reproduces it with lowS off
    const signer = {
      algorithm: 'ES256' as const,
      sign: async (data: Uint8Array) => {
        signedData = Buffer.from(data).toString('hex')
        return p256.sign(data, p256Secret.subarray(2), { lowS: false })
      },
    }
    const signed = await addDataIntegrityProof(
      vector,
      ecdsaRdfc2019,
      { verificationMethod: ecdsaProof.verificationMethod, proofPurpose: 'assertionMethod', created: ecdsaProof.created },
      signer,
      loader,
    )
    expect(signedData).toBe(ecdsaCombinedHash)
    expect(signed.proof).toEqual(ecdsaProof)
    const verified = await verifyDataIntegrityProof({ ...vector, proof: ecdsaProof }, ecdsaProof, CRYPTOSUITES, { purpose: 'assertionMethod' }, resolveP256Key, loader)
    expect(verified).toMatchObject({ verified: true, problems: [] })
    const tampered = { ...vector, credentialSubject: { ...vector.credentialSubject, alumniOf: 'Another School' } }
    const result = await verifyDataIntegrityProof(tampered, ecdsaProof, CRYPTOSUITES, { purpose: 'assertionMethod' }, resolveP256Key, loader)
    expect(result.verified).toBe(false)
    expect(result.problems[0]).toMatchObject({ title: 'PROOF_VERIFICATION_ERROR', detail: expect.stringMatching(/ecdsa-rdfc-2019 signature does not match the document/) })
    // a suite's proof is checked with that suite's key type only
    const wrongKey = await verifyDataIntegrityProof(signed, ecdsaProof, CRYPTOSUITES, { purpose: 'assertionMethod' }, resolveKey, loader)
    expect(wrongKey.problems[0].detail).toMatch(/is not a P-256 or P-384 key, as ecdsa-rdfc-2019 needs/)
    const relabelled = { ...proof, cryptosuite: 'ecdsa-rdfc-2019' }
    expect((await verifyDataIntegrityProof({ ...vector, proof: relabelled }, relabelled, CRYPTOSUITES, { purpose: 'assertionMethod' }, resolveKey, loader)).verified).toBe(false)
    // and only with the suites the caller accepts
    const eddsaOnly = await verifyDataIntegrityProof(signed, ecdsaProof, [eddsaRdfc2022], { purpose: 'assertionMethod' }, resolveP256Key, loader)
    expect(eddsaOnly.problems[0].detail).toBe("Cryptosuite 'ecdsa-rdfc-2019' is not supported; supported: eddsa-rdfc-2022")
  })

  it('refuses in safe mode what JSON-LD would silently drop', async () => {
    await expect(canonize({ ...vector, '@context': [CONTEXTS.credentialsV2], credentialSubject: { alumniOf: 'x' } }, loader)).rejects.toThrow(/alumniOf/)
    await expect(canonize({ ...vector, '@context': [CONTEXTS.credentialsV2, { VerifiableCredential: 'https://example.org/#Bad' }] }, loader)).rejects.toThrow(/protected term/)
  })
})

describe('POST /credentials/issue and /credentials/verify', () => {
  for (const suite of ['eddsa-rdfc-2022', 'ecdsa-rdfc-2019', 'vc-jose'] as const) {
    it(`issues and verifies with ${suite}, with revocation and suspension entries`, async () => {
      const { vc } = await issued(suite)
      const credential = suite === 'vc-jose' ? payloadOf(vc) : vc
      if (suite === 'vc-jose') {
        expect(vc).toMatchObject({ '@context': CONTEXTS.credentialsV2, type: 'EnvelopedVerifiableCredential' })
        expect(vc.id).toMatch(/^data:application\/vc\+jwt,/)
        expect(decodeProtectedHeader(String(vc.id).split(',')[1])).toEqual({ alg: 'EdDSA', kid: bcRegistries.verificationMethod, typ: 'vc+jwt', cty: 'vc' })
      } else {
        expect(vc.proof).toMatchObject({ type: 'DataIntegrityProof', cryptosuite: suite, proofPurpose: 'assertionMethod', verificationMethod: issuerFor(suite).verificationMethod })
        expect(vc.proof.proofValue).toMatch(/^z[1-9A-HJ-NP-Za-km-z]{80,90}$/)
      }
      expect(credential.credentialStatus.map((entry: Json) => entry.statusPurpose)).toEqual(['revocation', 'suspension'])
      expect(credential.credentialStatus[0].statusListIndex).toBe(credential.credentialStatus[1].statusListIndex)

      const result = await verify(vc, { returnCredential: true })
      expect(result.status, JSON.stringify(result.body.errors)).toBe(200)
      expect(result.body).toMatchObject({ verified: true, errors: [], controller: issuerFor(suite).did, mediaType: suite === 'vc-jose' ? 'application/vc+jwt' : 'application/vc' })
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
      if (suite !== 'vc-jose') expect(result.body.results.proof[0].problemDetails[0].detail).toMatch(`The ${suite} signature does not match the document`)
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

  it("gives each issuer a P-256 did:key for ecdsa-rdfc-2019, and takes the cryptosuite from the issuer DID's key", async () => {
    const p256Issuer = bcRegistries.cryptosuites['ecdsa-rdfc-2019']
    expect(p256Issuer.did).toMatch(/^did:key:zDn[1-9A-HJ-NP-Za-km-z]{46}$/)
    // a Multikey: multicodec p256-pub (0x1200) and a compressed point on the curve
    const multikey = TypedArrayEncoder.fromBase58(p256Issuer.did.slice('did:key:z'.length))
    expect([multikey.length, multikey[0], multikey[1]]).toEqual([35, 0x80, 0x24])
    expect(() => p256.Point.fromBytes(multikey.subarray(2))).not.toThrow()
    expect(p256Issuer.verificationMethod).toBe(`${p256Issuer.did}#${p256Issuer.did.slice('did:key:'.length)}`)
    expect(bcRegistries.cryptosuites['eddsa-rdfc-2022']).toEqual({ did: bcRegistries.did, verificationMethod: bcRegistries.verificationMethod })

    // no option: the key behind credential.issuer decides
    const byDefault = await issue(businessCredential({ issuer: p256Issuer.did }))
    expect(byDefault.status).toBe(201)
    expect(byDefault.body.verifiableCredential.proof.cryptosuite).toBe('ecdsa-rdfc-2019')
    expect((await verify(byDefault.body.verifiableCredential)).body).toMatchObject({ verified: true, controller: p256Issuer.did })

    // a suite the issuer DID's key cannot make: the answer names the DID that can
    const eddsaDid = await issue(businessCredential(), { cryptosuite: 'ecdsa-rdfc-2019' })
    expect(eddsaDid.status).toBe(400)
    expect(eddsaDid.body).toMatchObject({ title: 'MALFORMED_VALUE_ERROR', property: 'options.cryptosuite' })
    expect(eddsaDid.body.detail).toBe(
      `Issuer ${bcRegistries.did} signs with eddsa-rdfc-2022, eddsa-jcs-2022, Ed25519Signature2020; for ecdsa-rdfc-2019, put the same issuer's DID ${p256Issuer.did} in credential.issuer`,
    )
    const p256Did = await issue(businessCredential({ issuer: p256Issuer.did }), { cryptosuite: 'eddsa-rdfc-2022' })
    expect(p256Did.status).toBe(400)
    expect(p256Did.body.detail).toMatch(`for eddsa-rdfc-2022, put the same issuer's DID ${bcRegistries.did} in credential.issuer`)
  })

  it('envelopes a credential of the P-256 did:key with ES256 (VC-JOSE)', async () => {
    const p256Issuer = bcRegistries.cryptosuites['ecdsa-rdfc-2019']
    const response = await issue(businessCredential({ issuer: p256Issuer.did }), { envelope: 'application/vc+jwt' })
    expect(response.status).toBe(201)
    const vc = response.body.verifiableCredential
    expect(decodeProtectedHeader(String(vc.id).split(',')[1])).toEqual({ alg: 'ES256', kid: p256Issuer.verificationMethod, typ: 'vc+jwt', cty: 'vc' })
    expect((await verify(vc)).body).toMatchObject({ verified: true, controller: p256Issuer.did, mediaType: 'application/vc+jwt' })
  })

  it('verifies an ecdsa-rdfc-2019 credential signed outside the lab (@noble/curves), and not once changed', async () => {
    const { secretKey, publicKey } = p256.keygen()
    const outsider = p256DidKey(publicKey)
    const credential = {
      '@context': [CONTEXTS.credentialsV2, CONTEXTS.credentialsExamplesV2],
      id: 'urn:uuid:6a1d2f60-4b8e-4c1a-9d3e-7f0b5c2a9e11',
      type: ['VerifiableCredential', 'AlumniCredential'],
      issuer: outsider.did,
      validFrom: '2024-01-01T00:00:00Z',
      credentialSubject: { id: 'did:example:abcdefgh', alumniOf: 'The School of Examples' },
    }
    const signed = await handSignedEcdsa(credential, secretKey, outsider.verificationMethod)
    const result = await verify(signed)
    expect(result.status, JSON.stringify(result.body.errors)).toBe(200)
    expect(result.body).toMatchObject({ verified: true, controller: outsider.did, checks: ['proof', 'validity'] })
    const changed = await verify({ ...signed, credentialSubject: { ...credential.credentialSubject, alumniOf: 'Another School' } })
    expect(changed.status).toBe(400)
    expect(changed.body.results.proof[0].problemDetails[0].detail).toMatch(/ecdsa-rdfc-2019 signature does not match the document/)
    // someone else's key under the outsider's verification method
    const forged = await handSignedEcdsa(credential, p256.utils.randomSecretKey(), outsider.verificationMethod)
    expect((await verify(forged)).status).toBe(400)
  })

  it('rejects a proof whose cryptosuite it does not know with 400 and the supported ones', async () => {
    const { vc } = await issued('ecdsa-rdfc-2019')
    const result = await verify({ ...vc, proof: { ...vc.proof, cryptosuite: 'bbs-2023' } })
    expect(result.status).toBe(400)
    expect(result.body.verified).toBe(false)
    expect(result.body.results.proof[0].problemDetails).toEqual([
      expect.objectContaining({
        title: 'PROOF_VERIFICATION_ERROR',
        property: 'proof.cryptosuite',
        detail: "Cryptosuite 'bbs-2023' is not supported; supported: eddsa-rdfc-2022, ecdsa-rdfc-2019, eddsa-jcs-2022, ecdsa-jcs-2019, Ed25519Signature2020, ecdsa-sd-2023",
      }),
    ])
    // an RDFC signature relabelled as its JCS sibling does not verify
    const jcs = await verify({ ...vc, proof: { ...vc.proof, cryptosuite: 'ecdsa-jcs-2019' } })
    expect(jcs.body.results.proof[0].problemDetails[0].detail).toMatch(/ecdsa-jcs-2019 signature does not match the document/)
    // an eddsa-rdfc-2022 signature presented as ecdsa-rdfc-2019 names the key it needs
    const { vc: eddsa } = await issued('eddsa-rdfc-2022')
    const relabelled = await verify({ ...eddsa, proof: { ...eddsa.proof, cryptosuite: 'ecdsa-rdfc-2019' } })
    expect(relabelled.status).toBe(400)
    expect(relabelled.body.results.proof[0].problemDetails[0].detail).toMatch(/is not a P-256 or P-384 key, as ecdsa-rdfc-2019 needs/)
  })

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
    const entry = {
      id: `${jwtList}#${revocation.statusListIndex}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: revocation.statusListIndex,
      statusListCredential: jwtList,
    }
    const { body } = await issue(businessCredential({ credentialStatus: entry }))
    expect(body.verifiableCredential.credentialStatus).toEqual(entry)
    expect((await verify(body.verifiableCredential)).status).toBe(200)
    await setStatus({ credentialId: id, credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation' } })
    const result = await verify(body.verifiableCredential)
    expect(titles(result.body.errors)).toEqual(['CREDENTIAL_REVOKED'])
  })

  it('issues under the did:jwk form of the same issuer, and keeps a proof already on the credential', async () => {
    const foreignProof = {
      type: 'DataIntegrityProof',
      cryptosuite: 'eddsa-rdfc-2022',
      created: '2024-01-01T00:00:00Z',
      verificationMethod: 'did:example:other#key-1',
      proofPurpose: 'assertionMethod',
      proofValue: 'z1111',
    }
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
      [
        'an unsupported cryptosuite',
        { credential: businessCredential(), options: { cryptosuite: 'bbs-2023' } },
        /^Cryptosuite 'bbs-2023' is not supported; supported: eddsa-rdfc-2022, ecdsa-rdfc-2019, eddsa-jcs-2022, ecdsa-jcs-2019, Ed25519Signature2020, ecdsa-sd-2023$/,
      ],
      ['an unsupported envelope', { credential: businessCredential(), options: { envelope: 'application/vc+sd-jwt' } }, /Envelope 'application\/vc\+sd-jwt' is not supported/],
      ['an unknown option', { credential: businessCredential(), options: { proofType: 'Ed25519Signature2020' } }, /Unknown option\(s\): proofType/],
      ['no VCDM base context', { credential: { ...businessCredential(), '@context': ['https://www.w3.org/ns/credentials/v3', CONTEXTS.credentialsV2] } }, /first @context value/],
      [
        'VCDM 2.0 validity in a VCDM 1.1 credential',
        { credential: { ...businessCredential(), '@context': [CONTEXTS.credentialsV1, CONTEXTS.interopLabCredentialsV1] } },
        /issuanceDate is required in a VCDM 1.1 credential.*validFrom is not a VCDM 1.1 property/,
      ],
      [
        'VCDM 1.1 validity in a VCDM 2.0 credential',
        { credential: businessCredential({ issuanceDate: '2024-01-01T00:00:00Z' }) },
        /issuanceDate is not a VCDM 2.0 property; a VCDM 2.0 credential uses validFrom\/validUntil/,
      ],
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
    // a body that is not JSON fails before the API's router, and is a problem all the same (VCDM 2.0 §7.2)
    const notJson = await post(`${issuer.url}/credentials/issue`, '{"credential":')
    expect(notJson.contentType).toMatch(/^application\/problem\+json/)
    expect(notJson.body).toMatchObject({ type: 'https://www.w3.org/TR/vc-data-model#PARSING_ERROR', title: 'PARSING_ERROR', status: 400 })
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
      ['malformed JSON', '{"verifiableCredential":', 'PARSING_ERROR'],
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
  const holderSign = { algorithm: 'EdDSA' as const, sign: async (data: Uint8Array) => signEd25519(null, data, privateKey) }
  const challenge = 'u3f1c6e2a-challenge'
  const domain = 'verifier.interop-lab.ca'
  const verifyVp = (body: unknown) => post(`${verifier.url}/presentations/verify`, body)

  async function presentation(credentials: Json[], proof: { challenge?: string; domain?: string } = { challenge, domain }) {
    const unsigned = { '@context': [CONTEXTS.credentialsV2], type: ['VerifiablePresentation'], holder: holderDid, verifiableCredential: credentials }
    return addDataIntegrityProof(unsigned, eddsaRdfc2022, { verificationMethod: holderKey, proofPurpose: 'authentication', ...proof }, holderSign, createDocumentLoader())
  }

  it('verifies a Data Integrity presentation holding every kind of credential', async () => {
    const vp = await presentation([(await issued('eddsa-rdfc-2022')).vc, (await issued('vc-jose')).vc, (await issued('ecdsa-rdfc-2019')).vc])
    const result = await verifyVp({ verifiablePresentation: vp, options: { challenge, domain } })
    expect(result.status).toBe(200)
    expect(result.body, JSON.stringify(result.body.errors)).toMatchObject({ verified: true, errors: [] })
    expect(result.body.results.presentation).toMatchObject({ challenge: { verified: true }, domain: { verified: true }, holder: { verified: true, input: holderDid } })
    expect(result.body.results.credentials.map((c: Json) => c.verified)).toEqual([true, true, true])
  })

  it('verifies a presentation a P-256 holder signed with ecdsa-rdfc-2019 outside the lab, and finds a changed credential in it', async () => {
    const { secretKey, publicKey } = p256.keygen()
    const holder = p256DidKey(publicKey)
    const { vc } = await issued('ecdsa-rdfc-2019')
    const unsigned = { '@context': [CONTEXTS.credentialsV2], type: ['VerifiablePresentation'], holder: holder.did, verifiableCredential: [vc] }
    const vp = await handSignedEcdsa(unsigned, secretKey, holder.verificationMethod, { proofPurpose: 'authentication', challenge, domain })
    const result = await verifyVp({ verifiablePresentation: vp, options: { challenge, domain } })
    expect(result.body, JSON.stringify(result.body.errors)).toMatchObject({ verified: true, errors: [] })
    expect(result.body.results.presentation.holder).toEqual({ verified: true, input: holder.did })

    const changedCredential = { ...vc, credentialSubject: { ...vc.credentialSubject, legal_name: 'Forged Holdings Ltd.' } }
    const resigned = await handSignedEcdsa({ ...unsigned, verifiableCredential: [changedCredential] }, secretKey, holder.verificationMethod, { proofPurpose: 'authentication', challenge, domain })
    const rejected = await verifyVp({ verifiablePresentation: resigned, options: { challenge, domain } })
    expect(rejected.body.verified).toBe(false)
    expect(rejected.body.results.presentation.proof[0].verified).toBe(true)
    expect(rejected.body.errors.map((e: Json) => e.detail)).toContain(
      'verifiableCredential[0]: The ecdsa-rdfc-2019 signature does not match the document: it was changed after signing or signed by another key',
    )
  })

  it('rejects a wrong challenge, a wrong domain and a revoked credential inside (400, a problem, verified false)', async () => {
    const { id, vc } = await issued('eddsa-rdfc-2022')
    const vp = await presentation([vc])
    const wrongChallenge = await verifyVp({ verifiablePresentation: vp, options: { challenge: 'another', domain } })
    // VCALM and the W3C suites: a presentation that does not verify is not a 2xx
    expect(wrongChallenge.status).toBe(400)
    expect(wrongChallenge.contentType).toMatch(/^application\/problem\+json/)
    expect(wrongChallenge.body).toMatchObject({ type: 'https://w3id.org/security#INVALID_CHALLENGE_ERROR', title: 'INVALID_CHALLENGE_ERROR', status: 400, verified: false })
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
    const vpDocument = {
      '@context': [CONTEXTS.credentialsV2],
      type: ['VerifiablePresentation'],
      holder: holderDid,
      verifiableCredential: [(await issued('vc-jose')).vc],
      nonce: challenge,
      aud: domain,
    }
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

describe('issuer keys across a restart', () => {
  it('keeps the P-256 and P-384 did:keys, so ecdsa-rdfc-2019 credentials issued before still verify', async () => {
    const before = bcRegistries.cryptosuites['ecdsa-rdfc-2019']
    const didsBefore = (bcRegistries as Json).dids as Json[]
    expect(didsBefore.map((entry) => entry.key)).toEqual(['Ed25519', 'P-256', 'P-384'])
    const { vc } = await issued('ecdsa-rdfc-2019')
    const port = Number(new URL(issuer.url).port)
    await issuer.close()
    issuer = await startIssuerService({ port, dataDir, database: { engine: 'sqlite', file: join(dataDir, 'issuer.sqlite') }, adminApiKeys: [ADMIN] })
    const { issuers } = (await (await fetch(`${issuer.url}/vc-api/issuers`)).json()) as { issuers: Array<Json> }
    expect(issuers.find((i) => i.key === 'bc-registries')?.cryptosuites['ecdsa-rdfc-2019']).toEqual(before)
    expect(issuers.find((i) => i.key === 'bc-registries')?.dids).toEqual(didsBefore)
    expect((await verify(vc)).body).toMatchObject({ verified: true, controller: before.did })
    const { vc: after } = await issued('ecdsa-rdfc-2019')
    expect(after.proof.verificationMethod).toBe(before.verificationMethod)
  })
})
