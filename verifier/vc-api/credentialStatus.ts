import type { AgentContext } from '@credo-ts/core'
import { bitAt, checkBitstringStatus, decodeBitstring, MIN_BITSTRING_BITS, StatusCheckError } from '@interop-lab/common/status'
import { decodeJwtPart, fetchStatusList } from '@interop-lab/common/status/fetchStatusList'
import { bitstringStatusEntryProblems, envelope, isObject, type JsonObject, problem, type ProblemDetails, type StatusMessage, statusSizeOf, typesOf } from '@interop-lab/common/vc2'
import type { CredentialVerification, StatusEntryResult } from './results'

/** Verifies a status list credential (proof and validity, not its own status). */
export type VerifyListCredential = (credential: unknown) => Promise<CredentialVerification>

const ACCEPT = 'application/vc+ld+json, application/vc, application/ld+json;q=0.9, application/vc+jwt;q=0.8, application/json;q=0.5'
const PURPOSES = ['revocation', 'suspension', 'message'] as const
type Purpose = (typeof PURPOSES)[number]

class EntryFailure extends Error {
  public constructor(public readonly problem: ProblemDetails) {
    super(problem.detail)
  }
}
const failure = (...args: Parameters<typeof problem>) => new EntryFailure(problem(...args))

interface Entry {
  purpose: Purpose
  index: number
  /** How many bits each status takes (statusSize); the value read is that many bits from index × size. */
  size: number
  messages?: StatusMessage[]
  url: string
  raw: JsonObject
}

function parseEntry(raw: unknown): Entry {
  if (!isObject(raw)) throw failure('MALFORMED_VALUE_ERROR', 'A credentialStatus entry must be an object', 'credentialStatus')
  if (!typesOf(raw).includes('BitstringStatusListEntry'))
    throw failure('STATUS_VERIFICATION_ERROR', `credentialStatus type '${String(raw.type)}' cannot be checked here; supported: BitstringStatusListEntry`, 'credentialStatus.type')
  const [malformed] = bitstringStatusEntryProblems(raw)
  if (malformed) throw new EntryFailure(malformed)
  if (!PURPOSES.includes(raw.statusPurpose as Purpose))
    throw failure('STATUS_VERIFICATION_ERROR', `statusPurpose '${String(raw.statusPurpose)}' cannot be checked here; supported: ${PURPOSES.join(', ')}`, 'credentialStatus.statusPurpose')
  const index = Number(raw.statusListIndex)
  if (!Number.isSafeInteger(index)) throw failure('RANGE_ERROR', `statusListIndex ${String(raw.statusListIndex)} is too large`, 'credentialStatus.statusListIndex')
  const messages = Array.isArray(raw.statusMessage) ? (raw.statusMessage as StatusMessage[]) : undefined
  return { purpose: raw.statusPurpose as Purpose, index, size: statusSizeOf(raw), messages, url: String(raw.statusListCredential), raw }
}

/** The list credential behind `url`, verified: VC 2.0 JSON (Data Integrity or enveloped) or a VC-JOSE JWT. */
async function verifiedListCredential(agentContext: AgentContext, url: string, verifyList: VerifyListCredential): Promise<JsonObject | 'vcdm1-jwt'> {
  let body: string
  try {
    body = await fetchStatusList(agentContext, url, ACCEPT)
  } catch (error) {
    throw failure('STATUS_RETRIEVAL_ERROR', (error as Error).message, 'credentialStatus.statusListCredential')
  }
  let listCredential: unknown
  if (body.startsWith('{')) {
    try {
      listCredential = JSON.parse(body)
    } catch {
      throw failure('STATUS_RETRIEVAL_ERROR', `Status list ${url} is not valid JSON`)
    }
  } else {
    // a VCDM 1.1 VC-JWT (the lab's OID4VCI lists) keeps the credential in a `vc` claim; a VC 2.0 one is the payload itself
    const payload = (() => {
      try {
        return decodeJwtPart(body, 1)
      } catch {
        throw failure('STATUS_RETRIEVAL_ERROR', `Status list ${url} is neither JSON nor a compact JWT`)
      }
    })()
    if (isObject(payload.vc)) return 'vcdm1-jwt'
    listCredential = envelope(body, 'credential')
  }
  const verification = await verifyList(listCredential)
  if (!verification.verified || !verification.document)
    throw failure('STATUS_VERIFICATION_ERROR', `Status list credential ${url} does not verify: ${verification.errors.map((e) => e.detail).join('; ')}`)
  return verification.document
}

