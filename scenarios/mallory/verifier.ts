import { randomBytes, randomUUID } from 'node:crypto'
import type { Express } from 'express'
import { z } from 'zod'
import { loadCredentialTypes } from '@interop-lab/common/credentialTypes'
import { handle, HttpError, parseInput } from '@interop-lab/common/http'
import { x509Hash } from '@interop-lab/common/x509/chain'
import { exportJWK, generateKeyPair } from 'jose'
import { VERIFIER_CASES, type VerifierCase } from './cases'
import { type MalloryCertificate, newCertifiedKey, newDidJwk, signEs256Jwt, signJwt } from './keys'

/**
 * Mallory's OID4VP 1.0 verifier: request objects served at a request_uri, answers taken at a direct_post response
 * endpoint, each request wrong in the way its case says. Whether a wallet answered is what the endpoint received
 * (`GET /mallory/requests/:id`), not what the wallet says.
 */

export const malloryRequestSchema = z.strictObject({
  case: z.enum(Object.keys(VERIFIER_CASES) as [VerifierCase, ...VerifierCase[]]),
  format: z.enum(['dc+sd-jwt', 'jwt_vc_json']),
})
export type MalloryRequestInput = z.infer<typeof malloryRequestSchema>

/** The purpose Mallory declares (verifier/purposes.json), and the claims it asks: its necessary ones, and one more when over-asking. */
const PURPOSE = 'business-account-opening'
const ASKED_TYPE = 'VerifiedPersonCredential'
const NECESSARY_CLAIMS = ['given_name', 'family_name', 'identity_assurance_level', 'jurisdiction']
const EXCESS_CLAIM = 'birth_date'

interface MalloryRequest {
  input: MalloryRequestInput
  /** The request object served at its request_uri; absent for a request passed by value (unsigned). */
  requestObject?: string
  /** How many direct_post answers carried a vp_token. */
  answers: number
}

const types = loadCredentialTypes()

function dcqlQuery(format: MalloryRequestInput['format'], claims: string[]) {
  const type = types.get(ASKED_TYPE)!
  const meta = format === 'dc+sd-jwt' ? { vct_values: [type.vct] } : { type_values: [type.w3cType] }
  const path = (claim: string) => (format === 'dc+sd-jwt' ? [claim] : ['credentialSubject', claim])
  return { credentials: [{ id: 'person', format, meta, claims: claims.map((claim) => ({ path: path(claim) })) }] }
}

/** A request's parameters as passed by value: what only a request object carries (iat, exp, aud) left out. */
const byValue = ({ iat: _iat, exp: _exp, aud: _aud, ...parameters }: Record<string, unknown>) => parameters

