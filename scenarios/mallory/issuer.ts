import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { Express } from 'express'
import { decodeProtectedHeader } from 'jose'
import { z } from 'zod'
import { loadCredentialTypes } from '@interop-lab/common/credentialTypes'
import { handle, HttpError, parseInput } from '@interop-lab/common/http'
import { type MalloryKey, newDidJwk, signJwt } from './keys'

/**
 * Mallory's OID4VCI 1.0 issuer: a real credential issuer (metadata, pre-authorized code, nonce, token and credential
 * endpoints) whose credential is wrong in the way its case says. Offers are made at `POST /mallory/offers`.
 */

const FORMATS = ['dc+sd-jwt', 'jwt_vc_json'] as const
type MalloryFormat = (typeof FORMATS)[number]
/** The type Mallory offers; `wrong-type` delivers this one instead. */
const OFFERED_TYPE = 'VerifiedPersonCredential'
const SUBSTITUTED_TYPE = 'BusinessRegistrationCredential'

export const malloryOfferSchema = z.strictObject({
  case: z.enum(['honest', 'bad-signature', 'foreign-cnf', 'expired', 'unknown-issuer', 'wrong-type']),
  format: z.enum(FORMATS),
  claims: z.record(z.string(), z.unknown()),
})
export type MalloryOfferInput = z.infer<typeof malloryOfferSchema>

interface PendingOffer {
  input: MalloryOfferInput
  accessToken?: string
  /** Set when a credential was handed out: the wallet redeemed the offer. */
  delivered: boolean
}

const types = loadCredentialTypes()
const configurationId = (format: MalloryFormat) => `${OFFERED_TYPE}_${format}`

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url')

function sdJwt(claims: Record<string, unknown>): { disclosures: string[]; digests: string[] } {
  const disclosures = Object.entries(claims).map(([name, value]) => b64([randomBytes(16).toString('base64url'), name, value]))
  return { disclosures, digests: disclosures.map(sha256) }
}

