import { TypedArrayEncoder } from '@credo-ts/core'
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, type JSONWebKeySet, jwtVerify, SignJWT } from 'jose'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { LOCAL_ADMIN_API_KEY } from '@interop-lab/common/config'
import { type IssuerService, startIssuerService } from '@interop-lab/issuer'
import { BUSINESS_CLAIMS } from './support/pilotClaims'

/**
 * The issuer signs its c_nonce once per issuer and second (issuer/nonces.ts): Credo's nonce is a JWS over `{ iss, exp }`
 * signed by the issuer's Ed25519 access token key, the same string for every call within a second. Counted here, through
 * Credo's KMS API of the real issuer service, are the signatures and verifications its access token key makes.
 */
const MATERIAL_DIR = join(import.meta.dirname, 'fixtures/anoncreds/issuers')
const PRE_AUTHORIZED_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code'
const ISSUER_KEY = 'bc-registries'
const admin = { 'content-type': 'application/json', authorization: `Bearer ${LOCAL_ADMIN_API_KEY}` }

type Json = Record<string, any>
const dataDir = mkdtempSync(join(tmpdir(), 'interop-issuer-nonces-'))
let issuer: IssuerService
let oid4vci: string
let accessTokenKeyId: string
beforeAll(async () => {
  issuer = await startIssuerService({ dataDir, database: { engine: 'sqlite', file: join(dataDir, 'issuer.sqlite') }, adminApiKeys: [LOCAL_ADMIN_API_KEY], anonCredsMaterialDir: MATERIAL_DIR })
  oid4vci = `${issuer.url}/oid4vci/${ISSUER_KEY}`
  const record = await issuer.agent.openid4vc.issuer.getIssuerByIssuerId(ISSUER_KEY)
  accessTokenKeyId = record.resolvedAccessTokenPublicJwk.keyId
})
afterAll(async () => {
  await issuer?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

const post = async (url: string, init: RequestInit = {}) => {
  const response = await fetch(url, { method: 'POST', ...init })
  return { status: response.status, body: (await response.json()) as Json }
}
const fetchNonce = async () => (await post(`${oid4vci}/nonce`)).body.c_nonce as string

/** What `work` has the issuer's access token key sign, and the signatures verified under it (base64url). */
async function accessTokenKeyUse(work: () => Promise<void>) {
  const kms = issuer.agent.kms
  const sign = vi.spyOn(kms, 'sign')
  const verify = vi.spyOn(kms, 'verify')
  try {
    await work()
    return {
      signed: sign.mock.calls.filter(([options]) => options.keyId === accessTokenKeyId).length,
      verified: verify.mock.calls.map(([options]) => TypedArrayEncoder.toBase64URL(options.signature)),
    }
  } finally {
    sign.mockRestore()
    verify.mockRestore()
  }
}

describe('c_nonce signed once per issuer and second (issuer/nonces.ts)', () => {
  it('hands out one nonce per second, signed once, each verifying under the JWKS with the exp Credo sets (OID4VCI 1.0 §7.2)', async () => {
    const nonces: string[] = []
    const use = await accessTokenKeyUse(async () => {
      nonces.push(...(await Promise.all(Array.from({ length: 8 }, fetchNonce))))
      for (let i = 0; i < 4; i++) nonces.push(await fetchNonce())
    })
    const distinct = [...new Set(nonces)]
    expect(use.signed).toBe(distinct.length)
    // the JWKS lists the access token key without its kid
    const { keys } = (await (await fetch(`${oid4vci}/jwks`)).json()) as JSONWebKeySet
    const accessTokenKey = await importJWK(keys[0], 'EdDSA')
    const expiries = new Set<number>()
    for (const nonce of distinct) {
      const { payload, protectedHeader } = await jwtVerify(nonce, accessTokenKey, { issuer: oid4vci, typ: 'credo+cnonce' })
      expect(protectedHeader.kid).toBe(accessTokenKeyId)
      expiries.add(payload.exp!)
    }
    // one string per second: a nonce is handed out again only while Credo would make the very same one
    expect(expiries.size).toBe(distinct.length)
  })

  it('takes back a nonce it made without verifying its signature again; a forged one is refused with invalid_nonce (§8.3.1.2)', async () => {
    const created = await post(`${issuer.url}/issuers/${ISSUER_KEY}/offers`, {
      headers: admin,
      body: JSON.stringify({ credentialType: 'BusinessRegistrationCredential', format: 'dc+sd-jwt', claims: { ...BUSINESS_CLAIMS, business_number: `BC${Date.now()}` } }),
    })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const offer = (await (await fetch(new URL(created.body.offerUri).searchParams.get('credential_offer_uri')!)).json()) as Json
    const token = await post(`${oid4vci}/token`, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: PRE_AUTHORIZED_CODE_GRANT, 'pre-authorized_code': offer.grants[PRE_AUTHORIZED_CODE_GRANT]['pre-authorized_code'], tx_code: created.body.txCode }),
    })
    expect(token.status, JSON.stringify(token.body)).toBe(200)
    const { privateKey, publicKey } = await generateKeyPair('ES256')
    const jwk = await exportJWK(publicKey)
    const requestWith = (nonce: string) =>
      new SignJWT({ nonce })
        .setProtectedHeader({ alg: 'ES256', typ: 'openid4vci-proof+jwt', jwk })
        .setAudience(oid4vci)
        .setIssuedAt()
        .sign(privateKey)
        .then((proof) =>
          post(`${oid4vci}/credential`, {
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token.body.access_token}` },
            body: JSON.stringify({ credential_configuration_id: offer.credential_configuration_ids[0], proofs: { jwt: [proof] } }),
          }),
        )

    // the issuer's own nonce, its header and payload signed by another Ed25519 key
    const nonce = await fetchNonce()
    const { privateKey: otherKey } = await generateKeyPair('EdDSA')
    const forged = await new SignJWT(decodeJwt(nonce)).setProtectedHeader(decodeProtectedHeader(nonce) as { alg: string }).sign(otherKey)
    const refused = await requestWith(forged)
    expect([refused.status, refused.body.error], JSON.stringify(refused.body)).toEqual([400, 'invalid_nonce'])

    const use = await accessTokenKeyUse(async () => {
      const issued = await requestWith(nonce)
      expect(issued.status, JSON.stringify(issued.body)).toBe(200)
    })
    expect(use.verified).not.toContain(nonce.split('.')[2])
  })
})
