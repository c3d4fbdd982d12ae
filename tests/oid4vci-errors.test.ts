import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL_ADMIN_API_KEY } from '@interop-lab/common/config'
import { type IssuerService, startIssuerService } from '@interop-lab/issuer'
import { loadPersonas, startWalletService } from '@interop-lab/wallet-sim'
import { freePort } from './support/serviceProcess'
import { BUSINESS_CLAIMS } from './support/pilotClaims'

// OID4VCI 1.0 final error behaviour of the issuer, over HTTP against the real issuer service, as a wallet written with
// jose sends it: every client mistake is a 4xx in the OAuth error format naming the clause, and leaves the offer open.

const MATERIAL_DIR = join(import.meta.dirname, 'fixtures/anoncreds/issuers')
const PRE_AUTHORIZED_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code'
const admin = { 'content-type': 'application/json', authorization: `Bearer ${LOCAL_ADMIN_API_KEY}` }

type Json = Record<string, any>
const dataDir = mkdtempSync(join(tmpdir(), 'interop-oid4vci-errors-'))
let issuer: IssuerService
beforeAll(async () => {
  issuer = await startIssuerService({ dataDir, database: { engine: 'sqlite', file: join(dataDir, 'issuer.sqlite') }, adminApiKeys: [LOCAL_ADMIN_API_KEY], anonCredsMaterialDir: MATERIAL_DIR })
})
afterAll(async () => {
  await issuer?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

async function call(url: string, init: RequestInit) {
  const response = await fetch(url, init)
  return { status: response.status, headers: response.headers, body: (await response.json().catch(() => undefined)) as Json }
}

/** A pre-authorized offer of BC Registries, opened as a wallet does (OID4VCI 1.0 §4.1, §12.2). */
async function openOffer(format: 'dc+sd-jwt' | 'jwt_vc_json' = 'dc+sd-jwt', issuerKey = 'bc-registries') {
  const created = await call(`${issuer.url}/issuers/${issuerKey}/offers`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ credentialType: 'BusinessRegistrationCredential', format, claims: { ...BUSINESS_CLAIMS, business_number: `BC${Date.now()}` } }),
  })
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  const credentialOfferUri = new URL(created.body.offerUri).searchParams.get('credential_offer_uri')!
  const offer = await (await fetch(credentialOfferUri)).json()
  const credentialIssuer = offer.credential_issuer as string
  const issuerMetadata = await (await fetch(`${credentialIssuer}/.well-known/openid-credential-issuer`)).json()
  const serverMetadata = await (await fetch(`${credentialIssuer}/.well-known/oauth-authorization-server`)).json()
  return {
    offerId: created.body.offerId as string,
    credentialOfferUri,
    txCode: created.body.txCode as string,
    credentialIssuer,
    configurationId: offer.credential_configuration_ids[0] as string,
    preAuthorizedCode: offer.grants[PRE_AUTHORIZED_CODE_GRANT]['pre-authorized_code'] as string,
    tokenEndpoint: serverMetadata.token_endpoint as string,
    credentialEndpoint: issuerMetadata.credential_endpoint as string,
    nonceEndpoint: issuerMetadata.nonce_endpoint as string,
  }
}
type Opened = Awaited<ReturnType<typeof openOffer>>

const requestToken = (opened: Opened, extra: Record<string, string> = {}) =>
  call(opened.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: PRE_AUTHORIZED_CODE_GRANT, 'pre-authorized_code': opened.preAuthorizedCode, tx_code: opened.txCode, ...extra }),
  })
async function accessToken(opened: Opened): Promise<string> {
  const token = await requestToken(opened)
  expect(token.status, JSON.stringify(token.body)).toBe(200)
  return token.body.access_token
}
const freshNonce = async (nonceEndpoint: string) => ((await (await fetch(nonceEndpoint, { method: 'POST' })).json()) as { c_nonce: string }).c_nonce

