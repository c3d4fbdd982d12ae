import { type Agent, ClaimFormat, W3cCredential, W3cCredentialSubject, W3cIssuer, W3cJwtVerifiableCredential, W3cPresentation, w3cDate } from '@credo-ts/core'
import express from 'express'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAgent } from '@interop-lab/common/agent'
import { createApp, finishApp, listen, type Listening } from '@interop-lab/common/http'
import {
  BitstringStatusCheckModule,
  bitAt,
  bitstringStatusEntry,
  checkBitstringStatus,
  checkTokenStatus,
  decodeBitstring,
  decodeTokenStatusList,
  encodeBitstring,
  encodeTokenStatusList,
  MIN_BITSTRING_BITS,
  StatusCheckError,
  tokenStatusClaim,
  w3cCredentialStatus,
} from '@interop-lab/common/status'
import { createStatusRouter, credoJwtSigner, type StatusAllocation, statusListMigrations, StatusListService } from '@interop-lab/issuer/status'

// Death notification: the registry revokes a credential when the registration is corrected.
const VCT = 'https://interop.example.ca/vct/DeathNotification'
const deathClaims = { registration_number: 'ON-2024-0001', deceased_family_name: 'Tremblay', date_of_death: '2024-03-02' }

const dataDir = mkdtempSync(join(tmpdir(), 'interop-status-'))
const startIssuerAgent = () => createAgent({ database: { engine: 'sqlite', file: join(dataDir, 'issuer.sqlite') }, dataDir: join(dataDir, 'issuer'), modules: {}, migrations: statusListMigrations })
// a verifier is its own agent: it resolves the issuer's did:jwk and checks W3C status through the module
const startVerifierAgent = () =>
  createAgent({
    database: { engine: 'sqlite', file: join(dataDir, 'verifier.sqlite') },
    dataDir: join(dataDir, 'verifier'),
    modules: { bitstringStatus: new BitstringStatusCheckModule() },
    // the issuer's lists are served over plain http on loopback
    allowInsecureHttp: true,
  })
let issuerStack: Awaited<ReturnType<typeof startIssuerAgent>>
let verifierStack: Awaited<ReturnType<typeof startVerifierAgent>>
let issuer: Agent
let verifier: Agent
let issuerDid: string
let issuerKid: string
let service: StatusListService
let server: Listening
/** Serves whatever `tamper` returns for a status request, for the negative cases. */
let tamperServer: Listening
let tamper: (path: string) => Promise<string>

async function newDid(agent: Agent) {
  const created = await agent.dids.create({ method: 'jwk', options: { createKey: { type: { kty: 'OKP', crv: 'Ed25519' } } } })
  const did = created.didState.did
  if (!did) throw new Error('no DID')
  return { did, kid: `${did}#0` }
}

beforeAll(async () => {
  issuerStack = await startIssuerAgent()
  verifierStack = await startVerifierAgent()
  issuer = issuerStack.agent
  verifier = verifierStack.agent
  ;({ did: issuerDid, kid: issuerKid } = await newDid(issuer))

  const app = createApp()
  server = await listen(app)
  service = new StatusListService({ db: issuerStack.db, baseUrl: server.url, signerFor: (list) => credoJwtSigner(issuer.context, list.kid) })
  app.use(createStatusRouter(service))
  finishApp(app)

  const tamperApp = express()
  tamperApp.get('/{*path}', (req, res, next) => {
    tamper(req.path).then((body) => res.type('application/statuslist+jwt').send(body), next)
  })
  tamperServer = await listen(tamperApp)
})

afterAll(async () => {
  await tamperServer?.close()
  await server?.close()
  await verifierStack?.shutdown()
  await issuerStack?.shutdown()
  rmSync(dataDir, { recursive: true, force: true })
})

const jwtPart = (jwt: string, part: 0 | 1) => JSON.parse(Buffer.from(jwt.split('.')[part], 'base64url').toString()) as Record<string, unknown>
const withPayload = (jwt: string, change: (payload: Record<string, unknown>) => void) => {
  const [header, , signature] = jwt.split('.')
  const payload = jwtPart(jwt, 1)
  change(payload)
  return `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`
}

