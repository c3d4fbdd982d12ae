import { type AgentContext, DidResolverService, getPublicJwkFromVerificationMethod, JwsService, parseDid } from '@credo-ts/core'
import { z } from 'zod'
import { readTokenStatus } from './encoding'
import { decodeJwtPart, fetchKeptStatusList, StatusCheckError } from './fetchStatusList'
import { type CredentialStatus, statusForTokenCode } from './statuses'
import { signerKeyName } from './statusListFeeds'
import { STATUS_LIST_JWT_MEDIA_TYPE, STATUS_LIST_JWT_TYP } from './tokens'

export interface TokenStatusResult {
  status: CredentialStatus
  /** The IETF status value found at the index. */
  value: number
  uri: string
  idx: number
  /** Seconds the list says it may be cached, when it says. */
  ttl?: number
}

const statusClaimSchema = z.object({ status_list: z.object({ idx: z.int().nonnegative(), uri: z.string().min(1) }) })
const statusListClaimSchema = z.object({ bits: z.union([z.literal(1), z.literal(2), z.literal(4), z.literal(8)]), lst: z.string().min(1) })

/** The issuer's verification method, found the way Credo finds it for an SD-JWT VC (`iss` + header `kid`). */
function issuerDidUrl(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const { iss } = payload
  const { kid } = header
  if (typeof iss !== 'string' || !iss.startsWith('did:') || typeof kid !== 'string')
    throw new StatusCheckError('unsupported_status', 'Only credentials issued by a DID (iss and kid) can have their status checked here')
  if (kid.startsWith('#')) return `${iss}${kid}`
  if (kid.startsWith('did:') && parseDid(kid).did === iss) return kid
  throw new StatusCheckError('invalid_status_reference', `Credential kid '${kid}' does not belong to issuer '${iss}'`)
}

/**
 * Proves that a Status List Token (compact JWT) is signed by the referenced credential's issuer; throws `StatusCheckError`
 * otherwise. `verifiedWith`, for a list kept from its issuer (fetchKeptStatusList): the keys these exact bytes verified with.
 */
export type StatusListSignerCheck = (jwt: string, uri: string, verifiedWith?: Set<string>) => Promise<void>

/**
 * The signer check of a DID-issued credential's list: the issuer's verification method (`iss` + header `kid`) signed it.
 * The key is resolved at every check; the signature of a kept list is verified once per key.
 */
function didSignerCheck(agentContext: AgentContext, credential: { header: Record<string, unknown>; payload: Record<string, unknown> }): StatusListSignerCheck {
  const didUrl = issuerDidUrl(credential.header, credential.payload)
  return async (jwt, uri, verifiedWith) => {
    const didDocument = await agentContext.resolve(DidResolverService).resolveDidDocument(agentContext, didUrl)
    const verificationMethod = didDocument.dereferenceKey(didUrl, ['assertionMethod'])
    const jwk = getPublicJwkFromVerificationMethod(verificationMethod)
    const signer = signerKeyName(verificationMethod, jwk)
    if (verifiedWith?.has(signer)) return
    const { isValid } = await agentContext
      .resolve(JwsService)
      .verifyJws(agentContext, { jws: jwt, jwsSigner: { method: 'did', didUrl: verificationMethod.id, jwk } })
      .catch((error: unknown) => {
        throw new StatusCheckError('status_list_signature_invalid', `Status list signature could not be verified: ${(error as Error).message}`, { cause: error })
      })
    if (!isValid) throw new StatusCheckError('status_list_signature_invalid', `Status list ${uri} is not signed by the credential's issuer key ${didUrl}`)
    verifiedWith?.add(signer)
  }
}

/**
 * Reads an SD-JWT VC's status from its IETF Status List Token, applying every validation rule of
 * draft-ietf-oauth-status-list (typ, sub, lifetime, the issuer's signature). Credo's own
 * `sdJwtVc.verify` only checks the signature, lifetime and that the value is 0; this tells
 * revoked from suspended and names what failed. Throws `StatusCheckError` when the status cannot be established.
 */
export async function checkTokenStatus(agentContext: AgentContext, credential: { header: Record<string, unknown>; payload: Record<string, unknown> }): Promise<TokenStatusResult> {
  // the reference, then who issued it, are checked before anything is fetched
  if (!statusClaimSchema.safeParse(credential.payload.status).success) throw new StatusCheckError('invalid_status_reference', 'Credential has no valid status.status_list { idx, uri } claim')
  return readTokenStatusReference(agentContext, credential.payload.status, didSignerCheck(agentContext, credential))
}

/**
 * The status a Token Status List reference (`status: { status_list: { idx, uri } }`, in an SD-JWT VC's payload or an
 * mdoc's MSO) points at, its list token checked as `checkTokenStatus` says and its signer by `signerCheck`.
 */
export async function readTokenStatusReference(agentContext: AgentContext, reference: unknown, signerCheck: StatusListSignerCheck): Promise<TokenStatusResult> {
  const claim = statusClaimSchema.safeParse(reference)
  if (!claim.success) throw new StatusCheckError('invalid_status_reference', 'Credential has no valid status.status_list { idx, uri } claim')
  const { idx, uri } = claim.data.status_list

  const { body: jwt, verifiedWith } = await fetchKeptStatusList(agentContext, uri, STATUS_LIST_JWT_MEDIA_TYPE)
  const header = decodeJwtPart(jwt, 0)
  const payload = decodeJwtPart(jwt, 1)
  if (header.typ !== STATUS_LIST_JWT_TYP) throw new StatusCheckError('status_list_invalid', `Status list typ is '${String(header.typ)}', expected '${STATUS_LIST_JWT_TYP}'`)
  if (payload.sub !== uri) throw new StatusCheckError('status_list_mismatch', `Status list sub '${String(payload.sub)}' is not the referenced URI '${uri}'`)

  const now = Math.floor(Date.now() / 1000)
  const skew = agentContext.config.validitySkewSeconds
  if (typeof payload.iat !== 'number' || payload.iat - skew > now) throw new StatusCheckError('status_list_invalid', 'Status list iat is missing or in the future')
  if (payload.exp !== undefined && (typeof payload.exp !== 'number' || payload.exp + skew < now)) throw new StatusCheckError('status_list_invalid', 'Status list has expired')

  // its lifetime above is checked at every use; its signature once per signer key while the list is kept
  await signerCheck(jwt, uri, verifiedWith)

  const list = statusListClaimSchema.safeParse(payload.status_list)
  if (!list.success) throw new StatusCheckError('status_list_invalid', 'Status list has no valid status_list { bits, lst } claim')
  let read: ReturnType<typeof readTokenStatus>
  try {
    read = readTokenStatus(list.data, idx)
  } catch (error) {
    throw new StatusCheckError('status_list_invalid', `Status list lst cannot be decompressed: ${(error as Error).message}`, { cause: error })
  }
  const { value } = read
  if (value === undefined) throw new StatusCheckError('status_list_invalid', `Index ${idx} is outside the ${read.length}-entry status list`)
  const status = statusForTokenCode(value)
  if (!status) throw new StatusCheckError('unsupported_status', `Status value ${value} at index ${idx} is application-specific`)
  return { status, value, uri, idx, ...(typeof payload.ttl === 'number' ? { ttl: payload.ttl } : {}) }
}