/** A key proof (OID4VCI 1.0 Appendix F.1) by a fresh P-256 key, named by a bare `jwk` or by a did:jwk `kid`. */
async function keyProof(opened: Opened, nonce: string, keyBy: 'jwk' | 'did:jwk' = 'jwk') {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const jwk: JWK = await exportJWK(publicKey)
  const didJwk = `did:jwk:${Buffer.from(JSON.stringify(jwk)).toString('base64url')}`
  const header = keyBy === 'jwk' ? { jwk } : { kid: `${didJwk}#0` }
  return new SignJWT({ nonce })
    .setProtectedHeader({ alg: 'ES256', typ: 'openid4vci-proof+jwt', ...header })
    .setAudience(opened.credentialIssuer)
    .setIssuedAt()
    .sign(privateKey)
}
const requestCredential = (opened: Opened, token: string, body: unknown) =>
  call(opened.credentialEndpoint, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) })
const withProof = async (opened: Opened, keyBy: 'jwk' | 'did:jwk' = 'jwk') => ({ proofs: { jwt: [await keyProof(opened, await freshNonce(opened.nonceEndpoint), keyBy)] } })

/** The offer survived the refusal: the same token still gets its one credential. */
async function expectStillIssues(opened: Opened, token: string, keyBy: 'jwk' | 'did:jwk' = 'jwk') {
  const issued = await requestCredential(opened, token, { credential_configuration_id: opened.configurationId, ...(await withProof(opened, keyBy)) })
  expect(issued.status, JSON.stringify(issued.body)).toBe(200)
  expect(issued.body.credentials).toHaveLength(1)
}

