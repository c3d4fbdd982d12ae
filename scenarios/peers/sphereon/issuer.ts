import { createHash, randomUUID } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { issueSDJWT } from '@meeco/sd-jwt'
import type { AccessTokenRequest, CredentialRequest, Jwt, JwtVerifyResult } from '@sphereon/oid4vci-common'
import {
  assertValidAccessTokenRequest,
  createAccessTokenResponse,
  type CredentialDataSupplier,
  type CredentialIssuanceInput,
  type CredentialSignerCallback,
  type VcIssuer,
  VcIssuerBuilder,
} from '@sphereon/oid4vci-issuer'
import express, { type NextFunction, type Request, type Response } from 'express'
import { CompactSign, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, type JWK, jwtVerify, SignJWT } from 'jose'
import { loadCredentialTypes } from '@interop-lab/common/credentialTypes'

/**
 * The Sphereon OID4VCI issuer (`@sphereon/oid4vci-issuer`, OID4VCI draft 15 in its own words) hosted as a matrix party:
 * its own P-256 did:jwk, the lab's credential types in `jwt_vc_json` and `dc+sd-jwt` (SD-JWTs made with
 * `@meeco/sd-jwt`, since Sphereon leaves the signing to its host), offers with a pre-authorized code and a tx_code.
 * `POST /issuers/<issuer>/offers {credentialType, claims, format, validUntil}` is its one call of its own API (the lab's
 * shape, so the `oid4vci-http` driver reaches it as it reaches the lab): it answers `{offerUri, txCode}`.
 */

export const SPHEREON_FORMATS = ['dc+sd-jwt', 'jwt_vc_json'] as const
type SphereonFormat = (typeof SPHEREON_FORMATS)[number]

/** What an offer carries to the credential: who issues it, of which type, with which claims, until when. */
interface OfferInput {
  issuer: string
  credentialType: string
  claims: Record<string, unknown>
  validUntil?: string
}

const configurationId = (type: string, format: SphereonFormat) => `${type}_${format}`

/** The holder's key a proof of possession names: its jwk header, or a did:jwk kid. */
function holderKeyOf(header: Record<string, unknown>): { jwk: JWK; did?: string } {
  if (header.jwk) return { jwk: header.jwk as JWK }
  const kid = String(header.kid ?? '')
  if (!kid.startsWith('did:jwk:')) throw new Error(`the proof's kid ${kid || '(none)'} is neither a did:jwk nor accompanied by a jwk header; this issuer resolves did:jwk only`)
  const did = kid.split('#')[0]
  return { did, jwk: JSON.parse(Buffer.from(did.slice('did:jwk:'.length), 'base64url').toString('utf8')) as JWK }
}

/** An issuing organisation's signing key: a P-256 did:jwk. */
interface IssuerKey {
  did: string
  kid: string
  privateKey: CryptoKey
}

async function issuerKeyOf(privateJwk: JWK): Promise<IssuerKey> {
  const { d: _private, ...publicJwk } = privateJwk
  const did = `did:jwk:${Buffer.from(JSON.stringify({ kty: publicJwk.kty, crv: publicJwk.crv, x: publicJwk.x, y: publicJwk.y })).toString('base64url')}`
  return { did, kid: `${did}#0`, privateKey: (await importJWK(privateJwk, 'ES256')) as CryptoKey }
}

/** A new P-256 private JWK, for an issuing organisation. */
export async function makeIssuerJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true })
  return exportJWK(privateKey)
}

export interface SphereonIssuer {
  url: string
  /** The did:jwk an issuing organisation signs with (made on its first offer when it was not given a key). */
  didOf(issuer: string): Promise<string>
  close(): Promise<void>
}

/**
 * `keys`: private JWKs by issuing organisation (the lab's party keys, e.g. bc-registries), so that their DIDs can be
 * registered in a trust registry before the run; an organisation without one gets a key made on its first offer.
 */