export async function mountMalloryIssuer(app: Express, baseUrl: () => string) {
  const signer = await newDidJwk()
  /** Signs the `bad-signature` credential while its header names `signer`. */
  const impostor = await newDidJwk()
  /** A key the wallet never proved: the `foreign-cnf` credential is bound to it. */
  const stranger = await newDidJwk()
  const offers = new Map<string, PendingOffer>()
  const issuerUrl = () => `${baseUrl()}/mallory/oid4vci`

  const metadata = () => ({
    credential_issuer: issuerUrl(),
    credential_endpoint: `${issuerUrl()}/credential`,
    nonce_endpoint: `${issuerUrl()}/nonce`,
    display: [{ name: 'Mallory (conformance test issuer)', locale: 'en-CA' }],
    credential_configurations_supported: {
      [configurationId('dc+sd-jwt')]: {
        format: 'dc+sd-jwt',
        vct: types.get(OFFERED_TYPE)!.vct,
        cryptographic_binding_methods_supported: ['did:jwk', 'did:key'],
        credential_signing_alg_values_supported: ['EdDSA'],
        proof_types_supported: { jwt: { proof_signing_alg_values_supported: ['EdDSA', 'ES256'] } },
      },
      [configurationId('jwt_vc_json')]: {
        format: 'jwt_vc_json',
        credential_definition: { type: types.get(OFFERED_TYPE)!.w3cType },
        cryptographic_binding_methods_supported: ['did:jwk', 'did:key'],
        credential_signing_alg_values_supported: ['EdDSA'],
        proof_types_supported: { jwt: { proof_signing_alg_values_supported: ['EdDSA', 'ES256'] } },
      },
    },
  })
  const authorizationServer = () => ({
    issuer: issuerUrl(),
    token_endpoint: `${issuerUrl()}/token`,
    grant_types_supported: ['urn:ietf:params:oauth:grant-type:pre-authorized_code'],
    'pre-authorized_grant_anonymous_access_supported': true,
  })
  for (const path of ['/mallory/oid4vci/.well-known/openid-credential-issuer', '/.well-known/openid-credential-issuer/mallory/oid4vci']) app.get(path, (_req, res) => void res.json(metadata()))
  for (const path of ['/mallory/oid4vci/.well-known/oauth-authorization-server', '/.well-known/oauth-authorization-server/mallory/oid4vci'])
    app.get(path, (_req, res) => void res.json(authorizationServer()))

  app.post('/mallory/oid4vci/nonce', (_req, res) => void res.set('cache-control', 'no-store').json({ c_nonce: randomBytes(16).toString('base64url') }))
  app.post(
    '/mallory/oid4vci/token',
    handle(async (req, res) => {
      const offer = offers.get(String(req.body?.['pre-authorized_code'] ?? ''))
      if (!offer || offer.accessToken) throw new HttpError(400, 'invalid_grant', 'Unknown or already used pre-authorized code')
      offer.accessToken = randomBytes(24).toString('base64url')
      res.set('cache-control', 'no-store').json({ access_token: offer.accessToken, token_type: 'Bearer', expires_in: 300 })
    }),
  )
  app.post(
    '/mallory/oid4vci/credential',
    handle(async (req, res) => {
      const token = String(req.headers.authorization ?? '').replace(/^Bearer /, '')
      const offer = [...offers.values()].find((o) => o.accessToken && o.accessToken === token)
      if (!offer) throw new HttpError(401, 'invalid_token', 'Unknown access token')
      const proof: unknown = req.body?.proofs?.jwt?.[0] ?? req.body?.proof?.jwt
      const holderKid = typeof proof === 'string' ? decodeProtectedHeader(proof).kid : undefined
      if (!holderKid?.startsWith('did:')) throw new HttpError(400, 'invalid_proof', 'Mallory binds to a DID: the key proof must name its key by a DID URL (kid)')
      const credential = await credentialFor(offer.input, holderKid)
      offer.delivered = true
      res.json({ credentials: [{ credential }] })
    }),
  )
  app.post(
    '/mallory/offers',
    handle(async (req, res) => {
      const input = parseInput(malloryOfferSchema, req.body)
      const code = randomUUID()
      offers.set(code, { input, delivered: false })
      const credentialOffer = {
        credential_issuer: issuerUrl(),
        credential_configuration_ids: [configurationId(input.format)],
        grants: { 'urn:ietf:params:oauth:grant-type:pre-authorized_code': { 'pre-authorized_code': code } },
      }
      res.status(201).json({ offerId: code, offerUri: `openid-credential-offer://?credential_offer=${encodeURIComponent(JSON.stringify(credentialOffer))}` })
    }),
  )
  app.get('/mallory/offers/:id', (req, res) => {
    const offer = offers.get(String(req.params.id))
    if (!offer) throw new HttpError(404, 'unknown_offer', `No Mallory offer ${req.params.id}`)
    res.json({ delivered: offer.delivered })
  })

  /** The credential of an offer, honest but for what its case breaks. */
  async function credentialFor({ case: kind, format, claims }: MalloryOfferInput, holderKid: string): Promise<string> {
    const key: MalloryKey = kind === 'unknown-issuer' ? await newDidJwk() : signer
    const boundTo = kind === 'foreign-cnf' ? stranger.kid : holderKid
    const type = types.get(kind === 'wrong-type' ? SUBSTITUTED_TYPE : OFFERED_TYPE)!
    const now = Math.floor(Date.now() / 1000)
    const [iat, exp] = kind === 'expired' ? [now - 7200, now - 3600] : [now, now + 3600]
    const signWith = kind === 'bad-signature' ? impostor : key
    const header = { kid: key.kid }
    if (format === 'dc+sd-jwt') {
      const { disclosures, digests } = sdJwt(claims)
      const payload = { iss: key.did, vct: type.vct, iat, exp, cnf: { kid: boundTo }, _sd_alg: 'sha-256', _sd: digests }
      return `${await signJwt(payload, { ...header, typ: 'dc+sd-jwt' }, signWith)}~${disclosures.map((d) => `${d}~`).join('')}`
    }
    const subject = boundTo.split('#')[0]
    const vc = {
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      type: type.w3cType,
      issuer: key.did,
      issuanceDate: new Date(iat * 1000).toISOString(),
      expirationDate: new Date(exp * 1000).toISOString(),
      credentialSubject: { id: subject, ...claims },
    }
    return signJwt({ iss: key.did, sub: subject, nbf: iat, exp, jti: `urn:uuid:${randomUUID()}`, vc }, { ...header, typ: 'JWT' }, signWith)
  }

  return { did: signer.did }
}