describe('credential request errors (OID4VCI 1.0 §8.3.1.2), and the offer stays open', () => {
  it('answers an unknown credential configuration with 400 unknown_credential_configuration', async () => {
    const opened = await openOffer()
    const token = await accessToken(opened)
    const refused = await requestCredential(opened, token, { credential_configuration_id: 'NoSuchCredential_dc+sd-jwt', ...(await withProof(opened)) })
    expect([refused.status, refused.body.error]).toEqual([400, 'unknown_credential_configuration'])
    expect(refused.body.error_description).toMatch(/§8\.3\.1\.2.*NoSuchCredential_dc\+sd-jwt/)
    await expectStillIssues(opened, token)
  })

  it('answers a configuration the token was not granted for with 403 insufficient_scope (§8.3.1.1, RFC 6750 §3.1)', async () => {
    const opened = await openOffer()
    const token = await accessToken(opened)
    const refused = await requestCredential(opened, token, { credential_configuration_id: 'BusinessRegistrationCredential_jwt_vc_json', ...(await withProof(opened)) })
    expect([refused.status, refused.body.error]).toEqual([403, 'insufficient_scope'])
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer error="insufficient_scope"/)
    await expectStillIssues(opened, token)
  })

  it('refuses a jwt_vc_json proof naming its key by a bare jwk with 400 invalid_proof (cryptographic_binding_methods_supported is did:key, did:jwk), then issues to a did:jwk kid', async () => {
    const opened = await openOffer('jwt_vc_json')
    const token = await accessToken(opened)
    const refused = await requestCredential(opened, token, { credential_configuration_id: opened.configurationId, ...(await withProof(opened, 'jwk')) })
    expect([refused.status, refused.body.error]).toEqual([400, 'invalid_proof'])
    expect(refused.body.error_description).toMatch(/names its key by jwk; .* binds credentials to did:key, did:jwk only \(cryptographic_binding_methods_supported, OID4VCI 1\.0 §12\.2\.4\)/)
    await expectStillIssues(opened, token, 'did:jwk')
  })

  // Credo's rule, checked by the issuer since Credo's issuance takes its verification of the proofs (common/credo-extensions)
  it('refuses key proofs naming their keys two ways (a jwk, a did:jwk kid) with 400 invalid_proof, and the offer stays open', async () => {
    const opened = await openOffer()
    const token = await accessToken(opened)
    const nonce = await freshNonce(opened.nonceEndpoint)
    const proofs = { jwt: [await keyProof(opened, nonce, 'jwk'), await keyProof(opened, nonce, 'did:jwk')] }
    const refused = await requestCredential(opened, token, { credential_configuration_id: opened.configurationId, proofs })
    expect([refused.status, refused.body.error]).toEqual([400, 'invalid_proof'])
    expect(refused.body.error_description).toMatch(/^Key proof 2 names its key by did with alg ES256, key proof 1 by jwk with alg ES256: .*one way of naming the key/)
    await expectStillIssues(opened, token)
  })

  it('refuses a request carrying both proof and proofs with 400 invalid_credential_request (§8.2)', async () => {
    const opened = await openOffer()
    const token = await accessToken(opened)
    const nonce = await freshNonce(opened.nonceEndpoint)
    const refused = await requestCredential(opened, token, {
      credential_configuration_id: opened.configurationId,
      proof: { proof_type: 'jwt', jwt: await keyProof(opened, nonce) },
      proofs: { jwt: [await keyProof(opened, nonce)] },
    })
    expect([refused.status, refused.body.error]).toEqual([400, 'invalid_credential_request'])
    expect(refused.body.error_description).toMatch(/§8\.2: send the key proofs in `proofs` only/)
    await expectStillIssues(opened, token)
  })

  it('answers a second credential request with the still-valid token with 400 credential_request_denied', async () => {
    const opened = await openOffer()
    const token = await accessToken(opened)
    await expectStillIssues(opened, token)
    const again = await requestCredential(opened, token, { credential_configuration_id: opened.configurationId, ...(await withProof(opened)) })
    expect([again.status, again.body.error]).toEqual([400, 'credential_request_denied'])
  })

  it('answers a nonce not issued here with 400 invalid_nonce; the wallet fetches a fresh c_nonce from the Nonce Endpoint and the retry succeeds (§8.3.1.2, §7)', async () => {
    const opened = await openOffer()
    const token = await accessToken(opened)
    // a c_nonce of another credential issuer of the service (its own key and iss)
    const foreignNonce = await freshNonce(opened.nonceEndpoint.replace('/bc-registries/', '/alberta-corporate-registry/'))
    const refused = await requestCredential(opened, token, { credential_configuration_id: opened.configurationId, proofs: { jwt: [await keyProof(opened, foreignNonce)] } })
    expect([refused.status, refused.body.error]).toEqual([400, 'invalid_nonce'])
    expect(refused.body.error_description).toMatch(/fetch a fresh one from the Nonce Endpoint \(§7\)/)
    await expectStillIssues(opened, token)
  })

  it('refuses a proof without nonce, with a wrong aud or signed with an alg not advertised, with 400 invalid_proof', async () => {
    const opened = await openOffer()
    const token = await accessToken(opened)
    const { privateKey, publicKey } = await generateKeyPair('ES256')
    const jwk = await exportJWK(publicKey)
    const nonce = await freshNonce(opened.nonceEndpoint)
    const sign = (payload: Json, aud = opened.credentialIssuer) =>
      new SignJWT(payload).setProtectedHeader({ alg: 'ES256', typ: 'openid4vci-proof+jwt', jwk }).setAudience(aud).setIssuedAt().sign(privateKey)
    const hmac = await new SignJWT({ nonce }).setProtectedHeader({ alg: 'HS256', typ: 'openid4vci-proof+jwt', jwk }).setAudience(opened.credentialIssuer).setIssuedAt().sign(new Uint8Array(32))
    for (const [jwt, reason] of [
      [await sign({}), /has no nonce/],
      [await sign({ nonce }, 'https://elsewhere.example'), /does not verify \(OID4VCI 1\.0 Appendix F\.4\).*aud/],
      [hmac, /alg HS256; .* accepts EdDSA, ES256/],
    ] as const) {
      const refused = await requestCredential(opened, token, { credential_configuration_id: opened.configurationId, proofs: { jwt: [jwt] } })
      expect([refused.status, refused.body.error]).toEqual([400, 'invalid_proof'])
      expect(refused.body.error_description).toMatch(reason)
    }
    await expectStillIssues(opened, token)
  })
})

