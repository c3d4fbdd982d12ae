import { createHash } from 'node:crypto'
import type { AnonCredsProof } from '@credo-ts/anoncreds'

const INT32_MIN = -(2n ** 31n)
const INT32_MAX = 2n ** 31n - 1n
// what Rust's `str::parse::<i32>` accepts, the test anoncreds-rs applies before hashing
const DECIMAL_INTEGER = /^[+-]?[0-9]+$/

/**
 * The AnonCreds attribute encoding (anoncreds-rs `encode_credential_attribute`): a raw value that is an
 * integer within the int32 range is signed as that integer; any other value as the SHA-256 of its UTF-8
 * bytes, read as a big-endian unsigned integer, in decimal. The CL signature and proofs cover only the
 * encoded value, so whoever reads a revealed raw value must check it against this.
 */
export function encodeAnonCredsValue(raw: string): string {
  if (DECIMAL_INTEGER.test(raw)) {
    const value = BigInt(raw)
    if (value >= INT32_MIN && value <= INT32_MAX) return value.toString()
  }
  const digest = createHash('sha256').update(raw, 'utf8').digest('hex')
  return BigInt(`0x${digest}`).toString()
}

export interface MisencodedAttribute {
  /** The proof-request referent, with the attribute name for attribute groups (`referent.name`). */
  referent: string
  raw: string
  encoded: string
  expected: string
}

/** Every revealed value in a proof whose raw form does not encode to the encoded value the proof vouches for. */
export function findMisencodedAttributes(proof: AnonCredsProof): MisencodedAttribute[] {
  const found: MisencodedAttribute[] = []
  const check = (referent: string, value: { raw: unknown; encoded: unknown }) => {
    const raw = typeof value.raw === 'string' ? value.raw : String(value.raw)
    const expected = encodeAnonCredsValue(raw)
    if (value.encoded !== expected) found.push({ referent, raw, encoded: String(value.encoded), expected })
  }
  for (const [referent, attribute] of Object.entries(proof.requested_proof?.revealed_attrs ?? {})) check(referent, attribute)
  for (const [referent, group] of Object.entries(proof.requested_proof?.revealed_attr_groups ?? {})) {
    for (const [name, attribute] of Object.entries(group.values ?? {})) check(`${referent}.${name}`, attribute)
  }
  return found
}
