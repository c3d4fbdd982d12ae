import { decodeJwt, exportJWK, generateKeyPair, importJWK, type JWK, jwtVerify, SignJWT } from 'jose'
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, LOCAL_ADMIN_API_KEY, serviceConfigFromArgs } from '@interop-lab/common/config'
import { BUSINESS_CLAIMS } from './support/pilotClaims'
import { freePort, type ServiceProcess, startServiceProcess } from './support/serviceProcess'

// `issuer/main.ts --workers 2`: two real issuer processes behind one port (node:cluster) on one SQLite database. Each
// step of an OID4VCI exchange is sent on a kept-alive connection pinned to a chosen worker (the `Interop-Worker`
// header says which answered), so the offer and the credential request are served by different processes: what the
// credential request needs (the offer's session, the pre-authorized code, the one-request claim of the access token)
// must be in the database, not in the memory of the worker that made the offer.

const MATERIAL_DIR = join(import.meta.dirname, 'fixtures/anoncreds/issuers')
const PRE_AUTHORIZED_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code'
type Json = Record<string, any>
type Answer = { status: number; worker?: string; body: Json }

/** One kept-alive connection: every request on it is served by the worker that accepted it. */
function pinnedConnection() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  const send = (method: string, url: string, headers: Record<string, string> = {}, body?: string) =>
    new Promise<Answer>((resolve, reject) => {
      const request = http.request(url, { method, agent, headers: { ...headers, ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          resolve({ status: response.statusCode ?? 0, worker: response.headers['interop-worker'] as string | undefined, body: text ? (JSON.parse(text) as Json) : {} })
        })
      })
      request.on('error', reject)
      request.end(body)
    })
  return {
    get: (url: string) => send('GET', url),
    postJson: (url: string, body: unknown, headers: Record<string, string> = {}) => send('POST', url, { 'content-type': 'application/json', ...headers }, JSON.stringify(body)),
    postForm: (url: string, form: Record<string, string>) => send('POST', url, { 'content-type': 'application/x-www-form-urlencoded' }, new URLSearchParams(form).toString()),
    close: () => agent.destroy(),
  }
}
type Connection = ReturnType<typeof pinnedConnection>

const dataDir = mkdtempSync(join(tmpdir(), 'interop-issuer-workers-'))
let issuer: ServiceProcess
/** A connection to each worker, by worker number ('1', '2'). */
const toWorker = new Map<string, Connection>()

