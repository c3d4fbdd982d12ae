import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TypedArrayEncoder } from '@credo-ts/core'
import { p256 } from '@noble/curves/nist.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONTEXTS, createDocumentLoader } from '@interop-lab/common/jsonld'
import { CRYPTOSUITES, deriveSdCredential, type ResolveProofKey, verifyDataIntegrityProof } from '@interop-lab/common/vc2'
import type { IssuerService } from '@interop-lab/issuer'
import type { VerifierService } from '@interop-lab/verifier'
import { businessRegistration, validFromOf, VCDM_CONTEXT, type VcdmVersion } from './support/vcdmCredentials'
import { type PeerLoader, peerDerive, peerDocumentLoader, peerIssue, peerKey, peerSignPresentation, peerVerify } from './support/digitalBazaarPeer'
import { startVcApiServices } from './support/vcApiServices'

type Json = Record<string, any>
const vector = (name: string): Json => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures/w3c-vectors', name), 'utf8'))
const loader = createDocumentLoader()

/** The vectors' did:key is P-256 (multicodec 0x1200): its public key, decoded here. */
const resolveP256DidKey: ResolveProofKey = async (verificationMethod) => {
  const did = verificationMethod.split('#')[0]
  const point = p256.Point.fromBytes(TypedArrayEncoder.fromBase58(did.slice('did:key:z'.length)).subarray(2)).toBytes(false)
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url')
  return { publicJwk: { kty: 'EC', crv: 'P-256', x: b64(point.subarray(1, 33)), y: b64(point.subarray(33)) }, controller: did }
}
const verifyProof = (document: Json) => verifyDataIntegrityProof(document, document.proof, CRYPTOSUITES, { purpose: 'assertionMethod' }, resolveP256DidKey, loader)
const withoutProof = ({ proof: _proof, ...unsecured }: Json) => unsecured

describe('ecdsa-sd-2023 fixtures (made by Digital Bazaar with the vc-di-ecdsa SDKeyMaterial key)', () => {
  const base = vector('ecdsa-sd-2023-base.json')
  const derived = vector('ecdsa-sd-2023-derived.json')

  it('derives from the base proof exactly what Digital Bazaar derived, and verifies it', async () => {
    const ours = await deriveSdCredential(withoutProof(base), base.proof, ['/credentialSubject/alumniOf', '/credentialSubject/honours/1'], loader)
    expect(ours).toEqual(derived)
    expect(await verifyProof(derived)).toMatchObject({ verified: true, problems: [], controller: base.issuer })
  })

  it('refuses a changed disclosed value, a removed mandatory claim and an added claim: PROOF_VERIFICATION_ERROR (vc-di-ecdsa Verify Derived Proof)', async () => {
    const changed = { ...derived, credentialSubject: { ...derived.credentialSubject, alumniOf: 'Another School' } }
    const { validFrom: _validFrom, ...withoutMandatory } = derived
    const added = { ...derived, credentialSubject: { ...derived.credentialSubject, name: 'Alex Tremblay' } }
    for (const [name, document] of [
      ['changed', changed],
      ['mandatory removed', withoutMandatory],
      ['claim added', added],
    ] as const) {
      const result = await verifyProof(document)
      expect(result.verified, name).toBe(false)
      expect(result.problems[0], name).toMatchObject({ title: 'PROOF_VERIFICATION_ERROR', property: 'proof.proofValue', detail: expect.stringMatching(/ecdsa-sd-2023/) })
    }
  })

  it('refuses the base proof: it is for the holder (vc-di-ecdsa parseDerivedProofValue: PROOF_VERIFICATION_ERROR)', async () => {
    const result = await verifyProof(base)
    expect(result.verified).toBe(false)
    expect(result.problems[0]).toMatchObject({ title: 'PROOF_VERIFICATION_ERROR', property: 'proof.proofValue', detail: expect.stringMatching(/base proof, which the issuer makes for the holder/) })
  })
})

const ADMIN = 'vc-api-sd-key'
const dataDir = mkdtempSync(join(tmpdir(), 'interop-vc-api-sd-'))
let issuer: IssuerService
let verifier: VerifierService
let bcRegistries: Json
let peerLoader: PeerLoader

