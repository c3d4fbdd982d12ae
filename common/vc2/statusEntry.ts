import { isObject, isUrl, type JsonObject } from './dataModel'
import { problem, type ProblemDetails } from './problems'

export const BITSTRING_STATUS_LIST_ENTRY = 'BitstringStatusListEntry'

const isEntry = (value: unknown): value is JsonObject => isObject(value) && [value.type].flat().includes(BITSTRING_STATUS_LIST_ENTRY)

/** A status message: the value as a hex string (`0x0`, `0x1`…) and what it means. */
export interface StatusMessage {
  status: string
  message: string
}

/** statusSize, 1 when absent (Bitstring Status List §2.1). */
export const statusSizeOf = (entry: JsonObject): number => (typeof entry.statusSize === 'number' ? entry.statusSize : 1)

/**
 * Bitstring Status List §2.1: each BitstringStatusListEntry names its purpose, its index (a base-10
 * string) and its list (a URL); a `statusSize` above 1 needs one `statusMessage` per value it can
 * hold (2^statusSize), each `{status: "0x…", message}`.
 */
export function bitstringStatusEntryProblems(credentialStatus: unknown): ProblemDetails[] {
  const entries = [credentialStatus].flat()
  const problems: ProblemDetails[] = []
  entries.forEach((entry, index) => {
    if (!isEntry(entry)) return
    const path = Array.isArray(credentialStatus) ? `credentialStatus[${index}]` : 'credentialStatus'
    const fail = (property: string, detail: string) => problems.push(problem('MALFORMED_VALUE_ERROR', `${path}.${property} ${detail} (Bitstring Status List §2.1)`, `${path}.${property}`))
    if (typeof entry.statusPurpose !== 'string' || !entry.statusPurpose) fail('statusPurpose', 'is required and must be a string such as revocation, suspension or message')
    if (typeof entry.statusListIndex !== 'string' || !/^(0|[1-9]\d*)$/.test(entry.statusListIndex)) fail('statusListIndex', 'is required and must be a base-10 integer as a string')
    if (!isUrl(entry.statusListCredential)) fail('statusListCredential', 'is required and must be a URL')
    if (entry.statusSize !== undefined && !(Number.isInteger(entry.statusSize) && (entry.statusSize as number) >= 1 && (entry.statusSize as number) <= 16))
      fail('statusSize', 'must be a positive integer (1 to 16 here)')
    const size = statusSizeOf(entry)
    const messages = entry.statusMessage
    if (messages === undefined) {
      if (size > 1) fail('statusMessage', `is required when statusSize is ${size}`)
      return
    }
    if (!Array.isArray(messages) || !messages.every((m) => isObject(m) && typeof m.status === 'string' && /^0x[0-9a-fA-F]+$/.test(m.status) && typeof m.message === 'string'))
      fail('statusMessage', 'must be a list of {status: "0x…" (hex), message: string}')
    else if (messages.length !== 2 ** size) fail('statusMessage', `must have ${2 ** size} entries, one per value a statusSize of ${size} holds`)
  })
  return problems
}