export async function mountMalloryVerifier(app: Express, urls: { base: () => string; otherHost: () => string }) {
  const client = await newDidJwk()
  /** Signs the `wrong-signature` request while its kid names `client`; its own DID signs `wrong-client-id`. */
  const other = await newDidJwk()
  const requests = new Map<string, MalloryRequest>()

  /** A request by reference (a request object at a request_uri), or by value in the URI itself: unsigned. */
  type Built = { clientId: string; requestObject: string } | { clientId: string; byValue: Record<string, unknown> }

  /** Mallory's relying-party certificate, under its own root (made on the first HAIP request, once its URL is known). */
  let certified: MalloryCertificate | undefined

  /**
   * A HAIP 1.0 request (haip-vp://, direct_post.jwt to a P-256 key of Mallory's, ES256) wrong as its case says: passed by
   * value though its client id is x509_hash; signed, but the x509_hash is another certificate's (Mallory's root's); or
   * right in every way but its chain, which ends in Mallory's own root.
   */
  async function buildHaip(payload: Record<string, unknown>, kind: VerifierCase): Promise<Built> {
    certified ??= await newCertifiedKey(`${urls.base()}/mallory/oid4vp`)
    const encryption = await exportJWK((await generateKeyPair('ECDH-ES', { crv: 'P-256' })).publicKey)
    const clientId = `x509_hash:${x509Hash(kind === 'haip-wrong-client-id-hash' ? certified.root : certified.leaf)}`
    const haip = {
      ...payload,
      client_id: clientId,
      response_mode: 'direct_post.jwt',
      client_metadata: {
        jwks: { keys: [{ ...encryption, use: 'enc', alg: 'ECDH-ES', kid: 'mallory-enc' }] },
        encrypted_response_enc_values_supported: ['A128GCM', 'A256GCM'],
        vp_formats_supported: { 'dc+sd-jwt': { 'sd-jwt_alg_values': ['ES256'], 'kb-jwt_alg_values': ['ES256'] }, mso_mdoc: { issuerauth_alg_values: [-7], deviceauth_alg_values: [-7] } },
      },
    }
    if (kind === 'haip-unsigned-request') return { clientId, byValue: byValue(haip) }
    return { clientId, requestObject: await signEs256Jwt(haip, { typ: 'oauth-authz-req+jwt', x5c: [certified.leaf] }, certified) }
  }

  async function build(id: string, input: MalloryRequestInput): Promise<Built> {
    const responseUri = `${urls.base()}/mallory/oid4vp/responses/${id}`
    const claims = input.case === 'over-asking' ? [...NECESSARY_CLAIMS, EXCESS_CLAIM] : NECESSARY_CLAIMS
    const now = Math.floor(Date.now() / 1000)
    const payload = {
      iat: now,
      exp: now + 600,
      aud: 'https://self-issued.me/v2',
      response_type: 'vp_token',
      response_mode: 'direct_post',
      response_uri: responseUri,
      client_id: `decentralized_identifier:${client.did}`,
      nonce: randomBytes(24).toString('base64url'),
      state: randomBytes(24).toString('base64url'),
      dcql_query: dcqlQuery(input.format, claims),
      // OID4VP 1.0 §5.1: attestations about the verifier; here, the purpose it asks for (the lab's minimization catalogue)
      verifier_info: [{ format: 'interop-lab-purpose', data: { purpose: PURPOSE } }],
      client_metadata: { vp_formats_supported: { 'dc+sd-jwt': { 'sd-jwt_alg_values': ['EdDSA', 'ES256'], 'kb-jwt_alg_values': ['EdDSA', 'ES256'] }, jwt_vc_json: { alg_values: ['EdDSA', 'ES256'] } } },
    }
    const header = { typ: 'oauth-authz-req+jwt' }
    switch (input.case) {
      case 'haip-unsigned-request':
      case 'haip-wrong-client-id-hash':
      case 'haip-untrusted-request-chain':
        return buildHaip(payload, input.case)
      case 'unsigned-request':
        return { clientId: payload.client_id, byValue: byValue(payload) }
      case 'wrong-signature':
        return { clientId: payload.client_id, requestObject: await signJwt(payload, { ...header, kid: client.kid }, other) }
      case 'wrong-client-id':
        return { clientId: payload.client_id, requestObject: await signJwt(payload, { ...header, kid: other.kid }, other) }
      case 'foreign-response-uri': {
        // redirect_uri prefix: the client id is the response URI, the request unsigned (§5.9.3); the answer is sent elsewhere
        const clientId = `redirect_uri:${responseUri}`
        return { clientId, byValue: { ...byValue(payload), client_id: clientId, response_uri: `${urls.otherHost()}/mallory/oid4vp/responses/${id}` } }
      }
      default:
        return { clientId: payload.client_id, requestObject: await signJwt(payload, { ...header, kid: client.kid }, client) }
    }
  }

  app.post(
    '/mallory/requests',
    handle(async (req, res) => {
      const input = parseInput(malloryRequestSchema, req.body)
      const id = randomUUID()
      const built = await build(id, input)
      const requestObject = 'requestObject' in built ? built.requestObject : undefined
      requests.set(id, { input, requestObject, answers: 0 })
      const parameters: Record<string, string> =
        'byValue' in built
          ? Object.fromEntries(Object.entries(built.byValue).map(([name, value]) => [name, typeof value === 'string' ? value : JSON.stringify(value)]))
          : { client_id: built.clientId, request_uri: `${urls.base()}/mallory/oid4vp/requests/${id}` }
      const scheme = input.case.startsWith('haip-') ? 'haip-vp://' : 'openid4vp://'
      const requestUri = `${scheme}?${new URLSearchParams(parameters).toString()}`
      res.status(201).json({ id, requestUri })
    }),
  )
  const requestFor = (id: string) => {
    const request = requests.get(id)
    if (!request) throw new HttpError(404, 'unknown_request', `No Mallory request ${id}`)
    return request
  }
  // the same request object every time it is fetched: the replayed request is this one, fetched again
  app.get('/mallory/oid4vp/requests/:id', (req, res) => {
    const { requestObject } = requestFor(String(req.params.id))
    if (!requestObject) throw new HttpError(404, 'by_value', 'This request was passed by value, not by reference')
    res.type('application/oauth-authz-req+jwt').send(requestObject)
  })
  app.post('/mallory/oid4vp/responses/:id', (req, res) => {
    const request = requestFor(String(req.params.id))
    // a clear answer's vp_token, or an encrypted one (direct_post.jwt: a `response` JWE)
    const answer = req.body?.vp_token ?? req.body?.response
    if (typeof answer === 'string' && answer.length > 0) request.answers++
    res.json({})
  })
  app.get('/mallory/requests/:id', (req, res) => void res.json({ answers: requestFor(String(req.params.id)).answers }))

  return { did: client.did }
}