async function post(url: string, body: unknown) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` }, body: JSON.stringify(body) })
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: (await response.json()) as Json }
}
const verify = (verifiableCredential: unknown) => post(`${verifier.url}/credentials/verify`, { verifiableCredential })
const issue = (credential: unknown, options?: unknown) => post(`${issuer.url}/credentials/issue`, { credential, ...(options ? { options } : {}) })
const derive = (verifiableCredential: unknown, selectivePointers: string[]) => post(`${issuer.url}/credentials/derive`, { verifiableCredential, options: { selectivePointers } })

beforeAll(async () => {
  ;({ issuer, verifier } = await startVcApiServices(dataDir, ADMIN))
  const directory = (await (await fetch(`${issuer.url}/vc-api/issuers`)).json()) as Json
  bcRegistries = directory.issuers.find((i: Json) => i.key === 'bc-registries')
  peerLoader = peerDocumentLoader(directory.contexts)
})
afterAll(async () => {
  await verifier?.close()
  await issuer?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

function alumniCredential(version: VcdmVersion, issuerDid: string): Json {
  return {
    '@context': [VCDM_CONTEXT[version], CONTEXTS.credentialsExamplesV2, ...(version === '1.1' ? [CONTEXTS.dataIntegrityV2] : [])],
    type: ['VerifiableCredential', 'AlumniCredential'],
    issuer: issuerDid,
    ...validFromOf(version),
    credentialSubject: { id: 'did:example:abcdefgh', name: 'Alex Tremblay', alumniOf: 'The School of Examples', graduationYear: '2019' },
  }
}

async function labBase(version: VcdmVersion, mandatoryPointers: string[] = ['/credentialSubject/business_number']): Promise<Json> {
  const sdIssuer = bcRegistries.cryptosuites['ecdsa-sd-2023']
  const response = await issue(businessRegistration(version, sdIssuer.did), { cryptosuite: 'ecdsa-sd-2023', mandatoryPointers })
  expect(response.status, JSON.stringify(response.body)).toBe(201)
  return response.body.verifiableCredential
}

describe('ecdsa-sd-2023 through the VC API, with Digital Bazaar as the other side', () => {
  for (const version of ['1.1', '2.0'] as const) {
    it(`VCDM ${version}: the lab issues a base proof and derives; Digital Bazaar and the lab verify the derived credential, and refuse the base one`, async () => {
      const base = await labBase(version)
      expect(base.proof).toMatchObject({ type: 'DataIntegrityProof', cryptosuite: 'ecdsa-sd-2023', proofValue: expect.stringMatching(/^u2V0A/) })
      const derived = await derive(base, ['/credentialSubject/legal_name'])
      expect(derived.status, JSON.stringify(derived.body)).toBe(201)
      const vc = derived.body.verifiableCredential
      // what the holder chose, what the holder was told to keep, and what the issuer always keeps
      expect(vc.credentialSubject).toEqual({ id: 'did:example:prairie-widgets', business_number: 'BC1234567', legal_name: 'Prairie Widgets Inc.' })
      expect(vc.credentialStatus).toEqual(base.credentialStatus)
      expect(vc.issuer).toBe(base.issuer)
      const peer = await peerVerify(vc, peerLoader)
      expect(peer.verified, JSON.stringify(peer.error ?? peer.results)).toBe(true)
      const ours = await verify(vc)
      expect(ours.status, JSON.stringify(ours.body.errors)).toBe(200)
      expect(ours.body).toMatchObject({ verified: true, controller: base.issuer, checks: ['proof', 'validity', 'credentialStatus'] })

      const refused = await verify(base)
      expect(refused.status).toBe(400)
      expect(refused.body).toMatchObject({ type: 'https://w3id.org/security#PROOF_VERIFICATION_ERROR', detail: expect.stringMatching(/base proof.*POST \/credentials\/derive/) })
    })

    it(`VCDM ${version}: Digital Bazaar issues a base proof and derives; the lab verifies, and derives from its base proof for Digital Bazaar`, async () => {
      const key = await peerKey('ecdsa-sd-2023', 'P-256')
      const base = await peerIssue(alumniCredential(version, key.did), key, peerLoader, ['/issuer', version === '1.1' ? '/issuanceDate' : '/validFrom'])
      const theirs = await peerDerive(base, ['/credentialSubject/alumniOf'], peerLoader)
      const verified = await verify(theirs)
      expect(verified.status, JSON.stringify(verified.body.errors)).toBe(200)
      expect(verified.body).toMatchObject({ verified: true, controller: key.did })

      const ours = await derive(base, ['/credentialSubject/graduationYear'])
      expect(ours.status, JSON.stringify(ours.body)).toBe(201)
      expect(ours.body.verifiableCredential.credentialSubject).toEqual({ id: 'did:example:abcdefgh', graduationYear: '2019' })
      expect((await peerVerify(ours.body.verifiableCredential, peerLoader)).verified).toBe(true)
    })
  }

  it('refuses a derived credential with a changed disclosed value or without a mandatory claim: 400 PROOF_VERIFICATION_ERROR, the peer agrees', async () => {
    const base = await labBase('2.0')
    const { verifiableCredential: vc } = (await derive(base, ['/credentialSubject/legal_name'])).body
    const changed = { ...vc, credentialSubject: { ...vc.credentialSubject, legal_name: 'Forged Holdings Ltd.' } }
    const { business_number: _mandatory, ...subjectWithout } = vc.credentialSubject
    const withoutMandatory = { ...vc, credentialSubject: subjectWithout }
    for (const [name, tampered] of [
      ['changed value', changed],
      ['mandatory claim removed', withoutMandatory],
    ] as const) {
      const result = await verify(tampered)
      expect(result.status, name).toBe(400)
      expect(result.contentType, name).toMatch(/^application\/problem\+json/)
      expect(result.body, name).toMatchObject({ verified: false, type: 'https://w3id.org/security#PROOF_VERIFICATION_ERROR' })
      expect(result.body.errors[0], name).toMatchObject({ property: 'proof.proofValue', detail: expect.stringMatching(/ecdsa-sd-2023/) })
      expect((await peerVerify(tampered, peerLoader)).verified, name).toBe(false)
    }
  })

  it('verifies a presentation Digital Bazaar signs around a credential the lab derived; the base credential inside one is refused', async () => {
    const base = await labBase('2.0')
    const { verifiableCredential: vc } = (await derive(base, ['/credentialSubject/legal_name'])).body
    const holder = await peerKey('eddsa-rdfc-2022')
    const [challenge, domain] = ['sd-challenge', 'verifier.interop-lab.ca']
    const present = async (credential: Json) =>
      post(`${verifier.url}/presentations/verify`, {
        verifiablePresentation: await peerSignPresentation(
          { '@context': [CONTEXTS.credentialsV2], type: ['VerifiablePresentation'], holder: holder.did, verifiableCredential: [credential] },
          holder,
          challenge,
          domain,
          peerLoader,
        ),
        options: { challenge, domain },
      })
    const accepted = await present(vc)
    expect(accepted.status, JSON.stringify(accepted.body.errors)).toBe(200)
    const refused = await present(base)
    expect(refused.status).toBe(400)
    expect(refused.body.errors.map((p: Json) => p.title)).toContain('PROOF_VERIFICATION_ERROR')
  })

  it('keeps the status entries in every derived credential, so revoking the credential revokes what was derived (Bitstring Status List §3.2)', async () => {
    const base = await labBase('2.0', [])
    const { verifiableCredential: vc } = (await derive(base, ['/credentialSubject/registration_status'])).body
    expect(vc.credentialSubject).toEqual({ id: 'did:example:prairie-widgets', registration_status: 'ACTIVE' })
    expect(vc.credentialStatus).toHaveLength(2)
    expect((await verify(vc)).status).toBe(200)
    const revoked = await post(`${issuer.url}/credentials/status`, { credentialId: base.id, credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation' } })
    expect(revoked.status).toBe(200)
    expect((await verify(vc)).body).toMatchObject({ title: 'CREDENTIAL_REVOKED', verified: false })
  })

  it('answers malformed issue and derive requests with the problem that names what to fix', async () => {
    const p256 = bcRegistries.cryptosuites['ecdsa-sd-2023'].did
    const wrongSuite = await issue(businessRegistration('2.0', p256), { cryptosuite: 'ecdsa-rdfc-2019', mandatoryPointers: ['/issuer'] })
    expect(wrongSuite.body).toMatchObject({
      title: 'MALFORMED_VALUE_ERROR',
      property: 'options.mandatoryPointers',
      detail: expect.stringMatching(/selective-disclosure cryptosuite \(options.cryptosuite: ecdsa-sd-2023\)/),
    })
    const nowhere = await issue(businessRegistration('2.0', p256), { cryptosuite: 'ecdsa-sd-2023', mandatoryPointers: ['/credentialSubject/nickname'] })
    expect(nowhere.body).toMatchObject({ title: 'MALFORMED_VALUE_ERROR', detail: expect.stringMatching(/'\/credentialSubject\/nickname' name nothing in the credential/) })
    const ed25519 = await issue(businessRegistration('2.0', bcRegistries.did), { cryptosuite: 'ecdsa-sd-2023' })
    expect(ed25519.body.detail).toMatch(`for ecdsa-sd-2023, put the same issuer's DID ${p256} in credential.issuer`)

    const base = await labBase('2.0')
    const unknownPointer = await derive(base, ['/credentialSubject/nickname'])
    expect(unknownPointer.body).toMatchObject({ title: 'MALFORMED_VALUE_ERROR', property: 'options.selectivePointers' })
    const { verifiableCredential: derived } = (await derive(base, [])).body
    const again = await derive(derived, [])
    expect(again.status).toBe(400)
    expect(again.body.detail).toMatch(/no ecdsa-sd-2023 base proof to derive from/)
    const option = await post(`${issuer.url}/credentials/derive`, { verifiableCredential: base, options: { proofId: 'x' } })
    expect(option.body).toMatchObject({ title: 'UNKNOWN_OPTION_PROVIDED' })
  })
})