describe('the token endpoint (OID4VCI 1.0 §6)', () => {
  it('answers 8 concurrent token requests with one pre-authorized code with one access token and 7 invalid_grant, and issues for that token', async () => {
    const opened = await openOffer()
    const answers = await Promise.all(Array.from({ length: 8 }, () => requestToken(opened)))
    const granted = answers.filter((answer) => answer.status === 200)
    expect(granted).toHaveLength(1)
    expect(answers.filter((answer) => answer !== granted[0]).map((answer) => [answer.status, answer.body?.error])).toEqual(Array(7).fill([400, 'invalid_grant']))
    await expectStillIssues(opened, granted[0].body.access_token)
  })
})

describe('the offer by reference (OID4VCI 1.0 §4.1.3)', () => {
  it('is served while its pre-authorized code is unused, leaves the issuance session as it was created (OfferCreated), and answers 404 once the code was exchanged', async () => {
    const opened = await openOffer()
    const offerState = async () => (await call(`${issuer.url}/issuers/bc-registries/offers/${opened.offerId}`, { headers: admin })).body.state
    expect(await offerState()).toBe('OfferCreated')
    const again = await call(opened.credentialOfferUri, {})
    expect(again.status).toBe(200)
    expect(again.body).toMatchObject({ credential_issuer: opened.credentialIssuer, credential_configuration_ids: [opened.configurationId] })
    await accessToken(opened)
    expect(await offerState()).toBe('AccessTokenCreated')
    expect((await call(opened.credentialOfferUri, {})).status).toBe(404)
  })

  // the offer is looked up by its id alone, then held to the issuer in the path
  it("is served under its own issuer's path only: under another issuer's, the same offer id answers 404", async () => {
    const opened = await openOffer()
    const underAnotherIssuer = opened.credentialOfferUri.replace('/bc-registries/', '/alberta-corporate-registry/')
    expect(underAnotherIssuer).not.toBe(opened.credentialOfferUri)
    expect((await call(underAnotherIssuer, {})).status).toBe(404)
    expect((await call(opened.credentialOfferUri, {})).status).toBe(200)
  })
})