async function issueSdJwt(status: { idx: number; uri: string }) {
  const { compact } = await issuer.sdJwtVc.sign({
    payload: { vct: VCT, ...deathClaims, status: tokenStatusClaim(status) },
    issuer: { method: 'did', didUrl: issuerKid },
    disclosureFrame: { _sd: Object.keys(deathClaims) },
  })
  return compact
}

const verifySdJwt = (compactSdJwtVc: string) => verifier.sdJwtVc.verify({ compactSdJwtVc })
const tokenStatusOf = async (compact: string) => {
  const { header, payload } = verifier.sdJwtVc.fromCompact(compact)
  return checkTokenStatus(verifier.context, { header, payload })
}
const statusCheckError = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => (error instanceof StatusCheckError ? error.code : `not a StatusCheckError: ${String(error)}`),
  )

describe('status list encoding', () => {
  it('reproduces the IETF draft examples for 1 and 2 bits per status', () => {
    const oneBit = Uint8Array.from([1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1])
    expect(encodeTokenStatusList(oneBit, 1)).toEqual({ bits: 1, lst: 'eNrbuRgAAhcBXQ' })
    const twoBits = Uint8Array.from([1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3])
    expect(encodeTokenStatusList(twoBits, 2)).toEqual({ bits: 2, lst: 'eNo76fITAAPfAgc' })
    expect(decodeTokenStatusList({ bits: 2, lst: 'eNo76fITAAPfAgc' })).toEqual(twoBits)
    expect(() => encodeTokenStatusList(Uint8Array.from([2]), 1)).toThrow(/does not fit/)
  })

  it('puts W3C index 0 in the left-most bit and pads the bitstring to 16 KiB', () => {
    const bytes = decodeBitstring(encodeBitstring([0, 9, 131_071], 16))
    expect(bytes.length * 8).toBe(MIN_BITSTRING_BITS)
    expect([bytes[0], bytes[1], bytes[bytes.length - 1]]).toEqual([0x80, 0x40, 0x01])
    expect([0, 1, 9, 131_071].map((i) => bitAt(bytes, i))).toEqual([true, false, true, true])
    expect(() => bitAt(bytes, MIN_BITSTRING_BITS)).toThrow(/outside/)
    expect(() => decodeBitstring('zNotMultibaseBase64url')).toThrow(/multibase/)
  })
})

