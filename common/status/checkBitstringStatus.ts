import { type AgentContext, W3cJwtCredentialService } from '@credo-ts/core'
import { sameKeyDidJwk } from '../didcomm/ldpDid'
import { bitAt, decodeBitstring } from './encoding'
import { decodeJwtPart, fetchStatusList, StatusCheckError } from './fetchStatusList'
import { BITSTRING_PURPOSE_STATUS, type BitstringPurpose, type CredentialStatus } from './statuses'
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

/** Fetches the list credential, verifies it with Credo (issuer DID, signature, validity) and returns its subject. */
async function verifiedListSubject(agentContext: AgentContext, url: string, issuer: string | undefined): Promise<Record<string, unknown>> {
  const jwt = await fetchStatusList(agentContext, url, `${VC_JWT_MEDIA_TYPE}, application/jwt`)
  const result = await agentContext
    .resolve(W3cJwtCredentialService)
    .verifyCredential(agentContext, { credential: jwt, verifyCredentialStatus: false })
    .catch((error: unknown) => ({ isValid: false, error: error as Error, validations: {} as Record<string, { isValid: boolean; error?: Error }> }))
  if (!result.isValid) {
    const failed = Object.entries(result.validations).find(([, v]) => v && !v.isValid)
    const code = failed && (failed[0] === 'signature' || failed[0] === 'issuerIsSigner') ? 'status_list_signature_invalid' : 'status_list_invalid'
    throw new StatusCheckError(code, `Status list credential ${url} does not verify: ${failed?.[1]?.error?.message ?? result.error?.message ?? 'invalid'}`)
  }
  const payload = decodeJwtPart(jwt, 1)
  const vc = isRecord(payload.vc) ? payload.vc : {}
  if (payload.jti !== url) throw new StatusCheckError('status_list_mismatch', `Status list credential id '${String(payload.jti)}' is not the referenced URL '${url}'`)
  // a JSON-LD credential's did:key issuer publishes its lists under the did:jwk of the same key
  if (issuer && payload.iss !== issuer && payload.iss !== sameKeyDidJwk(issuer))
    throw new StatusCheckError('status_list_mismatch', `Status list is issued by '${String(payload.iss)}', not by the credential's issuer '${issuer}'`)
  if (!Array.isArray(vc.type) || !vc.type.includes('BitstringStatusListCredential')) throw new StatusCheckError('status_list_invalid', 'Status list credential is not a BitstringStatusListCredential')
  if (!isRecord(vc.credentialSubject)) throw new StatusCheckError('status_list_invalid', 'Status list credential has no credentialSubject')
  return vc.credentialSubject
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
