import type { AgentContext } from '@credo-ts/core'
import { bitAt, checkBitstringStatus, decodeBitstring, MIN_BITSTRING_BITS, StatusCheckError } from '../../common/status'
import { decodeJwtPart, fetchStatusList } from '../../common/status/fetchStatusList'
import { envelope, isObject, type JsonObject, problem, type ProblemDetails, typesOf } from '../../common/vc2'
import type { CredentialVerification, StatusEntryResult } from './results'

/** Verifies a status list credential (proof and validity, not its own status). */
export type VerifyListCredential = (credential: unknown) => Promise<CredentialVerification>

const ACCEPT = 'application/vc+ld+json, application/vc, application/ld+json;q=0.9, application/vc+jwt;q=0.8, application/json;q=0.5'
const PURPOSES = ['revocation', 'suspension'] as const
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
  url: string
  raw: JsonObject
}

function parseEntry(raw: unknown): Entry {
  if (!isObject(raw)) throw failure('MALFORMED_VALUE_ERROR', 'A credentialStatus entry must be an object', 'credentialStatus')
  if (!typesOf(raw).includes('BitstringStatusListEntry'))
    throw failure('STATUS_VERIFICATION_ERROR', `credentialStatus type '${String(raw.type)}' cannot be checked here; supported: BitstringStatusListEntry`, 'credentialStatus.type')
  if (!PURPOSES.includes(raw.statusPurpose as Purpose))
    throw failure('STATUS_VERIFICATION_ERROR', `statusPurpose '${String(raw.statusPurpose)}' cannot be checked here; supported: ${PURPOSES.join(', ')}`, 'credentialStatus.statusPurpose')
  if (raw.statusSize !== undefined && raw.statusSize !== 1) throw failure('STATUS_VERIFICATION_ERROR', `statusSize ${String(raw.statusSize)} is not supported (only 1)`, 'credentialStatus.statusSize')
  if (typeof raw.statusListIndex !== 'string' || !/^\d{1,10}$/.test(raw.statusListIndex))
    throw failure('MALFORMED_VALUE_ERROR', 'statusListIndex must be a decimal string', 'credentialStatus.statusListIndex')
  if (typeof raw.statusListCredential !== 'string') throw failure('MALFORMED_VALUE_ERROR', 'statusListCredential must be a URL', 'credentialStatus.statusListCredential')
  return { purpose: raw.statusPurpose as Purpose, index: Number(raw.statusListIndex), url: raw.statusListCredential, raw }
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

function readBit(list: JsonObject, entry: Entry): 0 | 1 {
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
  if (bits.length * 8 < MIN_BITSTRING_BITS) throw failure('STATUS_LIST_LENGTH_ERROR', `The list holds ${bits.length * 8} entries, fewer than the ${MIN_BITSTRING_BITS} herd privacy needs`)
  if (entry.index >= bits.length * 8) throw failure('RANGE_ERROR', `statusListIndex ${entry.index} is outside the ${bits.length * 8}-entry list`, 'credentialStatus.statusListIndex')
  return bitAt(bits, entry.index) ? 1 : 0
}

/** A VCDM 1.1 VC-JWT list: the lab's shared checker verifies it (issuer DID, signature, validity). */
async function readVcdm1Bit(agentContext: AgentContext, entry: Entry): Promise<0 | 1> {
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
      const value = list === 'vcdm1-jwt' ? await readVcdm1Bit(agentContext, entry) : readBit(list, entry)
      if (value === 1) {
        const revoked = entry.purpose === 'revocation'
        const found = problem(revoked ? 'CREDENTIAL_REVOKED' : 'CREDENTIAL_SUSPENDED', `The issuer has ${revoked ? 'revoked' : 'suspended'} this credential (${entry.url}, index ${entry.index})`, 'credentialStatus')
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
