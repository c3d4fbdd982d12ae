import type { Agent } from '@credo-ts/core'
import { startWalletService } from '@interop-lab/wallet-sim'
import { OpenID4VCIClient } from '@sphereon/oid4vci-client'
import type * as x509 from '@peculiar/x509'
import { testChain } from './support/testCertificates'
import { createHash, randomBytes, X509Certificate as NodeX509Certificate } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { calculateJwkThumbprint, compactVerify, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PERSON_CLAIMS } from './support/pilotClaims'
import { startTestStack } from './support/stack'

/**
 * HAIP 1.0 issuance (§4) between the lab issuer and the lab wallet over HTTP: an offer with `profile: 'haip'` is
 * redeemed by the authorization code flow with PAR, PKCE S256, DPoP and a Wallet Attestation from the wallet
 * simulator's wallet provider (whose root the trust registry lists for `WalletAttestation`), credentials bound to keys
 * the provider attests. Each issuance fault the wallet can inject is refused by the issuer, naming the HAIP requirement.
 */
let stack: Awaited<ReturnType<typeof startTestStack>>
const PERSONA = 'business-owner'
const ISSUER = 'bc-person-credential'
type Json = Record<string, unknown>

beforeAll(async () => {
  stack = await startTestStack()
}, 120_000)
afterAll(async () => {
  await stack?.close()
})

async function haipOffer(format: 'dc+sd-jwt' | 'mso_mdoc'): Promise<{ offerUri: string; offerId: string }> {
  const response = await fetch(`${stack.endpoints.issuer}/issuers/${ISSUER}/offers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.endpoints.adminApiKey}` },
    body: JSON.stringify({ credentialType: 'VerifiedPersonCredential', format, claims: PERSON_CLAIMS, profile: 'haip' }),
  })
  expect(response.status, await response.clone().text()).toBe(201)
  return (await response.json()) as { offerUri: string; offerId: string }
}

async function accept(offerUri: string, fault?: string): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${stack.endpoints.wallet}/personas/${PERSONA}/offers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ offerUri, ...(fault ? { fault: { kind: fault } } : {}) }),
  })
  return { status: response.status, body: (await response.json()) as Json }
}

/** The persona's Credo agent, to read the credential as it was received (the wallet's HTTP API shows its claims only). */
const walletAgent = () => (stack.wallet.wallets.get(PERSONA) as unknown as { agent: Agent & { sdJwtVc: { getAll(): Promise<{ firstCredential: { compact: string } }[]> } } }).agent

describe('metadata declares what HAIP 1.0 §4 asks', () => {
  it('the authorization server requires PAR, PKCE S256, DPoP ES256 and attestation-based client authentication; HAIP configurations have a scope and require key attestations', async () => {
    const issuerUrl = `${stack.issuer.url}/oid4vci/${ISSUER}`
    const server = (await (await fetch(`${issuerUrl}/.well-known/oauth-authorization-server`)).json()) as Json
    expect(server).toMatchObject({
      issuer: issuerUrl,
      authorization_endpoint: `${issuerUrl}/authorize`,
      pushed_authorization_request_endpoint: `${issuerUrl}/par`,
      require_pushed_authorization_requests: true,
      code_challenge_methods_supported: ['S256'],
      dpop_signing_alg_values_supported: ['ES256'],
      token_endpoint_auth_methods_supported: ['attest_jwt_client_auth'],
      client_attestation_pop_signing_alg_values_supported: ['ES256'],
      authorization_response_iss_parameter_supported: true,
    })
    expect(server.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'urn:ietf:params:oauth:grant-type:pre-authorized_code']))
    expect(server).not.toHaveProperty('authorization_challenge_endpoint')

    const issuer = (await (await fetch(`${issuerUrl}/.well-known/openid-credential-issuer`)).json()) as { credential_configurations_supported: Record<string, Json>; nonce_endpoint?: string }
    expect(issuer.nonce_endpoint).toBeDefined()
    for (const id of ['VerifiedPersonCredential_dc+sd-jwt_haip', 'VerifiedPersonCredential_mso_mdoc_haip']) {
      expect(issuer.credential_configurations_supported[id], id).toMatchObject({
        scope: id,
        proof_types_supported: { jwt: { proof_signing_alg_values_supported: ['ES256'], key_attestations_required: {} } },
      })
    }
    expect(issuer.credential_configurations_supported['VerifiedPersonCredential_dc+sd-jwt_haip']).toMatchObject({
      cryptographic_binding_methods_supported: ['jwk'],
      credential_signing_alg_values_supported: ['ES256'],
    })
  })
})