describe('status list store', () => {
  it('hands out every index of a list once, in no particular order, then refuses', async () => {
    const list = await service.createList({ issuer: issuerDid, kid: issuerKid, size: 64, bitsPerStatus: 1 })
    const indexes: number[] = []
    for (let i = 0; i < 64; i++) indexes.push((await service.allocate(list.id, `cred-${i}`)).idx)
    expect(new Set(indexes).size).toBe(64)
    expect([...indexes].sort((a, b) => a - b)).toEqual([...Array(64).keys()])
    expect(indexes).not.toEqual([...Array(64).keys()])
    await expect(service.allocate(list.id)).rejects.toMatchObject({ kind: 'conflict', code: 'status_list_full' })
  })

  it('rejects bad lists, unknown entries and impossible transitions with domain errors (answered as 4xx at the edge)', async () => {
    await expect(service.createList({ issuer: issuerDid, kid: issuerKid, size: 100 })).rejects.toMatchObject({ kind: 'invalid', code: 'invalid_list_size' })
    const oneBit = await service.createList({ issuer: issuerDid, kid: issuerKid, size: 16, bitsPerStatus: 1 })
    const { idx } = await service.allocate(oneBit.id)
    await expect(service.setStatus(oneBit.id, idx, 'suspended')).rejects.toMatchObject({ kind: 'invalid', code: 'suspension_not_supported' })
    await expect(service.setStatus(oneBit.id, (idx + 1) % 16, 'revoked')).rejects.toMatchObject({ kind: 'not-found', code: 'unknown_status_entry' })
    for (const bogus of ['cancelled', 'constructor']) await expect(service.setStatus(oneBit.id, idx, bogus as never)).rejects.toMatchObject({ kind: 'invalid', code: 'invalid_status' })
    await service.setStatus(oneBit.id, idx, 'revoked')
    await expect(service.setStatus(oneBit.id, idx, 'valid')).rejects.toMatchObject({ kind: 'conflict', code: 'status_final' })
    await expect(service.allocate('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ kind: 'not-found', code: 'unknown_status_list' })
  })

  it('finds a credential’s indexes from the issuer’s own reference', async () => {
    const list = await service.createList({ issuer: issuerDid, kid: issuerKid })
    const allocation = await service.allocate(list.id, 'death-registration:ON-2024-0001')
    await service.setStatus(list.id, allocation.idx, 'suspended')
    expect(await service.allocationsFor('death-registration:ON-2024-0001')).toEqual([{ ...allocation, status: 'suspended' }])
    expect(await service.allocationsFor('nobody')).toEqual([])
  })
})

describe('status publication over HTTP', () => {
  it('serves a signed statuslist+jwt whose list decodes to the recorded statuses', async () => {
    const list = await service.createList({ issuer: issuerDid, kid: issuerKid })
    const revoked = await service.allocate(list.id)
    const suspended = await service.allocate(list.id)
    const valid = await service.allocate(list.id)
    await service.setStatus(list.id, revoked.idx, 'revoked')
    await service.setStatus(list.id, suspended.idx, 'suspended')

    const response = await fetch(revoked.uri)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('application/statuslist+jwt')
    const jwt = await response.text()
    expect(jwtPart(jwt, 0)).toMatchObject({ typ: 'statuslist+jwt', alg: 'EdDSA', kid: issuerKid })
    const payload = jwtPart(jwt, 1)
    expect(payload).toMatchObject({ sub: revoked.uri, iss: issuerDid, ttl: 300 })
    expect(payload.exp).toBeGreaterThan(payload.iat as number)
    const values = decodeTokenStatusList(payload.status_list as { bits: 2; lst: string })
    expect(values.length).toBe(131_072)
    expect([values[revoked.idx], values[suspended.idx], values[valid.idx]]).toEqual([1, 2, 0])
    expect(values.reduce((n, v) => n + (v ? 1 : 0), 0)).toBe(2)
  })

  it('serves one bitstring credential per purpose', async () => {
    const list = await service.createList({ issuer: issuerDid, kid: issuerKid })
    const revoked = await service.allocate(list.id)
    const suspended = await service.allocate(list.id)
    await service.setStatus(list.id, revoked.idx, 'revoked')
    await service.setStatus(list.id, suspended.idx, 'suspended')
    for (const [url, purpose, setIndex, clearIndex] of [
      [revoked.bitstringUri, 'revocation', revoked.idx, suspended.idx],
      [service.bitstringUri(list.id, 'suspension'), 'suspension', suspended.idx, revoked.idx],
    ] as const) {
      const response = await fetch(url)
      expect(response.headers.get('content-type')).toContain('application/vc+jwt')
      const payload = jwtPart(await response.text(), 1)
      const subject = (payload.vc as { credentialSubject: { statusPurpose: string; encodedList: string } }).credentialSubject
      expect(payload).toMatchObject({ iss: issuerDid, jti: url })
      expect(subject.statusPurpose).toBe(purpose)
      const bits = decodeBitstring(subject.encodedList)
      expect([bitAt(bits, setIndex), bitAt(bits, clearIndex)]).toEqual([true, false])
    }
  })

  it('answers unknown or malformed list ids with 404 and no crash', async () => {
    for (const path of ['/status/token/00000000-0000-4000-8000-000000000000', '/status/token/not-a-uuid', '/status/bitstring/%E0%A4%A', '/status/bitstring/x/suspension']) {
      const response = await fetch(`${server.url}${path}`)
      expect(response.status, path).toBeGreaterThanOrEqual(400)
      expect(response.status, path).toBeLessThan(500)
    }
    const unknown = await fetch(`${server.url}/status/token/00000000-0000-4000-8000-000000000000`)
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toMatchObject({ error: 'unknown_status_list' })
  })
})

describe('SD-JWT VC status through Credo', () => {
  let list: { id: string }
  beforeAll(async () => {
    list = await service.createList({ issuer: issuerDid, kid: issuerKid })
  })

  it('verifies while valid and fails once the registration is corrected (revoked)', async () => {
    const allocation = await service.allocate(list.id, 'death-registration:ON-2024-0002')
    const credential = await issueSdJwt(allocation)
    expect((await verifySdJwt(credential)).isValid).toBe(true)
    expect(await tokenStatusOf(credential)).toMatchObject({ status: 'valid', value: 0, idx: allocation.idx, uri: allocation.uri })

    await service.setStatus(list.id, allocation.idx, 'revoked')
    const result = await verifySdJwt(credential)
    expect(result.isValid).toBe(false)
    expect(String(result.isValid ? '' : result.error?.message)).toMatch(/Status is not valid/)
    expect(await tokenStatusOf(credential)).toMatchObject({ status: 'revoked', value: 1 })
  })

  it('fails while suspended and verifies again once reinstated', async () => {
    const allocation = await service.allocate(list.id)
    const credential = await issueSdJwt(allocation)
    await service.setStatus(list.id, allocation.idx, 'suspended')
    expect((await verifySdJwt(credential)).isValid).toBe(false)
    expect(await tokenStatusOf(credential)).toMatchObject({ status: 'suspended', value: 2 })
    await service.setStatus(list.id, allocation.idx, 'valid')
    expect((await verifySdJwt(credential)).isValid).toBe(true)
    expect(await tokenStatusOf(credential)).toMatchObject({ status: 'valid' })
  })

  describe('a status list that is not the issuer’s', () => {
    let revoked: StatusAllocation
    let credential: string
    beforeAll(async () => {
      revoked = await service.allocate(list.id)
      await service.setStatus(list.id, revoked.idx, 'revoked')
      // the credential points at the tampering server, which relays or alters the genuine list
      credential = await issueSdJwt({ idx: revoked.idx, uri: `${tamperServer.url}/status/token/${list.id}` })
    })

    it('is rejected when its list was altered to say "valid"', async () => {
      tamper = async () =>
        withPayload(await service.statusListToken(list.id), (payload) => {
          payload.status_list = encodeTokenStatusList(new Uint8Array(131_072), 2)
          payload.sub = `${tamperServer.url}/status/token/${list.id}`
        })
      const result = await verifySdJwt(credential)
      expect(result.isValid).toBe(false)
      expect(String(result.isValid ? '' : result.error?.message)).toMatch(/Status List JWT verification failed/)
      expect(await statusCheckError(tokenStatusOf(credential))).toBe('status_list_signature_invalid')
    })

    it('is rejected when signed by another key', async () => {
      const impostor = await newDid(issuer)
      const sign = await credoJwtSigner(issuer.context, impostor.kid)
      tamper = async () => {
        const genuine = jwtPart(await service.statusListToken(list.id), 1)
        return sign({ typ: 'statuslist+jwt' }, { ...genuine, sub: `${tamperServer.url}/status/token/${list.id}`, status_list: encodeTokenStatusList(new Uint8Array(131_072), 2) })
      }
      expect((await verifySdJwt(credential)).isValid).toBe(false)
      expect(await statusCheckError(tokenStatusOf(credential))).toBe('status_list_signature_invalid')
    })

    it('is caught by checkTokenStatus when it is another URI’s list or has the wrong typ', async () => {
      tamper = async () => service.statusListToken(list.id) // genuine, but its sub is the issuer's own URI
      expect(await statusCheckError(tokenStatusOf(credential))).toBe('status_list_mismatch')
      const sign = await credoJwtSigner(issuer.context, issuerKid)
      tamper = async () => sign({ typ: 'JWT' }, { ...jwtPart(await service.statusListToken(list.id), 1), sub: `${tamperServer.url}/status/token/${list.id}` })
      expect(await statusCheckError(tokenStatusOf(credential))).toBe('status_list_invalid')
      tamper = async () => 'not a jwt'
      expect((await verifySdJwt(credential)).isValid).toBe(false)
      expect(await statusCheckError(tokenStatusOf(credential))).toBe('status_list_invalid')
    })

    it('is rejected when the list cannot be fetched', async () => {
      const gone = await issueSdJwt({ idx: 0, uri: `${server.url}/status/token/00000000-0000-4000-8000-000000000000` })
      expect((await verifySdJwt(gone)).isValid).toBe(false)
      expect(await statusCheckError(tokenStatusOf(gone))).toBe('status_list_unavailable')
    })
  })
})

describe('W3C JWT VC status (Bitstring Status List)', () => {
  let list: { id: string }
  let holder: { did: string; kid: string }
  beforeAll(async () => {
    list = await service.createList({ issuer: issuerDid, kid: issuerKid })
    holder = await newDid(verifier)
  })

  async function issueW3c(statusListCredential: string, idx: number, purpose: 'revocation' | 'suspension' = 'revocation') {
    const signed = await issuer.w3cCredentials.signCredential<ClaimFormat.JwtVc>({
      format: ClaimFormat.JwtVc,
      alg: 'EdDSA',
      verificationMethod: issuerKid,
      credential: new W3cCredential({
        type: ['VerifiableCredential', 'DeathNotificationCredential'],
        issuer: new W3cIssuer({ id: issuerDid }),
        issuanceDate: w3cDate(Date.now() - 1000),
        credentialSubject: new W3cCredentialSubject({ id: holder.did, claims: deathClaims }),
        credentialStatus: w3cCredentialStatus(bitstringStatusEntry(idx, statusListCredential, purpose)),
      }),
    })
    return signed.serializedJwt
  }
  const statusOf = (jwt: string) => checkBitstringStatus(verifier.context, (jwtPart(jwt, 1).vc as { credentialStatus: unknown }).credentialStatus, { issuer: issuerDid })

  async function verifyAsPresentation(credentialJwt: string) {
    const presentation = await verifier.w3cCredentials.signPresentation<ClaimFormat.JwtVp>({
      format: ClaimFormat.JwtVp,
      alg: 'EdDSA',
      verificationMethod: holder.kid,
      challenge: 'nonce-1',
      presentation: new W3cPresentation({ holder: holder.did, verifiableCredential: [W3cJwtVerifiableCredential.fromSerializedJwt(credentialJwt)] }),
    })
    return verifier.w3cCredentials.verifyPresentation({ presentation: presentation.serializedJwt, challenge: 'nonce-1' })
  }

  it('carries the full BitstringStatusListEntry in the signed credential', async () => {
    const allocation = await service.allocate(list.id)
    const jwt = await issueW3c(allocation.bitstringUri, allocation.idx)
    expect((jwtPart(jwt, 1).vc as { credentialStatus: unknown }).credentialStatus).toEqual({
      id: `${allocation.bitstringUri}#${allocation.idx}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: String(allocation.idx),
      statusListCredential: allocation.bitstringUri,
    })
    // plain Credo 0.6.3 refuses any JWT VC with credentialStatus; the module is what makes it verifiable
    const plain = await issuer.w3cCredentials.verifyCredential({ credential: jwt })
    expect(plain.isValid).toBe(false)
    expect(plain.validations.credentialStatus?.error?.message).toMatch(/not supported for JWT VCs/)
  })

  it('verifies while valid and detects revocation, also inside a presentation', async () => {
    const allocation = await service.allocate(list.id, 'death-registration:ON-2024-0003')
    const jwt = await issueW3c(allocation.bitstringUri, allocation.idx)
    expect(await statusOf(jwt)).toEqual({
      status: 'valid',
      entries: [{ purpose: 'revocation', index: allocation.idx, statusListCredential: allocation.bitstringUri, set: false }],
    })
    expect((await verifier.w3cCredentials.verifyCredential({ credential: jwt })).isValid).toBe(true)
    expect((await verifyAsPresentation(jwt)).isValid).toBe(true)

    await service.setStatus(list.id, allocation.idx, 'revoked')
    expect((await statusOf(jwt)).status).toBe('revoked')
    const result = await verifier.w3cCredentials.verifyCredential({ credential: jwt })
    expect(result.isValid).toBe(false)
    expect(result.validations.credentialStatus?.error?.message).toBe('Credential status is revoked')
    expect((await verifyAsPresentation(jwt)).isValid).toBe(false)
    expect((await verifier.w3cCredentials.verifyCredential({ credential: jwt, verifyCredentialStatus: false })).isValid).toBe(true)
  })

  it('tracks suspension through the suspension list', async () => {
    const allocation = await service.allocate(list.id)
    const jwt = await issueW3c(service.bitstringUri(list.id, 'suspension'), allocation.idx, 'suspension')
    await service.setStatus(list.id, allocation.idx, 'suspended')
    expect((await statusOf(jwt)).status).toBe('suspended')
    expect((await verifier.w3cCredentials.verifyCredential({ credential: jwt })).isValid).toBe(false)
    await service.setStatus(list.id, allocation.idx, 'valid')
    expect((await statusOf(jwt)).status).toBe('valid')
    expect((await verifier.w3cCredentials.verifyCredential({ credential: jwt })).isValid).toBe(true)
  })

  it('rejects altered, foreign, mismatched or unsupported status lists', async () => {
    const allocation = await service.allocate(list.id)
    await service.setStatus(list.id, allocation.idx, 'revoked')
    const tampered = await issueW3c(`${tamperServer.url}/bitstring/${list.id}`, allocation.idx)

    tamper = async () =>
      withPayload(await service.bitstringStatusListCredential(list.id), (payload) => {
        payload.jti = `${tamperServer.url}/bitstring/${list.id}`
        ;(payload.vc as { credentialSubject: { encodedList: string } }).credentialSubject.encodedList = encodeBitstring([], MIN_BITSTRING_BITS)
      })
    expect(await statusCheckError(statusOf(tampered))).toBe('status_list_signature_invalid')
    expect((await verifier.w3cCredentials.verifyCredential({ credential: tampered })).isValid).toBe(false)

    const impostor = await newDid(issuer)
    const sign = await credoJwtSigner(issuer.context, impostor.kid)
    tamper = async () => {
      const genuine = jwtPart(await service.bitstringStatusListCredential(list.id), 1)
      const vc = genuine.vc as { credentialSubject: { encodedList: string } }
      vc.credentialSubject.encodedList = encodeBitstring([], MIN_BITSTRING_BITS)
      return sign({ typ: 'JWT' }, { ...genuine, iss: impostor.did, jti: `${tamperServer.url}/bitstring/${list.id}` })
    }
    expect(await statusCheckError(statusOf(tampered))).toBe('status_list_mismatch')

    tamper = async () => service.bitstringStatusListCredential(list.id) // genuine, but published for another URL
    expect(await statusCheckError(statusOf(tampered))).toBe('status_list_mismatch')

    const wrongPurpose = await issueW3c(allocation.bitstringUri, allocation.idx, 'suspension')
    expect(await statusCheckError(statusOf(wrongPurpose))).toBe('status_list_mismatch')

    const outside = await issueW3c(allocation.bitstringUri, MIN_BITSTRING_BITS)
    expect(await statusCheckError(statusOf(outside))).toBe('status_list_invalid')

    expect(await statusCheckError(checkBitstringStatus(verifier.context, { type: 'StatusList2021Entry' }))).toBe('unsupported_status')
    expect(await statusCheckError(checkBitstringStatus(verifier.context, { ...bitstringStatusEntry(1, allocation.bitstringUri), statusListIndex: '-1' }))).toBe('invalid_status_reference')
    expect(await statusCheckError(checkBitstringStatus(verifier.context, bitstringStatusEntry(1, 'ftp://example.org/list')))).toBe('invalid_status_reference')
  })
})
