import * as x509 from '@peculiar/x509'
import { webcrypto, X509Certificate } from 'node:crypto'
import { CompactEncrypt, compactVerify, decodeJwt, decodeProtectedHeader, importJWK, type JWK } from 'jose'
import { HAIP_REQUIREMENTS, type HaipRequirement } from '@interop-lab/contracts'
import { ChainRefused, clientIdMismatch, validateChain } from '@interop-lab/common/x509/chain'
import type { X509Anchor } from '@interop-lab/trust-registry/client'

/**
 * What the lab wallet checks of a HAIP 1.0 presentation request before it answers (beyond what Credo verifies): it is a
 * request object fetched by reference and signed ES256 by its x5c leaf, its client id names that leaf, and the leaf (not
 * self-signed, the anchor not in x5c) chains to a verifier root the trust registry lists. It answers only with credentials
 * certified by an authority the query names (trusted_authorities), in A256GCM when the verifier lists it.
 */

/** The URL scheme HAIP 1.0 names for presentation requests (`haip-vp://`); an `openid4vp://` request with an X.509 client id is HAIP too. */
const HAIP_SCHEMES = ['haip-vp:']

/** A request the wallet treats under HAIP: a HAIP scheme, or an X.509 client id (x509_hash, x509_san_dns). */
export function isHaipRequest(requestUri: string): boolean {
  const url = URL.parse(requestUri)
  return url !== null && (HAIP_SCHEMES.includes(url.protocol) || /^x509_(hash|san_dns):/.test(url.searchParams.get('client_id') ?? ''))
}

/** Why the wallet refuses a HAIP request: the requirement it breaks, and a message naming its clause. */
export interface HaipRefusal {
  requirement: HaipRequirement
  error: string
}

const refusal = (requirement: HaipRequirement, what: string): HaipRefusal => ({ requirement, error: `${HAIP_REQUIREMENTS[requirement].clause}: ${what}: refused` })

/**
 * Keeps the request object the wallet's agent fetches from the request_uri of the HAIP request being answered, so the
 * wallet judges exactly what Credo resolved (one fetch). Another request's is not kept (nothing judges it).
 */
export class RequestObjectCapture {
  private expected?: string
  public requestObject?: string

  /** The request being answered is `requestUri`: its request_uri's answer is kept when it is a HAIP request. */
  public expect(requestUri: string): void {
    this.expected = isHaipRequest(requestUri) ? (URL.parse(requestUri)?.searchParams.get('request_uri') ?? undefined) : undefined
    this.requestObject = undefined
  }

  /** The fetch of the expected request_uri, its body kept; undefined for any other URL. */
  public fetch(input: Parameters<typeof fetch>[0], init: RequestInit | undefined, send: typeof fetch): Promise<Response> | undefined {
    const url = input instanceof Request ? input.url : String(input)
    if (!this.expected || url !== this.expected) return undefined
    return send(input, init).then(async (response) => {
      this.requestObject = response.ok ? await response.clone().text() : undefined
      return response
    })
  }
}

/**
 * The first HAIP requirement the request breaks, in the order a wallet can tell: signed by reference (`signed-request`),
 * its client id naming its signer (`client-id`), that signer not self-signed, under a listed verifier root left out of
 * x5c (`request-chain`).
 * `verifierRoots` are the trust registry's anchors of kind `verifier`; none listed (or no registry): refused.
 */
export async function haipRequestRefusal(requestUri: string, requestObject: string | undefined, verifierRoots: () => Promise<X509Anchor[]>): Promise<HaipRefusal | undefined> {
  const parameters = URL.parse(requestUri)?.searchParams
  if (!parameters?.get('request_uri') || !requestObject) return refusal('signed-request', 'the request is passed by value, not as a request object fetched from request_uri')
  let header: ReturnType<typeof decodeProtectedHeader>
  let payload: ReturnType<typeof decodeJwt>
  try {
    header = decodeProtectedHeader(requestObject)
    payload = decodeJwt(requestObject)
  } catch {
    return refusal('signed-request', 'what request_uri answers is not a signed request object (a JWS)')
  }
  const x5c = Array.isArray(header.x5c) ? header.x5c.filter((entry): entry is string => typeof entry === 'string') : []
  if (header.alg !== 'ES256' || !x5c.length)
    return refusal('signed-request', `the request object is signed ${String(header.alg)} ${x5c.length ? 'with' : 'without'} an x5c chain; HAIP asks ES256 with x5c`)
  try {
    await compactVerify(requestObject, new X509Certificate(Buffer.from(x5c[0], 'base64')).publicKey, { algorithms: ['ES256'] })
  } catch {
    return refusal('signed-request', 'the request object’s signature does not verify with the key of its x5c leaf')
  }

  const clientId = String(payload.client_id ?? '')
  if (parameters.get('client_id') !== clientId) return refusal('client-id', `the request URL names client ${parameters.get('client_id')}, its request object ${clientId}`)
  const mismatch = clientIdMismatch(clientId, x5c[0], String(payload.response_uri ?? ''))
  if (mismatch) return refusal('client-id', mismatch)

  const shape = await anchorOrSelfSigned(x5c)
  if (shape) return refusal('request-chain', shape)
  let roots: X509Anchor[]
  try {
    roots = (await verifierRoots()).filter((anchor) => anchor.kind === 'verifier')
  } catch (error) {
    return refusal('request-chain', `the verifier roots could not be read from the trust registry (${error instanceof Error ? error.message : String(error)})`)
  }
  try {
    await validateChain(
      x5c,
      roots.map((anchor) => anchor.certificate),
    )
  } catch (error) {
    if (!(error instanceof ChainRefused)) throw error
    return refusal('request-chain', `the request’s certificate does not chain to a verifier root the trust registry lists (${roots.length} listed): ${error.message}`)
  }
  return undefined
}

