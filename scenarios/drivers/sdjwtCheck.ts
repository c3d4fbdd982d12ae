import { createHash, randomUUID } from 'node:crypto'
import { createHashMapping, decodeSDJWT, verifySDJWT } from '@meeco/sd-jwt'
import { compactVerify, decodeProtectedHeader, importJWK, type JWK, jwtVerify } from 'jose'
import { z } from 'zod'
import { DriverError, type Verdict, type VerifierDriver } from './types'

/**
 * An SD-JWT VC verifier that is not the lab's: `@meeco/sd-jwt` (not the `@sd-jwt/*` packages Credo uses) checks the
 * issuer's signature with the key of the issuer's did:jwk, its validity period, the disclosures and the key binding JWT. It answers the
 * question "does the lab's credential verify elsewhere?", not a policy: it does not ask the trust registry, a status
 * list or the claims a purpose needs. It speaks no OID4VP: a wallet hands it the presentation directly, for the
 * request URI it was given (`sdjwt-check://present?…`).
 */
export const sdjwtCheckConfig = z.strictObject({
  role: z.literal('verifier'),
  driver: z.literal('sdjwt-check'),
})
export type SdjwtCheckConfig = z.infer<typeof sdjwtCheckConfig>

export const SDJWT_CHECK_SCHEME = 'sdjwt-check:'
/** How this verifier is presented to: an SD-JWT VC handed over in process (see DriverCapabilities.presentsOver). */
export const SD_JWT_HANDOFF = 'sd-jwt-handoff'

/** The checks, named as the lab verifier names its own where they are the same check. */
export type SdJwtCheck = 'format' | 'issuer-key' | 'signature' | 'expiry' | 'disclosures' | 'holder-binding' | 'nonce' | 'audience'

export type SdJwtCheckResult = { accepted: true; claims: Record<string, unknown> } | { accepted: false; failedCheck: SdJwtCheck; reason: string }

const sha256 = (data: string) => createHash('sha256').update(data).digest('base64url')
const getHasher = async (alg: string) => {
  if (alg !== 'sha-256') throw new Error(`unsupported _sd_alg ${alg}`)
  return sha256
}

/** The public key of a did:jwk (the lab's issuers and the Sphereon peer sign with one); other methods are not resolved here. */
function keyOfDid(did: string): JWK {
  if (!did.startsWith('did:jwk:')) throw new Error(`${did} is not a did:jwk; this verifier resolves did:jwk only`)
  return JSON.parse(Buffer.from(did.slice('did:jwk:'.length).split('#')[0], 'base64url').toString('utf8')) as JWK
}

/** Every digest the payload references (`_sd` entries and `{"...": digest}` array elements), disclosed values included. */
function referencedDigests(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) referencedDigests(item, into)
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === '_sd' && Array.isArray(inner)) inner.forEach((digest) => into.add(String(digest)))
      else if (key === '...') into.add(String(inner))
      else referencedDigests(inner, into)
    }
  }
  return into
}

const refused = (failedCheck: SdJwtCheck, reason: string): SdJwtCheckResult => ({ accepted: false, failedCheck, reason })

