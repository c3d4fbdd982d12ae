import { StatusList } from '@sd-jwt/jwt-status-list'
import { type BitsPerStatus, inflateTokenStatusList, packedStatusAt, unpackTokenStatusList } from './encoding'

type Decode = (bytes: Uint8Array, bitsPerStatus: number) => number[]
type Decompress = (compressed: string, bitsPerStatus: number) => StatusList

/** Lists inflated last, by their compressed text: a wallet or verifier checks many credentials against the same few. */
const recentlyInflated = new Map<string, Uint8Array>()
const RECENTLY_INFLATED_KEPT = 4

/** The packed statuses of a compressed list (shared between its readers: never written to). */
function inflated(compressed: string): Uint8Array {
  const kept = recentlyInflated.get(compressed)
  if (kept) return kept
  let packed: Uint8Array
  try {
    packed = inflateTokenStatusList(compressed)
  } catch (error) {
    throw new Error(`Decompression failed: ${error}`)
  }
  if (recentlyInflated.size >= RECENTLY_INFLATED_KEPT) recentlyInflated.delete(recentlyInflated.keys().next().value!)
  recentlyInflated.set(compressed, packed)
  return packed
}

/**
 * The library's `decompressStatusList`, with node's zlib and without the per-entry checks its constructor
 * makes (a value unpacked from `bitsPerStatus` bits is in range by construction). Same statuses out. The list is
 * unpacked when it is first read whole (`statusList`, `setStatus`, `compressStatusList`); until then `getStatus`
 * reads the one status it is asked for from the inflated bytes: a credential's check reads one index of a list of
 * 131,072 (0.2–0.4 ms of unpacking on every SD-JWT VC received or verified).
 */
export const decompressStatusValues: Decompress = (compressed, bitsPerStatus) => {
  if (![1, 2, 4, 8].includes(bitsPerStatus)) return new StatusList([], bitsPerStatus as 1) // throws the library's own error
  const bits = bitsPerStatus as BitsPerStatus
  const packed = inflated(compressed)
  const totalStatuses = packed.length * (8 / bits)
  let values: Uint8Array | undefined
  const list = new StatusList([], bitsPerStatus as 1)
  return Object.defineProperties(list, {
    totalStatuses: { value: totalStatuses, writable: true },
    _statusList: {
      get: () => (values ??= unpackTokenStatusList(packed, bits)),
      set: (replaced: Uint8Array) => {
        values = replaced
      },
    },
    getStatus: {
      value: (index: number) => {
        if (index < 0 || index >= totalStatuses) throw new Error('Index out of bounds') // the library's own error
        if (values || !Number.isInteger(index)) return values?.[index]
        return packedStatusAt(packed, bits, index)
      },
    },
  })
}

const statusList = StatusList as unknown as { decodeStatusList: Decode; decompressStatusList: Decompress }
/** The library's own functions, kept for comparison. */
export const libraryDecodeStatusList: Decode = statusList.decodeStatusList
export const libraryDecompressStatusList: Decompress = statusList.decompressStatusList

/**
 * Credo verifies an SD-JWT VC's status through @sd-jwt/jwt-status-list 0.19, which formats every byte of
 * the list as a binary string, boxes every status in an array and range-checks each: about 4 ms for a
 * 131,072-entry list, on every credential a wallet receives and every one a verifier checks (a quarter of
 * a verifier's CPU in the bench). This swaps in the same decompression done with zlib and shifts (same
 * statuses out, a test compares them); installing twice is harmless.
 */
export function installFastStatusListDecoding(): void {
  statusList.decompressStatusList = decompressStatusValues
}
