import crypto from 'node:crypto'
import { syncBuiltinESMExports } from 'node:module'

/**
 * Importing this module wraps node:crypto's one-shot sign/verify and WebCrypto's subtle sign/verify with
 * counters. A process must import it before Credo and jose load (and load them dynamically after), so the
 * references those libraries capture are the wrapped ones.
 */
export interface SignatureCounts {
  sign: number
  verify: number
}

const counts: SignatureCounts = { sign: 0, verify: 0 }

function counting<F extends (...args: never[]) => unknown>(original: F, kind: keyof SignatureCounts): F {
  return function (this: unknown, ...args: Parameters<F>) {
    counts[kind]++
    return original.apply(this, args)
  } as F
}

crypto.sign = counting(crypto.sign, 'sign')
crypto.verify = counting(crypto.verify, 'verify')
syncBuiltinESMExports()
const subtle = Object.getPrototypeOf(globalThis.crypto.subtle) as SubtleCrypto
subtle.sign = counting(subtle.sign, 'sign')
subtle.verify = counting(subtle.verify, 'verify')

export const signatureCounts = (): SignatureCounts => ({ ...counts })