describe('the wallet provider', () => {
  it('is listed in the trust registry for WalletAttestation, and keeps its root and key across a restart of the wallet service', async () => {
    const { rootCertificate } = (await (await fetch(`${stack.endpoints.wallet}/wallet-provider`)).json()) as { rootCertificate: string }
    const anchors = (await (await fetch(`${stack.trustRegistry.url}/x509/anchors?credential_type=WalletAttestation`)).json()) as { jws: string }
    expect((decodeJwt(anchors.jws).anchors as { certificate: string; kind: string }[]).map((a) => [a.kind, a.certificate])).toContainEqual(['root', rootCertificate])

    const dataDir = mkdtempSync(join(tmpdir(), 'interop-lab-wallet-provider-'))
    try {
      const roots: string[] = []
      for (const _start of [1, 2]) {
        const wallet = await startWalletService({ dataDir, personas: [] })
        roots.push(wallet.walletProvider.rootCertificate)
        await wallet.close()
      }
      expect(roots[1]).toBe(roots[0])
      expect(new NodeX509Certificate(Buffer.from(roots[0], 'base64')).subject).toMatch(/Wallet Provider CA/)
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})

describe('a HAIP offer is redeemed by the authorization code flow (PAR, PKCE, DPoP, Wallet Attestation, key attestation)', () => {
  it('dc+sd-jwt: the wallet holds an SD-JWT VC signed ES256 with x5c (not self-signed), bound to an attested jwk', async () => {
    await fetch(`${stack.endpoints.wallet}/personas/${PERSONA}/credentials`, { method: 'DELETE' })
    const { offerUri, offerId } = await haipOffer('dc+sd-jwt')
    // HAIP 1.0 §4.2: the authorization_code grant with an issuer_state, and no pre-authorized code
    const offered = (await (await fetch(new URL(offerUri).searchParams.get('credential_offer_uri')!)).json()) as { grants: Json; credential_configuration_ids: string[] }
    expect(offered.grants).toEqual({ authorization_code: { issuer_state: expect.any(String) } })
    expect(offered.credential_configuration_ids).toEqual(['VerifiedPersonCredential_dc+sd-jwt_haip'])
    const { status, body } = await accept(offerUri)
    expect(status, JSON.stringify(body)).toBe(201)
    expect(body.credentials).toEqual([
      expect.objectContaining({ format: 'dc+sd-jwt', issuer: `${stack.issuer.url}/oid4vci/${ISSUER}`, claims: expect.objectContaining({ given_name: PERSON_CLAIMS.given_name }) }),
    ])

    const [record] = await walletAgent().sdJwtVc.getAll()
    const issuerJwt = record.firstCredential.compact.split('~')[0]
    const header = decodeProtectedHeader(issuerJwt)
    expect(header).toMatchObject({ alg: 'ES256', typ: 'dc+sd-jwt' })
    expect(header.x5c).toHaveLength(1)
    const leaf = new NodeX509Certificate(Buffer.from(header.x5c![0], 'base64'))
    expect(leaf.issuer).not.toBe(leaf.subject)
    await compactVerify(issuerJwt, leaf.publicKey)
    expect((decodeJwt(issuerJwt).cnf as { jwk?: { crv?: string } }).jwk?.crv).toBe('P-256')

    const offer = (await (await fetch(`${stack.endpoints.issuer}/issuers/${ISSUER}/offers/${offerId}`, { headers: { authorization: `Bearer ${stack.endpoints.adminApiKey}` } })).json()) as Json
    expect(offer.state).toBe('Completed')
  })

  it('mso_mdoc: the wallet holds the mdoc, its MSO signed ES256 by the document signer under the IACA', async () => {
    const { offerUri } = await haipOffer('mso_mdoc')
    const { status, body } = await accept(offerUri)
    expect(status, JSON.stringify(body)).toBe(201)
    expect(body.credentials).toEqual([expect.objectContaining({ format: 'mso_mdoc', type: 'ca.interop-lab.verified-person.1' })])
    const mdocs = await (walletAgent() as unknown as { mdoc: { getAll(): Promise<{ firstCredential: { signingCertificate: Uint8Array; issuerSignedNamespaces: Json } }[]> } }).mdoc.getAll()
    const signer = new NodeX509Certificate(Buffer.from(mdocs.at(-1)!.firstCredential.signingCertificate))
    expect(signer.issuer).toMatch(/IACA/)
  })
})

describe('the issuer refuses each HAIP rule the wallet breaks, naming the requirement (HAIP 1.0 §4, §4.4.1)', () => {
  it.each([
    ['no-dpop', 'par', 'invalid_dpop_proof', 'dpop'],
    ['no-pkce', 'par', 'invalid_request', 'pkce'],
    ['no-wallet-attestation', 'par', 'invalid_client', 'wallet-attestation'],
    ['no-par', 'authorization', 'invalid_request', 'par'],
  ])('%s: refused at the %s endpoint with %s, requirement %s', async (fault, endpoint, error, requirement) => {
    const { offerUri } = await haipOffer('dc+sd-jwt')
    const { status, body } = await accept(offerUri, fault)
    expect(status, JSON.stringify(body)).toBe(422)
    expect(body.code).toBe('issuer_refused')
    expect(body.details).toMatchObject({ endpoint, error, requirement, fault: { kind: fault } })
    expect((body.details as Json).errorDescription).toMatch(/^HAIP 1\.0 §4/)
  })
  it('a fault on an offer with a pre-authorized code is refused by the wallet: the faults break rules of the authorization code flow', async () => {
    const response = await fetch(`${stack.endpoints.issuer}/issuers/${ISSUER}/offers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.endpoints.adminApiKey}` },
      body: JSON.stringify({ credentialType: 'VerifiedPersonCredential', format: 'dc+sd-jwt', claims: PERSON_CLAIMS }),
    })
    const { offerUri, txCode } = (await response.json()) as { offerUri: string; txCode: string }
    const refused = await fetch(`${stack.endpoints.wallet}/personas/${PERSONA}/offers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ offerUri, txCode, fault: { kind: 'no-dpop' } }),
    })
    expect([refused.status, ((await refused.json()) as Json).code]).toEqual([422, 'offer_failed'])
  })
})

/**
 * A HAIP client written here with jose and @peculiar/x509 (no Credo): its own wallet provider (a P-256 root and leaf),
 * Wallet Attestation and PoP, DPoP proofs and PKCE by hand. It gets a DPoP-bound access token the way HAIP says, then
 * uses it without its DPoP proof; and a wallet provider the trust registry does not list is refused at PAR.
 */
describe('an independent HAIP client: DPoP at the credential endpoint, and a wallet provider nobody listed', () => {
  const CLIENT_ID = 'test-haip-client'
  const REDIRECT_URI = 'https://client.test.example/cb'
  const now = () => Math.floor(Date.now() / 1000)
  const b64url = (bytes: Buffer) => bytes.toString('base64url')

  interface Provider {
    root: x509.X509Certificate
    leaf: x509.X509Certificate
    signer: CryptoKey
  }
  async function walletProvider(): Promise<Provider> {
    const { root, leaf, leafKeys } = await testChain('Test Wallet Provider Root', 'Test Wallet Provider')
    return { root, leaf, signer: leafKeys.privateKey }
  }
  const der = (certificate: x509.X509Certificate) => Buffer.from(certificate.rawData).toString('base64')

  /** The client's keys and proofs: its instance key (attested), its DPoP key, PKCE. */
  async function client(provider: Provider, audience: string) {
    const instance = await generateKeyPair('ES256')
    const dpopKey = await generateKeyPair('ES256')
    const dpopJwk: JWK = await exportJWK(dpopKey.publicKey)
    const attestation = await new SignJWT({ sub: CLIENT_ID, cnf: { jwk: await exportJWK(instance.publicKey) } })
      .setProtectedHeader({ alg: 'ES256', typ: 'oauth-client-attestation+jwt', x5c: [der(provider.leaf)] })
      .setIssuer('https://wallet-provider.test.example')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(provider.signer)
    const attestationHeaders = async () => ({
      'OAuth-Client-Attestation': attestation,
      'OAuth-Client-Attestation-PoP': await new SignJWT({ jti: b64url(randomBytes(16)) })
        .setProtectedHeader({ alg: 'ES256', typ: 'oauth-client-attestation-pop+jwt' })
        .setIssuer(CLIENT_ID)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime('1m')
        .sign(instance.privateKey),
    })
    const dpop = (method: string, url: string, accessToken?: string) =>
      new SignJWT({ htm: method, htu: url, jti: b64url(randomBytes(16)), iat: now(), ...(accessToken ? { ath: b64url(createHash('sha256').update(accessToken).digest()) } : {}) })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: dpopJwk })
        .sign(dpopKey.privateKey)
    const codeVerifier = b64url(randomBytes(32))
    return { attestationHeaders, dpop, dpopThumbprint: await calculateJwkThumbprint(dpopJwk), codeVerifier, codeChallenge: b64url(createHash('sha256').update(codeVerifier).digest()) }
  }

  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString()

  async function pushedAuthorization(provider: Provider) {
    const { offerUri } = await haipOffer('dc+sd-jwt')
    const offer = (await (await fetch(new URL(offerUri).searchParams.get('credential_offer_uri')!)).json()) as { credential_issuer: string; grants: { authorization_code: { issuer_state: string } } }
    const issuer = offer.credential_issuer
    const haip = await client(provider, issuer)
    const par = await fetch(`${issuer}/par`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', DPoP: await haip.dpop('POST', `${issuer}/par`), ...(await haip.attestationHeaders()) },
      body: form({
        response_type: 'code',
        client_id: CLIENT_ID,
        redirect_uri: REDIRECT_URI,
        scope: 'VerifiedPersonCredential_dc+sd-jwt_haip',
        issuer_state: offer.grants.authorization_code.issuer_state,
        code_challenge: haip.codeChallenge,
        code_challenge_method: 'S256',
      }),
    })
    return { issuer, haip, par: { status: par.status, body: (await par.json()) as Json } }
  }

  it('a DPoP-bound access token sent without its DPoP proof is refused at the credential endpoint (RFC 9449 §7.1, HAIP 1.0 §4)', async () => {
    const provider = await walletProvider()
    const listed = await fetch(`${stack.trustRegistry.url}/admin/x509/anchors`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.endpoints.adminApiKey}` },
      body: JSON.stringify({ jurisdiction: 'CA', kind: 'root', certificate: der(provider.root), credentialTypes: ['WalletAttestation'] }),
    })
    expect(listed.ok, await listed.text()).toBe(true)
    const { issuer, haip, par } = await pushedAuthorization(provider)
    expect(par.status, JSON.stringify(par.body)).toBe(201)

    const authorized = await fetch(`${issuer}/authorize?${form({ client_id: CLIENT_ID, request_uri: String(par.body.request_uri) })}`, { redirect: 'manual' })
    expect(authorized.status).toBe(302)
    const redirect = new URL(authorized.headers.get('location')!)
    expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT_URI)
    expect(redirect.searchParams.get('iss')).toBe(issuer)
    // the request_uri authorizes once (RFC 9126 §4)
    const again = await fetch(`${issuer}/authorize?${form({ client_id: CLIENT_ID, request_uri: String(par.body.request_uri) })}`, { redirect: 'manual' })
    expect(again.status).toBe(400)

    const tokenResponse = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', DPoP: await haip.dpop('POST', `${issuer}/token`), ...(await haip.attestationHeaders()) },
      body: form({ grant_type: 'authorization_code', code: redirect.searchParams.get('code')!, redirect_uri: REDIRECT_URI, code_verifier: haip.codeVerifier }),
    })
    const token = (await tokenResponse.json()) as { access_token: string; token_type: string }
    expect(tokenResponse.status, JSON.stringify(token)).toBe(200)
    expect(token.token_type).toBe('DPoP')
    expect((decodeJwt(token.access_token).cnf as { jkt?: string }).jkt).toBe(haip.dpopThumbprint)

    const body = JSON.stringify({ credential_configuration_id: 'VerifiedPersonCredential_dc+sd-jwt_haip' })
    // RFC 9449 §7.1: a DPoP-bound token with no DPoP proof, whichever scheme it is sent under
    for (const authorization of [`Bearer ${token.access_token}`, `DPoP ${token.access_token}`]) {
      const refused = await fetch(`${issuer}/credential`, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body })
      expect(refused.status, authorization.split(' ')[0]).toBe(401)
      expect(refused.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_dpop_proof"/)
      expect(((await refused.json()) as Json).error).toBe('invalid_dpop_proof')
    }
    // with its DPoP proof the token is taken: the key proof is checked next, its key attestation (HAIP 1.0 §4.5.1) from a
    // provider the registry lists; one from a provider it does not list is refused, and the token may try again
    const credentialRequest = async (attestedBy: Provider | undefined) =>
      fetch(`${issuer}/credential`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `DPoP ${token.access_token}`, DPoP: await haip.dpop('POST', `${issuer}/credential`, token.access_token) },
        body: JSON.stringify({ credential_configuration_id: 'VerifiedPersonCredential_dc+sd-jwt_haip', proofs: { jwt: [await attestedKeyProof(issuer, attestedBy)] } }),
      })
    // key_attestations_required (OID4VCI 1.0 Appendix F.1, HAIP 1.0 §4.5.1): a key proof with no key_attestation is refused
    // by the issuer's own checks (Credo takes their verification), and the offer stays open
    const bare = await credentialRequest(undefined)
    const bareRefusal = (await bare.json()) as Json
    expect([bare.status, bareRefusal.error]).toEqual([400, 'invalid_proof'])
    expect(bareRefusal.error_description).toMatch(/has no key_attestation header; .* attested keys only \(key_attestations_required, HAIP 1\.0 §4\.5\.1/)
    const unattested = await credentialRequest(await walletProvider())
    const refusal = (await unattested.json()) as Json
    expect([unattested.status, refusal.error]).toEqual([400, 'invalid_proof'])
    expect(refusal.error_description).toMatch(/HAIP 1\.0 §4\.5\.1.*No trusted certificate/)
    const issued = await credentialRequest(provider)
    const credential = (await issued.json()) as { credentials?: { credential: string }[] }
    expect(issued.status, JSON.stringify(credential)).toBe(200)
    expect(decodeProtectedHeader(credential.credentials![0].credential.split('~')[0])).toMatchObject({ alg: 'ES256', x5c: [expect.any(String)] })
  })

  /** A jwt key proof (OID4VCI 1.0 Appendix F.1) over a fresh c_nonce, its key attested by `provider` in the `key_attestation` header (Appendix D); none without one. */
  async function attestedKeyProof(issuer: string, provider: Provider | undefined): Promise<string> {
    const { c_nonce } = (await (await fetch(`${issuer}/nonce`, { method: 'POST' })).json()) as { c_nonce: string }
    const holderKey = await generateKeyPair('ES256')
    const holderJwk = await exportJWK(holderKey.publicKey)
    const keyAttestation =
      provider &&
      (await new SignJWT({ attested_keys: [holderJwk], key_storage: ['iso_18045_basic'] })
        .setProtectedHeader({ alg: 'ES256', typ: 'key-attestation+jwt', x5c: [der(provider.leaf)] })
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(provider.signer))
    return new SignJWT({ nonce: c_nonce })
      .setProtectedHeader({ alg: 'ES256', typ: 'openid4vci-proof+jwt', jwk: holderJwk, ...(keyAttestation ? { key_attestation: keyAttestation } : {}) })
      .setIssuer(CLIENT_ID)
      .setAudience(issuer)
      .setIssuedAt()
      .sign(holderKey.privateKey)
  }

  it('a Wallet Attestation from a wallet provider the trust registry does not list is refused at PAR (HAIP 1.0 §4.4.1)', async () => {
    const { par } = await pushedAuthorization(await walletProvider())
    expect(par.status).toBe(401)
    expect(par.body).toMatchObject({ error: 'invalid_client', haip_requirement: 'wallet-attestation' })
    expect(par.body.error_description).toMatch(/^HAIP 1\.0 §4\.4\.1/)
  })
})

describe('a third-party client against the HAIP issuer', () => {
  it('finding: @sphereon/oid4vci-client 0.20.1 pushes the authorization request (PAR, PKCE S256) with no DPoP proof and no Wallet Attestation, so the issuer refuses it at PAR; the client reports only the HTTP status', async () => {
    const { offerUri } = await haipOffer('dc+sd-jwt')
    // for an offer with an authorization_code grant, the client pushes the authorization request as it reads the offer
    const failure = await OpenID4VCIClient.fromURI({
      uri: offerUri,
      retrieveServerMetadata: true,
      clientId: 'sphereon-client',
      authorizationRequest: { redirectUri: 'https://client.test.example/cb', scope: 'VerifiedPersonCredential_dc+sd-jwt_haip' },
    }).then(
      () => undefined,
      (error: Error) => error,
    )
    expect(failure?.message).toMatch(/^PAR error: Bad Request/)
  })
})