describe('P-384 issuance', () => {
  it('gives each jurisdiction a P-384 did:key (z82…) for ecdsa-rdfc-2019 and ecdsa-jcs-2019, listed in /vc-api/issuers', () => {
    const p384 = bcRegistries.dids.find((entry: Json) => entry.key === 'P-384')
    expect(p384).toMatchObject({ did: expect.stringMatching(/^did:key:z82/), cryptosuites: ['ecdsa-rdfc-2019', 'ecdsa-jcs-2019'] })
    expect(p384.verificationMethod).toBe(`${p384.did}#${p384.did.slice('did:key:'.length)}`)
    expect(bcRegistries.dids.map((entry: Json) => entry.key)).toEqual(['Ed25519', 'P-256', 'P-384'])
  })

  for (const version of ['1.1', '2.0'] as const) {
    for (const suite of ['ecdsa-rdfc-2019', 'ecdsa-jcs-2019']) {
      it(`VCDM ${version}, ${suite} with the P-384 key: a 96-byte signature Digital Bazaar verifies, and not once changed`, async () => {
        const p384 = bcRegistries.dids.find((entry: Json) => entry.key === 'P-384')
        const response = await issue(businessRegistration(version, p384.did), { cryptosuite: suite })
        expect(response.status, JSON.stringify(response.body)).toBe(201)
        const vc = response.body.verifiableCredential
        expect(vc.proof).toMatchObject({ cryptosuite: suite, verificationMethod: p384.verificationMethod })
        expect(TypedArrayEncoder.fromBase58(vc.proof.proofValue.slice(1))).toHaveLength(96)
        const peer = await peerVerify(vc, peerLoader)
        expect(peer.verified, JSON.stringify(peer.error ?? peer.results)).toBe(true)
        const tampered = { ...vc, credentialSubject: { ...vc.credentialSubject, legal_name: 'Forged Holdings Ltd.' } }
        expect((await peerVerify(tampered, peerLoader)).verified).toBe(false)
        expect((await verify(vc)).body).toMatchObject({ verified: true, controller: p384.did })
      })
    }
  }

  it('refuses ecdsa-sd-2023 with the P-384 key, naming the P-256 DID that makes it', async () => {
    const p384 = bcRegistries.dids.find((entry: Json) => entry.key === 'P-384')
    const response = await issue(businessRegistration('2.0', p384.did), { cryptosuite: 'ecdsa-sd-2023' })
    expect(response.status).toBe(400)
    expect(response.body.detail).toMatch(`for ecdsa-sd-2023, put the same issuer's DID ${bcRegistries.cryptosuites['ecdsa-sd-2023'].did} in credential.issuer`)
  })
})
