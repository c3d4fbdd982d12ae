import { parseDid } from '@credo-ts/core'
import { compactVerify, importJWK } from 'jose'
import { decodeCompactJws } from '../decodeCompactJws'
import type { IssuerKeyResolver } from './issuerKeys'
import type { CheckResult } from './result'

/** What an issuer signs a credential with: its DID's asymmetric keys (RFC 8725 §3.1: never `none`, never a MAC). */
export const ISSUER_ALGORITHMS = new Set(['EdDSA', 'Ed25519', 'ES256', 'ES384', 'ES512', 'ES256K', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512'])
/** Header parameters carrying or pointing to a key of their own: no such key is bound to the issuer DID here. */
const SELF_ASSERTED_KEY_HEADERS = ['jwk', 'x5c', 'x5u', 'jku']

const failed = (clause: string, message: string): CheckResult => ({ check: 'signature', passed: false, clause, message: `${clause}: ${message}` })

const didOf = (didUrl: string) => {
  try {
    return parseDid(didUrl).did
  } catch {
    return didUrl
  }
}

/** The issuer's DID URL the header's `kid` names: absolute with the issuer's DID, or relative to it. */
function issuerKeyUrl(kid: unknown, issuer: string): string | undefined {
  if (typeof kid !== 'string' || !kid) return undefined
  if (kid.startsWith('#')) return `${issuer}${kid}`
  return kid.startsWith('did:') ? kid : undefined
}

/**
 * Proves that a credential's compact JWS (a W3C JWT VC, or an SD-JWT VC's issuer-signed JWT) is signed by a key of
 * `issuer`, the DID the trust registry is asked about: `iss` is that DID, `kid` one of its assertion keys, the
 * algorithm asymmetric, no key carried in the header, and the signature verifies with that key.
 */
export async function jwsSignerIsIssuer(jws: string, issuer: string, clause: string, issuerKey: IssuerKeyResolver): Promise<CheckResult> {
  const decoded = decodeCompactJws(jws)
  if (!decoded) return failed(clause, 'the credential is not a compact JWS with a JSON header and payload')
  const { header, payload } = decoded
  const { alg, kid } = header
  if (!alg || !ISSUER_ALGORITHMS.has(alg)) {
    return failed(clause, `the credential is signed with alg '${String(alg)}'; an issuer signs with an asymmetric key of its DID (EdDSA, ES256…), never 'none' or an HMAC (RFC 8725 §3.1)`)
  }
  const carried = SELF_ASSERTED_KEY_HEADERS.find((name) => name in header)
  if (carried) return failed(clause, `the credential brings its own key in its '${carried}' header; only a key of its issuer ${issuer}'s DID document is accepted`)
  if (payload.iss !== issuer) return failed(clause, `the credential's iss ${String(payload.iss ?? '(none)')} is not its issuer ${issuer}`)
  const didUrl = issuerKeyUrl(kid, issuer)
  if (!didUrl) return failed(clause, `the credential's kid ${kid === undefined ? '(none)' : `'${String(kid)}'`} names no key of its issuer ${issuer}`)
  const signer = didOf(didUrl)
  if (signer !== issuer) return failed(clause, `the credential is signed by ${signer}, not by its issuer ${issuer}`)
  let key: Awaited<ReturnType<IssuerKeyResolver>>
  try {
    key = await issuerKey(issuer, didUrl)
  } catch (error) {
    return failed(clause, `${didUrl} is not an assertion key of the issuer ${issuer} (${error instanceof Error ? error.message : String(error)})`)
  }
  try {
    await compactVerify(jws, await importJWK(key, alg), { algorithms: [alg] })
  } catch {
    return failed(clause, `the signature does not verify with the issuer's key ${didUrl}`)
  }
  return { check: 'signature', passed: true, clause, message: `${clause}: signed by ${didUrl}, an assertion key of the issuer` }
}