export async function startSphereonIssuer(options: { port?: number; host?: string; keys?: Record<string, JWK> } = {}): Promise<SphereonIssuer> {
  const host = options.host ?? '127.0.0.1'
  const types = loadCredentialTypes()
  const issuerKeys = new Map<string, Promise<IssuerKey>>(Object.entries(options.keys ?? {}).map(([issuer, jwk]) => [issuer, issuerKeyOf(jwk)]))
  const keyOf = (issuer: string) => {
    if (!issuerKeys.has(issuer)) issuerKeys.set(issuer, makeIssuerJwk().then(issuerKeyOf))
    return issuerKeys.get(issuer)!
  }
  const keyByDid = async (did: string) => {
    for (const key of issuerKeys.values()) if ((await key).did === did) return key
    throw new Error(`no issuing organisation signs as ${did}`)
  }
  // access tokens are this host's own: signed with a key of their own
  const tokenKeys = await generateKeyPair('ES256')

  const app = express()
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const s = app.listen(options.port ?? 0, host, () => resolve(s))
  })
  const url = `http://${host}:${(server.address() as AddressInfo).port}`

  const signAccessToken = (jwt: Jwt) => new SignJWT(jwt.payload as Record<string, unknown>).setProtectedHeader({ ...jwt.header, alg: 'ES256' }).sign(tokenKeys.privateKey)

  const verifyProof = async ({ jwt }: { jwt: string }): Promise<JwtVerifyResult> => {
    const header = decodeProtectedHeader(jwt) as Record<string, unknown>
    const holder = holderKeyOf(header)
    const { payload } = await jwtVerify(jwt, await importJWK(holder.jwk, String(header.alg)))
    // Sphereon wants the DID document of a DID holder: a did:jwk's is its key, as #0
    const didDocument =
      holder.did === undefined ? undefined : { id: holder.did, verificationMethod: [{ id: `${holder.did}#0`, type: 'JsonWebKey2020', controller: holder.did, publicKeyJwk: holder.jwk }] }
    return {
      jwt: { header: header as Jwt['header'], payload: payload as Jwt['payload'] },
      kid: header.kid as string | undefined,
      alg: String(header.alg),
      did: holder.did,
      didDocument,
      jwk: holder.jwk as JwtVerifyResult['jwk'],
    }
  }

  const credentialData: CredentialDataSupplier = async ({ credentialDataSupplierInput, credentialRequest }) => {
    const { issuer, credentialType, claims, validUntil } = credentialDataSupplierInput as OfferInput
    const type = types.get(credentialType)!
    const { did } = await keyOf(issuer)
    // whole seconds, so that a VC-JWT's exp and expirationDate say the same (VC Data Model 1.1 §6.3.1)
    const expiry = validUntil ? Math.floor(Date.parse(validUntil) / 1000) : undefined
    const exp = expiry ? { exp: expiry } : {}
    const { credential_configuration_id: requested } = credentialRequest as { credential_configuration_id?: string }
    if (requested === configurationId(credentialType, 'dc+sd-jwt')) {
      return {
        format: 'dc+sd-jwt',
        credential: { vct: type.vct, iss: did, iat: Math.floor(Date.now() / 1000), ...exp, ...claims, __disclosureFrame: { _sd: Object.keys(claims) } } as unknown as CredentialIssuanceInput,
      }
    }
    const credential = {
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      type: type.w3cType,
      issuer: did,
      ...(expiry ? { expirationDate: new Date(expiry * 1000).toISOString() } : {}),
      credentialSubject: { ...claims },
    }
    return { format: 'jwt_vc_json', credential: credential as CredentialIssuanceInput }
  }

  const signCredential: CredentialSignerCallback = async ({ credential, format, jwtVerifyResult }) => {
    const holder = jwtVerifyResult.jwk as JWK
    const iat = Math.floor(Date.now() / 1000)
    if (format === 'dc+sd-jwt') {
      const { __disclosureFrame, ...payload } = credential as unknown as Record<string, unknown> & { __disclosureFrame: { _sd: string[] }; iss: string }
      const { kid, privateKey } = await keyByDid(payload.iss)
      // bound as the proof named the key (SD-JWT VC §3.2.2.2): the DID URL of a DID holder, else the key itself
      const cnf = jwtVerifyResult.did && jwtVerifyResult.kid ? { kid: jwtVerifyResult.kid } : { jwk: holder }
      return issueSDJWT({ alg: 'ES256', typ: 'dc+sd-jwt', kid }, payload, __disclosureFrame, {
        // meeco's signer returns the signature only; it joins header, payload and signature itself
        signer: async (header, body) => (await new CompactSign(new TextEncoder().encode(JSON.stringify(body))).setProtectedHeader(header as { alg: string }).sign(privateKey)).split('.')[2],
        hash: { alg: 'sha-256', callback: (data) => createHash('sha256').update(data).digest('base64url') },
        cnf: cnf as never,
        generateSalt: () => randomUUID(),
      })
    }
    // VC-JWT (VC Data Model 1.1 §6.3.1): issuanceDate is nbf, issuer is iss, credentialSubject.id is sub
    const vc = credential as unknown as { issuer: string; expirationDate?: string; credentialSubject: Record<string, unknown> }
    const { did, kid, privateKey } = await keyByDid(vc.issuer)
    const subject = jwtVerifyResult.did ?? undefined
    const issuanceDate = new Date(iat * 1000).toISOString()
    return new SignJWT({
      vc: { ...vc, issuanceDate, credentialSubject: { ...(subject ? { id: subject } : {}), ...vc.credentialSubject } },
      ...(subject ? { sub: subject } : {}),
      nbf: iat,
      ...(vc.expirationDate ? { exp: Math.floor(Date.parse(vc.expirationDate) / 1000) } : {}),
      jti: `urn:uuid:${randomUUID()}`,
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid })
      .setIssuer(did)
      .setIssuedAt(iat)
      .sign(privateKey)
  }

  const credentialConfigurations = Object.fromEntries(
    [...types.values()].flatMap((type) => [
      [
        configurationId(type.id, 'jwt_vc_json'),
        {
          format: 'jwt_vc_json',
          credential_definition: { type: type.w3cType },
          cryptographic_binding_methods_supported: ['did:jwk', 'jwk'],
          credential_signing_alg_values_supported: ['ES256'],
          proof_types_supported: { jwt: { proof_signing_alg_values_supported: ['ES256', 'EdDSA'] } },
        },
      ],
      [
        configurationId(type.id, 'dc+sd-jwt'),
        {
          format: 'dc+sd-jwt',
          vct: type.vct,
          cryptographic_binding_methods_supported: ['did:jwk', 'jwk'],
          credential_signing_alg_values_supported: ['ES256'],
          proof_types_supported: { jwt: { proof_signing_alg_values_supported: ['ES256', 'EdDSA'] } },
        },
      ],
    ]),
  )

  const vcIssuer: VcIssuer = new VcIssuerBuilder()
    .withCredentialIssuer(url)
    .withAuthorizationServers(url)
    .withCredentialEndpoint(`${url}/credential`)
    .withNonceEndpoint(`${url}/nonce`)
    .withTokenEndpoint(`${url}/token`)
    .withIssuerDisplay({ name: 'Sphereon OID4VCI issuer (interop lab peer)', locale: 'en-CA' })
    .withCredentialConfigurationsSupported(credentialConfigurations as never)
    .withAuthorizationMetadata({ issuer: url, token_endpoint: `${url}/token`, response_types_supported: ['token'] } as never)
    .withInMemoryCredentialOfferState()
    .withInMemoryCNonceState()
    .withInMemoryCredentialOfferURIState()
    .withJWTVerifyCallback(verifyProof)
    .withCredentialDataSupplier(credentialData)
    .withCredentialSignerCallback(signCredential)
    .build()

  const wrap = (handler: (req: Request, res: Response) => Promise<unknown>) => (req: Request, res: Response, next: NextFunction) => handler(req, res).catch(next)
  app.use(express.json(), express.urlencoded({ extended: false }))
  app.get('/.well-known/openid-credential-issuer', (_req, res) => {
    res.json(vcIssuer.issuerMetadata)
  })
  app.get('/.well-known/oauth-authorization-server', (_req, res) => {
    res.json(vcIssuer.authorizationServerMetadata)
  })
  app.post(
    '/issuers/:issuer/offers',
    wrap(async (req, res) => {
      const issuer = String(req.params.issuer)
      const { credentialType, claims, format, validUntil } = req.body as Omit<OfferInput, 'issuer'> & { format: SphereonFormat }
      if (validUntil !== undefined && validUntil !== '' && Number.isNaN(Date.parse(validUntil)))
        return res.status(400).json({ error: 'invalid_request', error_description: `validUntil ${validUntil} is not a date` })
      if (!types.has(credentialType) || !SPHEREON_FORMATS.includes(format))
        return res
          .status(400)
          .json({ error: 'invalid_request', error_description: `unknown credential type ${credentialType} or format ${format} (this issuer offers ${SPHEREON_FORMATS.join(', ')})` })
      const offer = await vcIssuer.createCredentialOfferURI({
        offerMode: 'VALUE',
        scheme: 'openid-credential-offer',
        credential_configuration_ids: [configurationId(credentialType, format)],
        grants: { 'urn:ietf:params:oauth:grant-type:pre-authorized_code': { 'pre-authorized_code': randomUUID(), tx_code: { input_mode: 'numeric', length: 6 } } },
        credentialDataSupplierInput: { issuer, credentialType, claims, validUntil: validUntil || undefined } satisfies OfferInput,
      })
      // Sphereon makes the tx_code's value itself (its "userPin")
      const txCode = offer.userPin
      res.status(201).json({ offerUri: offer.uri, txCode })
    }),
  )
  app.post(
    '/token',
    wrap(async (req, res) => {
      const request = req.body as AccessTokenRequest
      await assertValidAccessTokenRequest(request, { credentialOfferSessions: vcIssuer.credentialOfferSessions, expirationDuration: 300 })
      res.json(
        await createAccessTokenResponse(request, {
          credentialOfferSessions: vcIssuer.credentialOfferSessions,
          cNonces: vcIssuer.cNonces,
          cNonceExpiresIn: 300,
          tokenExpiresIn: 300,
          accessTokenIssuer: url,
          accessTokenSignerCallback: signAccessToken,
        }),
      )
    }),
  )
  app.post(
    '/nonce',
    wrap(async (_req, res) => {
      const cNonce = randomUUID()
      await vcIssuer.cNonces.set(cNonce, { cNonce, createdAt: Date.now() })
      res.set('cache-control', 'no-store').json({ c_nonce: cNonce })
    }),
  )
  app.post(
    '/credential',
    wrap(async (req, res) => {
      const token = /^(Bearer|DPoP) (.+)$/i.exec(req.headers.authorization ?? '')?.[2]
      if (!token) return res.status(401).json({ error: 'invalid_token', error_description: 'no access token (RFC 6750 §2.1)' })
      const { payload } = await jwtVerify(token, tokenKeys.publicKey, { issuer: url }).catch(() => ({ payload: undefined }))
      if (!payload) return res.status(401).json({ error: 'invalid_token', error_description: 'the access token does not verify' })
      res.json(await vcIssuer.issueCredential({ credentialRequest: req.body as CredentialRequest, issuerCorrelation: { preAuthorizedCode: String(payload.preAuthorizedCode) } }))
    }),
  )
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { statusCode?: number }).statusCode ?? 400
    const message = error instanceof Error ? error.message : JSON.stringify(error)
    res.status(status >= 400 && status < 600 ? status : 400).json({ error: (error as { responseError?: string }).responseError ?? 'invalid_request', error_description: message })
  })

  return {
    url,
    didOf: async (issuer) => (await keyOf(issuer)).did,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections() // a wallet's keep-alive connection would hold the process open
      }),
  }
}