/** Verifies an SD-JWT VC presentation (issuer JWT ~ disclosures ~ KB-JWT) for this nonce and audience. */
export async function checkSdJwtPresentation(presentation: string, expected: { nonce: string; audience: string }): Promise<SdJwtCheckResult> {
  let decoded: ReturnType<typeof decodeSDJWT>
  try {
    decoded = decodeSDJWT(presentation)
  } catch (error) {
    return refused('format', `not an SD-JWT (RFC 9901 §4): ${(error as Error).message}`)
  }
  const issuerJwt = presentation.split('~')[0]
  const { iss } = decoded.unverifiedInputSDJWT as { iss?: string }
  let issuerKey: JWK
  try {
    issuerKey = keyOfDid(String(iss))
  } catch (error) {
    return refused('issuer-key', `the issuer's key (SD-JWT VC §3.5, iss) could not be found: ${(error as Error).message}`)
  }
  const header = decodeProtectedHeader(issuerJwt)
  if (header.typ !== 'dc+sd-jwt') return refused('format', `the issuer JWT's typ is ${String(header.typ)}, not dc+sd-jwt (SD-JWT VC §3.2.1)`)
  // meeco reports a failed key binding only as "Failed to verify Key Binding JWT": keep our callback's reason
  let keyBindingProblem: { check: SdJwtCheck; reason: string } | undefined
  const verifyKeyBinding = async (kbJwt: string, holderKey: JWK) => {
    const fail = (check: SdJwtCheck, reason: string) => {
      keyBindingProblem = { check, reason }
      return false
    }
    try {
      const { payload, protectedHeader } = await jwtVerify(kbJwt, await importJWK(holderKey, decodeProtectedHeader(kbJwt).alg), { typ: 'kb+jwt' })
      if (payload.nonce !== expected.nonce) return fail('nonce', `the KB-JWT's nonce is not the one this request gave (RFC 9901 §7.3 step 5)`)
      if (payload.aud !== expected.audience) return fail('audience', `the KB-JWT's aud is ${String(payload.aud)}, not ${expected.audience} (RFC 9901 §7.3 step 5)`)
      if (payload.sd_hash !== sha256(presentation.slice(0, presentation.lastIndexOf('~') + 1))) return fail('disclosures', `the KB-JWT's sd_hash does not cover these disclosures (RFC 9901 §4.3.1)`)
      return protectedHeader.typ === 'kb+jwt'
    } catch (error) {
      return fail('holder-binding', `the KB-JWT is not signed by the key in cnf (RFC 9901 §7.3 step 4): ${(error as Error).message}`)
    }
  }
  let claims: Record<string, unknown>
  try {
    const key = await importJWK(issuerKey, header.alg)
    claims = (await verifySDJWT(presentation, async (jwt) => Boolean(await compactVerify(jwt, key)), getHasher, { kb: { verifier: verifyKeyBinding } })) as Record<string, unknown>
  } catch (error) {
    if (keyBindingProblem) return refused(keyBindingProblem.check, keyBindingProblem.reason)
    const reason = (error as Error).message
    if (/Key Binding|holder public key/i.test(reason)) return refused('holder-binding', `${reason} (RFC 9901 §7.3)`)
    return refused('signature', `${reason}: the issuer JWT does not verify under the key of ${iss} (RFC 9901 §7.1 step 2)`)
  }
  // meeco checks no validity period; a JWT must not be accepted after exp or before nbf (RFC 7519 §4.1.4, §4.1.5)
  const now = Date.now() / 1000
  const { exp, nbf } = decoded.unverifiedInputSDJWT as { exp?: number; nbf?: number }
  if (typeof exp === 'number' && exp <= now) return refused('expiry', `the credential expired at ${new Date(exp * 1000).toISOString()} (RFC 7519 §4.1.4 exp)`)
  if (typeof nbf === 'number' && nbf > now) return refused('expiry', `the credential is not valid before ${new Date(nbf * 1000).toISOString()} (RFC 7519 §4.1.5 nbf)`)
  // meeco drops a disclosure whose digest the payload does not reference; RFC 9901 §7.1 step 3 says to reject it
  const referenced = referencedDigests(decoded.unverifiedInputSDJWT)
  for (const disclosed of Object.values(createHashMapping(decoded.disclosures, sha256))) referencedDigests(disclosed.value, referenced)
  const unreferenced = Object.entries(createHashMapping(decoded.disclosures, sha256)).filter(([digest]) => !referenced.has(digest))
  if (unreferenced.length)
    return refused('disclosures', `disclosure(s) for ${unreferenced.map(([, d]) => d.key ?? '(array element)').join(', ')} match no digest the issuer signed (RFC 9901 §7.1 step 3)`)
  return { accepted: true, claims }
}

interface PendingRequest {
  nonce: string
  audience: string
  presentations?: string[]
}

/** Requests made by sdjwt-check verifiers in this process, by id: a wallet driver hands its presentations here. */
const pending = new Map<string, PendingRequest>()

/** A wallet's answer to an sdjwt-check request URI: its SD-JWT presentations (each with a KB-JWT for the nonce and audience). */
export function answerSdJwtCheck(requestUri: string, presentations: string[]): void {
  const id = new URL(requestUri).searchParams.get('id') ?? ''
  const request = pending.get(id)
  if (!request) throw new DriverError('refused', `the sdjwt-check verifier has no request ${id}`)
  request.presentations = presentations
}

/** What an sdjwt-check request URI asks: a nonce and audience for the KB-JWT. */
export function sdJwtCheckRequest(requestUri: string): { nonce: string; audience: string } | undefined {
  if (!requestUri.startsWith(SDJWT_CHECK_SCHEME)) return undefined
  const request = pending.get(new URL(requestUri).searchParams.get('id') ?? '')
  return request && { nonce: request.nonce, audience: request.audience }
}

export function sdjwtCheckVerifier(name: string): VerifierDriver {
  const implementation = `sdjwt-check@${name}`
  return {
    implementation,
    url: 'in-process',
    describe: async () => ({ protocols: { oid4vc: ['dc+sd-jwt'] }, abilities: [], presentsOver: [SD_JWT_HANDOFF] }),
    async request(_policy, format) {
      if (format !== 'dc+sd-jwt') throw new DriverError('unsupported', `${implementation} verifies SD-JWT VCs only, not ${format}`)
      const id = randomUUID()
      pending.set(id, { nonce: randomUUID(), audience: `${SDJWT_CHECK_SCHEME}${name}` })
      return { id, requestUri: `${SDJWT_CHECK_SCHEME}//present?id=${id}` }
    },
    async verdict(request): Promise<Verdict | undefined> {
      const answered = pending.get(request.id)
      pending.delete(request.id)
      if (!answered?.presentations) return undefined
      if (!answered.presentations.length) return { outcome: 'rejected', failedChecks: ['claims'], reason: 'the wallet presented no SD-JWT VC', source: 'result' }
      for (const presentation of answered.presentations) {
        const result = await checkSdJwtPresentation(presentation, answered)
        if (!result.accepted) return { outcome: 'rejected', failedChecks: [result.failedCheck], reason: `${implementation} (@meeco/sd-jwt): ${result.reason}`, source: 'result' }
      }
      return {
        outcome: 'accepted',
        failedChecks: [],
        reason: `${implementation} (@meeco/sd-jwt) verified ${answered.presentations.length} presentation(s): issuer signature, validity, disclosures, key binding (no trust registry, status or policy check)`,
        source: 'result',
      }
    },
  }
}