/**
 * HAIP 1.0 §5: "The X.509 certificate of the trust anchor MUST NOT be included in the x5c JOSE header of the signed
 * request. The X.509 certificate signing the request MUST NOT be self-signed." A self-signed certificate in x5c is an anchor.
 */
async function anchorOrSelfSigned(x5c: readonly string[]): Promise<string | undefined> {
  let certificates: x509.X509Certificate[]
  try {
    certificates = x5c.map((der) => new x509.X509Certificate(der))
  } catch {
    return undefined // validateChain names the malformed certificate
  }
  const crypto = webcrypto as Crypto
  if (await certificates[0].isSelfSigned(crypto)) return `the certificate signing the request (${certificates[0].subject}) is self-signed`
  for (const certificate of certificates.slice(1)) {
    if (await certificate.isSelfSigned(crypto)) return `the x5c header includes the trust anchor (${certificate.subject}); it carries the chain up to the anchor, not the anchor itself`
  }
  return undefined
}

/** What the wallet's DCQL match says of one credential query (dcql's result, as Credo's holder returns it). */
interface CredentialQueryMatch {
  success: boolean
  failed_credentials?: { trusted_authorities: { success: boolean }; meta: { success: boolean }; claims: { success: boolean } }[]
}

/**
 * HAIP 1.0 §5 / OID4VP 1.0 §6.1.1.1: a query the wallet holds a credential of the asked type and claims for, but whose
 * certificate no authority of the query's trusted_authorities issued; the wallet offers only credentials that match.
 */
export function untrustedAuthorityRefusal(matches: Record<string, CredentialQueryMatch>): HaipRefusal | undefined {
  const unmatched = Object.entries(matches).filter(
    ([, match]) => !match.success && match.failed_credentials?.some((failed) => !failed.trusted_authorities.success && failed.meta.success && failed.claims.success),
  )
  if (!unmatched.length) return undefined
  return refusal('trusted-authorities', `this wallet holds ${unmatched.map(([id]) => id).join(', ')} only under authorities the request does not name in trusted_authorities`)
}

/** HAIP 1.0 §5: a wallet that supports both SHOULD use A256GCM; the lab wallet does when the verifier lists it, else the first it lists. */
export const responseEncryption = (listed: readonly string[] | undefined): string => (listed?.includes('A256GCM') ? 'A256GCM' : (listed?.[0] ?? 'A128GCM'))

/** The faults that change a vp_token on the wire: under direct_post.jwt the wallet changes it before it encrypts it (`encryptedResponse`). */
export const VP_TOKEN_FAULTS: ReadonlySet<string> = new Set(['tamper', 'wrong-holder-key', 'replay'])

/**
 * A direct_post.jwt response made by the wallet itself (OID4VP 1.0 §8.3): the form Credo would have posted in the clear,
 * as a JWE (ECDH-ES) to the encryption key of the request's client_metadata, so that a fault changes the vp_token first.
 */
export async function encryptedResponse(clear: URLSearchParams, clientMetadata: { jwks?: { keys?: JWK[] }; encrypted_response_enc_values_supported?: string[] }): Promise<string> {
  const key = clientMetadata.jwks?.keys?.find((jwk) => jwk.use === 'enc')
  if (!key) throw new Error('The request asks for an encrypted response but its client_metadata has no encryption key (OID4VP 1.0 §8.3)')
  const fields = { vp_token: JSON.parse(clear.get('vp_token') ?? 'null') as unknown, ...(clear.has('state') ? { state: clear.get('state') } : {}) }
  const enc = responseEncryption(clientMetadata.encrypted_response_enc_values_supported)
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(fields))).setProtectedHeader({ alg: 'ECDH-ES', enc, ...(key.kid ? { kid: key.kid } : {}) }).encrypt(await importJWK(key, 'ECDH-ES'))
}