describe('access tokens (RFC 6750 §3.1)', () => {
  it('answers an invalid access token with 401 and WWW-Authenticate: Bearer error="invalid_token"', async () => {
    const opened = await openOffer()
    const refused = await requestCredential(opened, 'not-a-token', { credential_configuration_id: opened.configurationId })
    expect([refused.status, refused.body.error]).toEqual([401, 'invalid_token'])
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", error_description="[^"]+"$/)
  })

  // the issuer reads a token's offer before Credo checks the token: a token Credo refuses gets Credo's 401, whatever else the request got wrong
  it('answers a token with an altered signature with 401 invalid_token, with a proof the issuer would refuse (invalid_nonce) or one it would accept; the offer still issues', async () => {
    const opened = await openOffer()
    const token = await accessToken(opened)
    const [header, payload, signature] = token.split('.')
    const altered = `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`
    const nonce = await freshNonce(opened.nonceEndpoint)
    for (const proofs of [{ jwt: [await keyProof(opened, 'not-a-c-nonce')] }, { jwt: [await keyProof(opened, nonce)] }]) {
      const refused = await requestCredential(opened, altered, { credential_configuration_id: opened.configurationId, proofs })
      expect([refused.status, refused.body.error]).toEqual([401, 'invalid_token'])
    }
    await expectStillIssues(opened, token)
  })

  it('answers a request without an access token with 401 and a bare Bearer challenge', async () => {
    const opened = await openOffer()
    const refused = await call(opened.credentialEndpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toBe('Bearer')
  })
})

describe('authorization_details in the token request (OID4VCI 1.0 §5.1.1, §6.2)', () => {
  it('answers with credential_identifiers, and issues by credential_identifier', async () => {
    const opened = await openOffer()
    const token = await requestToken(opened, { authorization_details: JSON.stringify([{ type: 'openid_credential', credential_configuration_id: opened.configurationId }]) })
    expect(token.status, JSON.stringify(token.body)).toBe(200)
    expect(token.body.authorization_details).toEqual([{ type: 'openid_credential', credential_configuration_id: opened.configurationId, credential_identifiers: [expect.any(String)] }])
    const [identifier] = token.body.authorization_details[0].credential_identifiers as string[]

    const byConfiguration = await requestCredential(opened, token.body.access_token, { credential_configuration_id: opened.configurationId, ...(await withProof(opened)) })
    expect([byConfiguration.status, byConfiguration.body.error]).toEqual([400, 'invalid_credential_request'])
    const unknown = await requestCredential(opened, token.body.access_token, { credential_identifier: 'no-such-identifier', ...(await withProof(opened)) })
    expect([unknown.status, unknown.body.error]).toEqual([400, 'unknown_credential_identifier'])
    const issued = await requestCredential(opened, token.body.access_token, { credential_identifier: identifier, ...(await withProof(opened)) })
    expect(issued.status, JSON.stringify(issued.body)).toBe(200)
    expect(issued.body.credentials).toHaveLength(1)
  })

  it('keeps no credential_identifiers for a token request refused after its authorization_details were read: the next token, without them, issues by credential_configuration_id', async () => {
    const opened = await openOffer()
    const details = JSON.stringify([{ type: 'openid_credential', credential_configuration_id: opened.configurationId }])
    // no tx_code: Credo refuses the grant (OID4VCI 1.0 §6.1)
    const refused = await call(opened.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: PRE_AUTHORIZED_CODE_GRANT, 'pre-authorized_code': opened.preAuthorizedCode, authorization_details: details }),
    })
    expect(refused.status, JSON.stringify(refused.body)).toBe(400)
    await expectStillIssues(opened, await accessToken(opened))
  })

  it('refuses authorization_details for a configuration the offer does not hold with 400 invalid_authorization_details (RFC 9396 §5)', async () => {
    const opened = await openOffer()
    const token = await requestToken(opened, { authorization_details: JSON.stringify([{ type: 'openid_credential', credential_configuration_id: 'BusinessRegistrationCredential_jwt_vc_json' }]) })
    expect([token.status, token.body.error]).toEqual([400, 'invalid_authorization_details'])
    expect(token.body.error_description).toMatch(/not in this offer/)
    // the offer is still there for a correct token request
    expect((await requestToken(opened)).status).toBe(200)
  })
})

describe('metadata advertises only what works', () => {
  it('lists the pre-authorized code grant and the authorization code grant of HAIP offers (PAR required), no challenge endpoint; PAR and the code grant take only HAIP offers', async () => {
    const opened = await openOffer()
    for (const url of [`${opened.credentialIssuer}/.well-known/oauth-authorization-server`, `${issuer.url}/.well-known/oauth-authorization-server/oid4vci/bc-registries`]) {
      const metadata = (await (await fetch(url)).json()) as Json
      expect(metadata.grant_types_supported, url).toEqual([PRE_AUTHORIZED_CODE_GRANT, 'authorization_code'])
      expect(metadata.authorization_details_types_supported).toEqual(['openid_credential'])
      expect(metadata.require_pushed_authorization_requests).toBe(true)
      expect(metadata).not.toHaveProperty('authorization_challenge_endpoint')
      expect(metadata.token_endpoint).toBe(opened.tokenEndpoint)
    }
    // a pushed request that names no HAIP offer (issuer_state), and a code no HAIP offer was authorized with
    const par = await call(`${opened.credentialIssuer}/par`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'response_type=code&client_id=x' })
    expect([par.status, par.body.error]).toEqual([400, 'invalid_request'])
    expect(par.body.error_description).toMatch(/issuer_state names no open HAIP offer/)
    const challenge = await call(`${opened.credentialIssuer}/challenge`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'client_id=x' })
    expect([challenge.status, challenge.body.error]).toEqual([400, 'invalid_request'])
    const grant = await call(opened.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=authorization_code&code=x' })
    expect([grant.status, grant.body.error]).toEqual([400, 'invalid_grant'])
    const other = await call(opened.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' })
    expect([other.status, other.body.error]).toEqual([400, 'unsupported_grant_type'])
  })
})