beforeAll(async () => {
  const port = await freePort()
  issuer = await startServiceProcess({
    service: 'issuer',
    port,
    dataDir,
    args: ['--workers', '2', '--anoncreds-material', MATERIAL_DIR],
    env: { PATH: process.env.PATH, INTEROP_ADMIN_API_KEY: LOCAL_ADMIN_API_KEY },
  })
  // the primary hands each new connection to the next worker: open connections until each worker has one that it
  // answers (the second starts once the first is ready, and says 503 until it is)
  const deadline = Date.now() + 90_000
  while (toWorker.size < 2) {
    if (Date.now() > deadline) throw new Error(`The issuer's workers did not both answer within 90 s:\n${issuer.output()}`)
    const connection = pinnedConnection()
    const health = await connection.get(`${issuer.url}/health`)
    if (health.status === 200 && health.worker && !toWorker.has(health.worker)) toWorker.set(health.worker, connection)
    else {
      connection.close()
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}, 150_000)

afterAll(async () => {
  for (const connection of toWorker.values()) connection.close()
  await issuer?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

/** A pre-authorized SD-JWT VC offer made by `maker`, its code exchanged for an access token by `redeemer`. */
async function offerAndToken(maker: Connection, redeemer: Connection) {
  const created = await maker.postJson(
    `${issuer.url}/issuers/bc-registries/offers`,
    { credentialType: 'BusinessRegistrationCredential', format: 'dc+sd-jwt', claims: BUSINESS_CLAIMS },
    { authorization: `Bearer ${LOCAL_ADMIN_API_KEY}` },
  )
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  const offer = (await redeemer.get(new URL(created.body.offerUri).searchParams.get('credential_offer_uri')!)).body
  const credentialIssuer = offer.credential_issuer as string
  const metadata = (await redeemer.get(`${credentialIssuer}/.well-known/openid-credential-issuer`)).body
  const server = (await redeemer.get(`${credentialIssuer}/.well-known/oauth-authorization-server`)).body
  const token = await redeemer.postForm(server.token_endpoint, {
    grant_type: PRE_AUTHORIZED_CODE_GRANT,
    'pre-authorized_code': offer.grants[PRE_AUTHORIZED_CODE_GRANT]['pre-authorized_code'],
    tx_code: created.body.txCode,
  })
  expect(token.status, JSON.stringify(token.body)).toBe(200)
  return { created, token, credentialIssuer, metadata, configurationId: offer.credential_configuration_ids[0] as string, accessToken: token.body.access_token as string }
}

/** A credential request by `requester`, with a key proof (OID4VCI 1.0 Appendix F.1) over a c_nonce it fetched. */
async function requestCredential(requester: Connection, opened: Awaited<ReturnType<typeof offerAndToken>>) {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const jwk = await exportJWK(publicKey)
  const nonce = (await requester.postJson(opened.metadata.nonce_endpoint, {})).body.c_nonce as string
  const proof = await new SignJWT({ nonce }).setProtectedHeader({ alg: 'ES256', typ: 'openid4vci-proof+jwt', jwk }).setAudience(opened.credentialIssuer).setIssuedAt().sign(privateKey)
  const answer = await requester.postJson(
    opened.metadata.credential_endpoint,
    { credential_configuration_id: opened.configurationId, proofs: { jwt: [proof] } },
    { authorization: `Bearer ${opened.accessToken}` },
  )
  return { answer, jwk }
}

describe('issuer with --workers 2 on one SQLite database', () => {
  it('has a kept-alive connection to each of its two worker processes', () => {
    expect([...toWorker.keys()].sort()).toEqual(['1', '2'])
  })

  it.each([
    ['1', '2'],
    ['2', '1'],
  ])('issues on worker %s an offer whose credential request worker %s serves, bound to the proof key', async (first, second) => {
    const [maker, requester] = [toWorker.get(first)!, toWorker.get(second)!]
    const opened = await offerAndToken(maker, maker)
    expect([opened.created.worker, opened.token.worker]).toEqual([first, first])
    const { answer, jwk } = await requestCredential(requester, opened)
    expect(answer.worker).toBe(second)
    expect(answer.status, JSON.stringify(answer.body)).toBe(200)
    const [{ credential }] = answer.body.credentials as { credential: string }[]
    // signed by the jurisdiction's did:jwk, its `iss` (SD-JWT VC §3.5; the header's kid is `#0` in that DID): the key is in the DID itself
    const issuerSigned = credential.split('~')[0]
    const issuerDid = String(decodeJwt(issuerSigned).iss)
    expect(issuerDid).toMatch(/^did:jwk:/)
    const issuerKey = await importJWK(JSON.parse(Buffer.from(issuerDid.slice('did:jwk:'.length), 'base64url').toString('utf8')) as JWK, 'EdDSA')
    const { payload } = await jwtVerify(issuerSigned, issuerKey)
    expect(payload.vct).toMatch(/business-registration/)
    expect((payload.cnf as { jwk: Json }).jwk).toMatchObject({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y })
  })

  it('redeems a pre-authorized code on the worker that did not make the offer, and issues on the first', async () => {
    const [one, two] = [toWorker.get('1')!, toWorker.get('2')!]
    const opened = await offerAndToken(one, two)
    expect([opened.created.worker, opened.token.worker]).toEqual(['1', '2'])
    const { answer } = await requestCredential(one, opened)
    expect([answer.worker, answer.status]).toEqual(['1', 200])
  })

  it("refuses on the other worker a second credential request with an access token that has made one (OID4VCI 1.0 §8.3.1.2 credential_request_denied: the token's claim is in the database)", async () => {
    const [one, two] = [toWorker.get('1')!, toWorker.get('2')!]
    const opened = await offerAndToken(one, one)
    expect((await requestCredential(one, opened)).answer.status).toBe(200)
    const again = await requestCredential(two, opened)
    expect([again.answer.worker, again.answer.status, again.answer.body.error]).toEqual(['2', 400, 'credential_request_denied'])
  })

  it('refuses a DIDComm offer with 409 didcomm_single_process: DIDComm issuance needs --workers 1', async () => {
    const refused = await toWorker
      .get('1')!
      .postJson(
        `${issuer.url}/issuers/bc-registries/offers`,
        { credentialType: 'BusinessRegistrationCredential', format: 'ldp_vc', claims: BUSINESS_CLAIMS },
        { authorization: `Bearer ${LOCAL_ADMIN_API_KEY}` },
      )
    expect([refused.status, refused.body.code]).toEqual([409, 'didcomm_single_process'])
    expect(refused.body.detail).toMatch(/--workers 1/)
  })

  it('takes --workers from 1 to 32 only: 0 or a fraction does not start', () => {
    expect(serviceConfigFromArgs('issuer', 4200, ['--workers', '3'], {}).workers).toBe(3)
    expect(serviceConfigFromArgs('issuer', 4200, [], {}).workers).toBe(1)
    for (const bad of ['0', '1.5', '33', 'two']) expect(() => serviceConfigFromArgs('issuer', 4200, ['--workers', bad], {})).toThrow(ConfigError)
    expect(() => serviceConfigFromArgs('verifier', 4400, ['--workers', '2'], {})).toThrow(/does not take '--workers'/)
  })
})
