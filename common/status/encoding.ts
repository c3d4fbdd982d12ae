import { deflateSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib'

/** Bits per status that the IETF Token Status List allows. */
export type BitsPerStatus = 1 | 2 | 4 | 8

/** W3C Bitstring Status List: a published bitstring must hold at least 16 KiB, so one index hides among 131,072. */
export const MIN_BITSTRING_BITS = 131_072

// A status list is small once decompressed (a few hundred KiB at most); refuse anything that inflates beyond this.
const MAX_INFLATED_BYTES = 4 * 1024 * 1024

/**
 * Packs status values the IETF way (draft-ietf-oauth-status-list §4.1): index 0 occupies the
 * least significant bits of the first byte.
 */
export function packTokenStatusList(values: Uint8Array, bits: BitsPerStatus): Uint8Array {
  const perByte = 8 / bits
  const mask = (1 << bits) - 1
  const bytes = new Uint8Array(Math.ceil(values.length / perByte))
  values.forEach((value, index) => {
    if (value > mask) throw new RangeError(`Status ${value} at index ${index} does not fit in ${bits} bit(s)`)
    bytes[Math.floor(index / perByte)] |= value << ((index % perByte) * bits)
  })
  return bytes
}

export function unpackTokenStatusList(bytes: Uint8Array, bits: BitsPerStatus): Uint8Array {
  const perByte = 8 / bits
  const mask = (1 << bits) - 1
  const values = new Uint8Array(bytes.length * perByte)
  for (let index = 0; index < values.length; index++) values[index] = (bytes[Math.floor(index / perByte)] >> ((index % perByte) * bits)) & mask
  return values
}

/** The `status_list` claim: the packed values, ZLIB-deflated and base64url-encoded. */
export function encodeTokenStatusList(values: Uint8Array, bits: BitsPerStatus): { bits: BitsPerStatus; lst: string } {
  return { bits, lst: Buffer.from(deflateSync(packTokenStatusList(values, bits), { level: 9 })).toString('base64url') }
}

/** The packed values of a `status_list` claim's `lst` (ZLIB-inflated, base64url-decoded). */
export function inflateTokenStatusList(lst: string): Uint8Array {
  return inflateSync(Buffer.from(lst, 'base64url'), { maxOutputLength: MAX_INFLATED_BYTES })
}

/** The value at a valid `index` of packed values, without unpacking the others. */
export function packedStatusAt(packed: Uint8Array, bits: BitsPerStatus, index: number): number {
  const perByte = 8 / bits
  return (packed[Math.floor(index / perByte)] >> ((index % perByte) * bits)) & ((1 << bits) - 1)
}

export function decodeTokenStatusList(claim: { bits: BitsPerStatus; lst: string }): Uint8Array {
  return unpackTokenStatusList(inflateTokenStatusList(claim.lst), claim.bits)
}

/** The value at one index, read straight from the packed bytes (a verifier needs one, not a million); `length` is the list's. */
export function readTokenStatus(claim: { bits: BitsPerStatus; lst: string }, index: number): { value: number | undefined; length: number } {
  const packed = inflateTokenStatusList(claim.lst)
  const length = packed.length * (8 / claim.bits)
  if (!Number.isInteger(index) || index < 0 || index >= length) return { value: undefined, length }
  return { value: packedStatusAt(packed, claim.bits, index), length }
}

/**
 * The W3C `encodedList`: one bit per index, index 0 the left-most (most significant) bit of the
 * first byte, padded to at least 16 KiB, GZIP-compressed, multibase base64url (prefix `u`).
 */
export function encodeBitstring(setIndexes: Iterable<number>, length: number): string {
  const bytes = new Uint8Array(Math.ceil(Math.max(length, MIN_BITSTRING_BITS) / 8))
  for (const index of setIndexes) bytes[index >> 3] |= 0x80 >> (index & 7)
  return `u${Buffer.from(gzipSync(bytes, { level: 9 })).toString('base64url')}`
}

/** Decodes an `encodedList` into its bytes; read a bit with `bitAt`. */
export function decodeBitstring(encodedList: string): Uint8Array {
  if (!encodedList.startsWith('u')) throw new Error('encodedList must be multibase base64url (prefix "u")')
  return gunzipSync(Buffer.from(encodedList.slice(1), 'base64url'), { maxOutputLength: MAX_INFLATED_BYTES })
}

export function bitAt(bitstring: Uint8Array, index: number): boolean {
  if (!Number.isInteger(index) || index < 0 || index >= bitstring.length * 8) throw new RangeError(`Index ${index} is outside the ${bitstring.length * 8}-bit list`)
  return (bitstring[index >> 3] & (0x80 >> (index & 7))) !== 0
}