describe('the wallet simulator recovers from invalid_nonce (OID4VCI 1.0 §8.3.1.2, §7)', () => {
  // An HTTP proxy between the wallet and a second issuer hands the wallet, in the token response, a c_nonce the issuer
  // does not accept (one of another of its credential issuers): what a wallet holds once its c_nonce has gone stale.
  const dir = mkdtempSync(join(tmpdir(), 'interop-oid4vci-nonce-'))
  let proxy: Server
  let staleIssuer: IssuerService
  let wallet: Awaited<ReturnType<typeof startWalletService>>
  const refusedNonces: string[] = []
  beforeAll(async () => {
    const issuerPort = await freePort()
    const target = `http://127.0.0.1:${issuerPort}`
    proxy = createServer(async (req, res) => {
      const chunks: Buffer[] = []
      for await (const chunk of req) chunks.push(chunk as Buffer)
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !['host', 'content-length', 'connection'].includes(name))) as Record<string, string>
      const answer = await fetch(`${target}${req.url}`, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined })
      let body = await answer.text()
      if (req.url?.endsWith('/token') && answer.status === 200) {
        const foreign = ((await (await fetch(`${target}/oid4vci/alberta-corporate-registry/nonce`, { method: 'POST' })).json()) as Json).c_nonce
        body = JSON.stringify({ ...JSON.parse(body), c_nonce: foreign })
      }
      if (req.url?.endsWith('/credential') && answer.status === 400 && JSON.parse(body).error === 'invalid_nonce') refusedNonces.push(req.url)
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(body)
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`
    staleIssuer = await startIssuerService({
      port: issuerPort,
      publicUrl: proxyUrl,
      dataDir: dir,
      database: { engine: 'sqlite', file: join(dir, 'issuer.sqlite') },
      adminApiKeys: [LOCAL_ADMIN_API_KEY],
      anonCredsMaterialDir: MATERIAL_DIR,
    })
    wallet = await startWalletService({
      dataDir: dir,
      personas: loadPersonas().filter((p) => p.id === 'business-owner'),
      databaseFor: (id) => ({ engine: 'sqlite', file: join(dir, `wallet_${id}.sqlite`) }),
    })
  })
  afterAll(async () => {
    await wallet?.close()
    await staleIssuer?.close()
    await new Promise((resolve) => proxy?.close(resolve))
    rmSync(dir, { recursive: true, force: true })
  })

  it('is refused once with invalid_nonce, fetches a fresh c_nonce from the Nonce Endpoint, and holds the credential', async () => {
    const created = await call(`${staleIssuer.url}/issuers/bc-registries/offers`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ credentialType: 'BusinessRegistrationCredential', format: 'dc+sd-jwt', claims: BUSINESS_CLAIMS }),
    })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const accepted = await call(`${wallet.url}/personas/business-owner/offers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ offerUri: created.body.offerUri, txCode: created.body.txCode }),
    })
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(201)
    expect(accepted.body.credentials).toEqual([expect.objectContaining({ format: 'dc+sd-jwt', claims: expect.objectContaining({ legal_name: BUSINESS_CLAIMS.legal_name }) })])
    expect(refusedNonces).toHaveLength(1)
  })
})
