import { type AgentContext, DidResolverService, getPublicJwkFromVerificationMethod, parseDid, W3cJwtCredentialService } from '@credo-ts/core'
import { sameKeyDidJwk } from '../didcomm/ldpDid'
import { bitAt, decodeBitstring } from './encoding'
import { decodeJwtPart, fetchKeptStatusList, StatusCheckError } from './fetchStatusList'
import { BITSTRING_PURPOSE_STATUS, type BitstringPurpose, type CredentialStatus } from './statuses'
import { signerKeyName } from './statusListFeeds'
import { VC_JWT_MEDIA_TYPE } from './tokens'

export interface BitstringEntryResult {
  purpose: BitstringPurpose
  index: number
  statusListCredential: string
  /** Whether the bit is set, i.e. the credential is revoked (or suspended) for this purpose. */
  set: boolean
}

export interface BitstringStatusResult {
  /** Revoked wins over suspended, which wins over valid. */
  status: CredentialStatus
  entries: BitstringEntryResult[]
}

interface ParsedEntry {
  purpose: BitstringPurpose
  index: number
  statusListCredential: string
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

function parseEntry(raw: unknown): ParsedEntry {
  if (!isRecord(raw)) throw new StatusCheckError('invalid_status_reference', 'credentialStatus entry is not an object')
  if (raw.type !== 'BitstringStatusListEntry') throw new StatusCheckError('unsupported_status', `credentialStatus type '${String(raw.type)}' is not supported; expected BitstringStatusListEntry`)
  const { statusPurpose, statusListIndex, statusListCredential, statusSize } = raw
  if (statusPurpose !== 'revocation' && statusPurpose !== 'suspension') throw new StatusCheckError('unsupported_status', `statusPurpose '${String(statusPurpose)}' is not supported`)
  if (statusSize !== undefined && statusSize !== 1) throw new StatusCheckError('unsupported_status', `statusSize ${String(statusSize)} is not supported`)
  const index = typeof statusListIndex === 'string' && /^\d{1,9}$/.test(statusListIndex) ? Number(statusListIndex) : Number.NaN
  if (!Number.isSafeInteger(index)) throw new StatusCheckError('invalid_status_reference', `statusListIndex '${String(statusListIndex)}' is not a decimal string`)
  if (typeof statusListCredential !== 'string') throw new StatusCheckError('invalid_status_reference', 'statusListCredential is missing')
  return { purpose: statusPurpose, index, statusListCredential }
}

/** The list credential's validity period (nbf, iat, exp, with the agent's skew), checked at every use of a list. */
function checkListValidity(agentContext: AgentContext, url: string, payload: Record<string, unknown>): void {
  const times = { nbf: payload.nbf, iat: payload.iat, exp: payload.exp }
  if (!Object.values(times).every((time) => time === undefined || typeof time === 'number'))
    throw new StatusCheckError('status_list_invalid', `Status list credential ${url}: nbf, iat and exp must be numbers (RFC 7519 §4.1)`)
  const { nbf, iat, exp } = times as Record<keyof typeof times, number | undefined>
  const now = Math.floor(Date.now() / 1000)
  const skew = agentContext.config.validitySkewSeconds
  if (nbf !== undefined && nbf - skew > now) throw new StatusCheckError('status_list_invalid', `Status list credential ${url} is not valid before ${nbf} (nbf, RFC 7519 §4.1.5)`)
  if (iat !== undefined && iat - skew > now) throw new StatusCheckError('status_list_invalid', `Status list credential ${url} was issued in the future (iat ${iat}, RFC 7519 §4.1.6)`)
  if (exp !== undefined && exp + skew < now) throw new StatusCheckError('status_list_invalid', `Status list credential ${url} has expired (exp ${exp}, RFC 7519 §4.1.4)`)
}

/**
 * The key a list credential names as its signer (header `kid`, absolute or relative to `iss`), resolved now and named
 * by signerKeyName; undefined when it names none (Credo's verification then finds it).
 */
async function listSignerKey(agentContext: AgentContext, jwt: string, payload: Record<string, unknown>): Promise<string | undefined> {
  const { kid } = decodeJwtPart(jwt, 0)
  const didUrl = typeof kid === 'string' && kid.startsWith('#') && typeof payload.iss === 'string' ? `${payload.iss}${kid}` : kid
  if (typeof didUrl !== 'string' || !didUrl.startsWith('did:')) return undefined
  try {
    const document = await agentContext.resolve(DidResolverService).resolveDidDocument(agentContext, parseDid(didUrl).did)
    const method = document.dereferenceKey(didUrl, ['assertionMethod'])
    return signerKeyName(method, getPublicJwkFromVerificationMethod(method))
  } catch {
    return undefined
  }
}

/**
 * Fetches the list credential, verifies it with Credo (issuer DID, signature, validity) and returns its subject. A list
 * kept from its issuer (fetchKeptStatusList) is verified by Credo once per signer key; its validity period at every use.
 */
async function verifiedListSubject(agentContext: AgentContext, url: string, issuer: string | undefined): Promise<Record<string, unknown>> {
  const { body: jwt, verifiedWith } = await fetchKeptStatusList(agentContext, url, `${VC_JWT_MEDIA_TYPE}, application/jwt`)
  const payload = decodeJwtPart(jwt, 1)
  checkListValidity(agentContext, url, payload)
  const signer = verifiedWith && (await listSignerKey(agentContext, jwt, payload))
  if (!signer || !verifiedWith.has(signer)) {
    await verifyListCredential(agentContext, url, jwt)
    if (signer) verifiedWith.add(signer)
  }
  const vc = isRecord(payload.vc) ? payload.vc : {}
  if (payload.jti !== url) throw new StatusCheckError('status_list_mismatch', `Status list credential id '${String(payload.jti)}' is not the referenced URL '${url}'`)
  // a JSON-LD credential's did:key issuer publishes its lists under the did:jwk of the same key
  if (issuer && payload.iss !== issuer && payload.iss !== sameKeyDidJwk(issuer))
    throw new StatusCheckError('status_list_mismatch', `Status list is issued by '${String(payload.iss)}', not by the credential's issuer '${issuer}'`)
  if (!Array.isArray(vc.type) || !vc.type.includes('BitstringStatusListCredential')) throw new StatusCheckError('status_list_invalid', 'Status list credential is not a BitstringStatusListCredential')
  if (!isRecord(vc.credentialSubject)) throw new StatusCheckError('status_list_invalid', 'Status list credential has no credentialSubject')
  return vc.credentialSubject
}

async function verifyListCredential(agentContext: AgentContext, url: string, jwt: string): Promise<void> {
  const result = await agentContext
    .resolve(W3cJwtCredentialService)
    .verifyCredential(agentContext, { credential: jwt, verifyCredentialStatus: false })
    .catch((error: unknown) => ({ isValid: false, error: error as Error, validations: {} as Record<string, { isValid: boolean; error?: Error }> }))
  if (!result.isValid) {
    const failed = Object.entries(result.validations).find(([, v]) => v && !v.isValid)
    const code = failed && (failed[0] === 'signature' || failed[0] === 'issuerIsSigner') ? 'status_list_signature_invalid' : 'status_list_invalid'
    throw new StatusCheckError(code, `Status list credential ${url} does not verify: ${failed?.[1]?.error?.message ?? result.error?.message ?? 'invalid'}`)
  }
}

function readBit(subject: Record<string, unknown>, entry: ParsedEntry): boolean {
  const purposes = Array.isArray(subject.statusPurpose) ? subject.statusPurpose : [subject.statusPurpose]
  if (!purposes.includes(entry.purpose)) throw new StatusCheckError('status_list_mismatch', `Status list purpose '${String(subject.statusPurpose)}' does not match the entry's '${entry.purpose}'`)
  if (typeof subject.encodedList !== 'string') throw new StatusCheckError('status_list_invalid', 'Status list has no encodedList')
  try {
    return bitAt(decodeBitstring(subject.encodedList), entry.index)
  } catch (error) {
    throw new StatusCheckError('status_list_invalid', `Status list encodedList cannot be read at index ${entry.index}: ${(error as Error).message}`, { cause: error })
  }
}

/**
 * Checks a W3C credential's `credentialStatus` (one entry or several) against W3C Bitstring Status
 * List credentials. Credo 0.6.3 does not: its JWT VC verifier fails any credential that carries
 * `credentialStatus` unless told to skip the check. Pass the credential's issuer to require that the
 * list is signed by it. Throws `StatusCheckError` when the status cannot be established.
 */
export async function checkBitstringStatus(agentContext: AgentContext, credentialStatus: unknown, { issuer }: { issuer?: string } = {}): Promise<BitstringStatusResult> {
  const rawEntries = Array.isArray(credentialStatus) ? credentialStatus : [credentialStatus]
  if (!rawEntries.length) throw new StatusCheckError('invalid_status_reference', 'credentialStatus is empty')
  const entries = rawEntries.map(parseEntry)
  const subjects = new Map<string, Promise<Record<string, unknown>>>()
  const results: BitstringEntryResult[] = []
  for (const entry of entries) {
    if (!subjects.has(entry.statusListCredential)) subjects.set(entry.statusListCredential, verifiedListSubject(agentContext, entry.statusListCredential, issuer))
    const subject = await subjects.get(entry.statusListCredential)!
    results.push({ ...entry, set: readBit(subject, entry) })
  }
  const setStatuses = results.filter((r) => r.set).map((r) => BITSTRING_PURPOSE_STATUS[r.purpose])
  const status: CredentialStatus = setStatuses.includes('revoked') ? 'revoked' : setStatuses.includes('suspended') ? 'suspended' : 'valid'
  return { status, entries: results }
}