/** Bitstring Status List §3.2: the status value, statusSize bits from index × statusSize, most significant first. */
function readStatus(list: JsonObject, entry: Entry): number {
  if (list.id !== undefined && list.id !== entry.url) throw failure('STATUS_VERIFICATION_ERROR', `Status list credential id '${String(list.id)}' is not the referenced URL '${entry.url}'`)
  if (!typesOf(list).includes('BitstringStatusListCredential')) throw failure('STATUS_VERIFICATION_ERROR', `${entry.url} is not a BitstringStatusListCredential`)
  const subject = list.credentialSubject
  if (!isObject(subject) || !typesOf(subject).includes('BitstringStatusList')) throw failure('STATUS_VERIFICATION_ERROR', `${entry.url} has no BitstringStatusList subject`)
  if (![subject.statusPurpose].flat().includes(entry.purpose))
    throw failure('STATUS_VERIFICATION_ERROR', `Status list purpose '${String(subject.statusPurpose)}' does not match the entry's '${entry.purpose}'`)
  let bits: Uint8Array
  try {
    bits = decodeBitstring(String(subject.encodedList))
  } catch (error) {
    throw failure('STATUS_VERIFICATION_ERROR', `encodedList cannot be decoded: ${(error as Error).message}`)
  }
  const minimum = MIN_BITSTRING_BITS * entry.size
  if (bits.length * 8 < minimum) throw failure('STATUS_LIST_LENGTH_ERROR', `The list holds ${bits.length * 8} bits, fewer than the ${minimum} herd privacy needs at statusSize ${entry.size}`)
  const first = entry.index * entry.size
  if (first + entry.size > bits.length * 8)
    throw failure('RANGE_ERROR', `statusListIndex ${entry.index} is outside the list (${(bits.length * 8) / entry.size} statuses of ${entry.size} bits)`, 'credentialStatus.statusListIndex')
  let value = 0
  for (let bit = first; bit < first + entry.size; bit++) value = value * 2 + (bitAt(bits, bit) ? 1 : 0)
  return value
}

/** A VCDM 1.1 VC-JWT list: the lab's shared checker verifies it (issuer DID, signature, validity). */
async function readVcdm1Bit(agentContext: AgentContext, entry: Entry): Promise<0 | 1> {
  if (entry.size !== 1)
    throw failure('STATUS_VERIFICATION_ERROR', `The lab's VC-JWT status lists hold one bit per status; statusSize ${entry.size} cannot be read from ${entry.url}`, 'credentialStatus.statusSize')
  try {
    const { entries } = await checkBitstringStatus(agentContext, entry.raw)
    return entries[0].set ? 1 : 0
  } catch (error) {
    if (!(error instanceof StatusCheckError)) throw error
    throw failure(error.code === 'status_list_unavailable' ? 'STATUS_RETRIEVAL_ERROR' : 'STATUS_VERIFICATION_ERROR', error.message)
  }
}

/** Bitstring Status List §3.2 validate algorithm for each entry; a set bit is an error (revoked or suspended). */
export async function checkCredentialStatus(
  agentContext: AgentContext,
  credentialStatus: unknown,
  verifyList: VerifyListCredential,
): Promise<{ results: StatusEntryResult[]; errors: ProblemDetails[] }> {
  const results: StatusEntryResult[] = []
  const errors: ProblemDetails[] = []
  for (const raw of [credentialStatus].flat()) {
    try {
      const entry = parseEntry(raw)
      const list = await verifiedListCredential(agentContext, entry.url, verifyList)
      const value = list === 'vcdm1-jwt' ? await readVcdm1Bit(agentContext, entry) : readStatus(list, entry)
      if (entry.purpose === 'message') {
        // a status message is information, not a failure (Bitstring Status List §2.1)
        const message = entry.messages?.find((candidate) => parseInt(candidate.status, 16) === value)?.message
        results.push({ verified: true, value, input: raw, ...(message !== undefined ? { message } : {}) })
      } else if (value !== 0) {
        const revoked = entry.purpose === 'revocation'
        const found = problem(
          revoked ? 'CREDENTIAL_REVOKED' : 'CREDENTIAL_SUSPENDED',
          `The issuer has ${revoked ? 'revoked' : 'suspended'} this credential (${entry.url}, index ${entry.index})`,
          'credentialStatus',
        )
        errors.push(found)
        results.push({ verified: false, value, input: raw, problemDetails: [found] })
      } else results.push({ verified: true, value, input: raw })
    } catch (error) {
      if (!(error instanceof EntryFailure)) throw error
      errors.push(error.problem)
      results.push({ verified: false, input: raw, problemDetails: [error.problem] })
    }
  }
  return { results, errors }
}
