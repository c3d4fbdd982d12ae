import { StatusList } from '@sd-jwt/jwt-status-list'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type BitsPerStatus, decodeTokenStatusList, encodeTokenStatusList, readTokenStatus } from '@interop-lab/common/status'
import { unpackTokenStatusList } from '@interop-lab/common/status/encoding'
import { decompressStatusValues, installFastStatusListDecoding, libraryDecodeStatusList, libraryDecompressStatusList } from '@interop-lab/common/status/fastStatusListDecoding'

const bits = fc.constantFrom<BitsPerStatus>(1, 2, 4, 8)

describe('status list decoding', () => {
  it('unpacks exactly as @sd-jwt/jwt-status-list does, for every width', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), bits, (bytes, width) => {
        expect([...unpackTokenStatusList(bytes, width)]).toEqual(libraryDecodeStatusList(bytes, width))
      }),
      { numRuns: 300 },
    )
  })

  it('decompresses a list the library compressed into the same statuses, and refuses what the library refuses', () => {
    fc.assert(
      fc.property(bits, fc.array(fc.nat(255), { minLength: 1, maxLength: 300 }), (width, raw) => {
        const statuses = raw.map((v) => v & ((1 << width) - 1))
        const compressed = new StatusList(statuses, width).compressStatusList()
        const ours = decompressStatusValues(compressed, width)
        const theirs = libraryDecompressStatusList(compressed, width)
        expect([...ours.statusList]).toEqual(theirs.statusList)
        expect(ours.getBitsPerStatus()).toBe(width)
        for (const index of [0, statuses.length - 1, theirs.statusList.length - 1]) expect(ours.getStatus(index)).toBe(theirs.getStatus(index))
        expect(() => ours.getStatus(theirs.statusList.length)).toThrow(/out of bounds/)
      }),
      { numRuns: 200 },
    )
    expect(() => decompressStatusValues('not-zlib', 2)).toThrow(/Decompression failed/)
    expect(() => libraryDecompressStatusList('not-zlib', 2)).toThrow(/Decompression failed/)
    expect(() => decompressStatusValues(new StatusList([0], 1).compressStatusList(), 3)).toThrow(/bitsPerStatus must be 1, 2, 4, or 8/)
  })

  it('reads each status of a list it has not unpacked as the library does, and a status set afterwards', () => {
    const read = (list: StatusList, index: number) => {
      try {
        return list.getStatus(index)
      } catch (error) {
        return (error as Error).message
      }
    }
    fc.assert(
      fc.property(bits, fc.array(fc.nat(255), { minLength: 1, maxLength: 300 }), fc.nat(299), (width, raw, changed) => {
        const compressed = new StatusList(
          raw.map((v) => v & ((1 << width) - 1)),
          width,
        ).compressStatusList()
        const theirs = libraryDecompressStatusList(compressed, width)
        const ours = decompressStatusValues(compressed, width)
        for (const index of [-1, 0.5, Number.NaN, ...theirs.statusList.keys(), theirs.statusList.length]) expect(read(ours, index)).toBe(read(theirs, index))
        const index = changed % theirs.statusList.length
        ours.setStatus(index, 1)
        theirs.setStatus(index, 1)
        expect(read(ours, index)).toBe(1)
        expect([...ours.statusList]).toEqual(theirs.statusList)
      }),
      { numRuns: 200 },
    )
  })

  it('gives each reader of a list inflated before its own statuses: a status set on one is not seen by the next', () => {
    const compressed = new StatusList([0, 1, 0, 2, 0, 0, 0, 3], 2).compressStatusList()
    const first = decompressStatusValues(compressed, 2)
    first.setStatus(0, 3)
    first.setStatus(2, 1)
    const second = decompressStatusValues(compressed, 2)
    expect([0, 1, 2, 3, 7].map((index) => second.getStatus(index))).toEqual([0, 1, 0, 2, 3])
    expect([...second.statusList]).toEqual(libraryDecompressStatusList(compressed, 2).statusList)
    expect(first.getStatus(0)).toBe(3)
  })

  it('is what Credo reads once installed', () => {
    installFastStatusListDecoding()
    const statuses = Array.from({ length: 1024 }, (_, i) => (i % 7 === 0 ? 1 : i % 11 === 0 ? 2 : 0))
    const decoded = StatusList.decompressStatusList(new StatusList(statuses, 2).compressStatusList(), 2)
    expect(decoded.getStatus(7)).toBe(1)
    expect(decoded.getStatus(11)).toBe(2)
    expect(decoded.getStatus(12)).toBe(0)
  })

  it('reads one index of a token list as unpacking the whole list would, and nothing past its end', () => {
    fc.assert(
      fc.property(bits, fc.array(fc.nat(255), { minLength: 1, maxLength: 200 }), fc.nat(400), (width, raw, index) => {
        const values = Uint8Array.from(raw, (v) => v & ((1 << width) - 1))
        const claim = encodeTokenStatusList(values, width)
        const all = decodeTokenStatusList(claim)
        const read = readTokenStatus(claim, index)
        expect(read.length).toBe(all.length)
        expect(read.value).toBe(index < all.length ? all[index] : undefined)
      }),
      { numRuns: 200 },
    )
    const claim = encodeTokenStatusList(new Uint8Array(8), 1)
    expect(readTokenStatus(claim, -1).value).toBeUndefined()
    expect(readTokenStatus(claim, 1.5).value).toBeUndefined()
  })
})
