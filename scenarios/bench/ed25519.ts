import { availableParallelism } from 'node:os'
import { createPrivateKey, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto'

/** Raw node:crypto Ed25519 rates on one core: the cost floor of every signature the services make. */
export interface Ed25519Rates {
  signPerSecond: number
  verifyPerSecond: number
  /** Signing when the private key is imported from a JWK for every signature, as Credo's Node KMS does. */
  signWithJwkImportPerSecond: number
  /** ES256 (ECDSA P-256) on one core: the floor had the same signatures been ES256. */
  es256: { signPerSecond: number; verifyPerSecond: number }
  cores: number
}

/** Signing and verifying rates on one core, and how many cores sign and verify. */
export type SignatureRates = Pick<Ed25519Rates, 'signPerSecond' | 'verifyPerSecond' | 'cores'>

function ratePerSecond(seconds: number, work: () => void): number {
  for (let i = 0; i < 200; i++) work()
  let count = 0
  const started = performance.now()
  const until = started + seconds * 1000
  while (performance.now() < until) {
    for (let i = 0; i < 100; i++) work()
    count += 100
  }
  return count / ((performance.now() - started) / 1000)
}

export function measureEd25519(seconds: number): Ed25519Rates {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  // about the size of a JWT signing input (header + claims of a credential)
  const message = Buffer.alloc(600, 'interop-lab')
  const signature = sign(null, message, privateKey)
  const jwk = privateKey.export({ format: 'jwk' })
  const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const p256Signature = sign('sha256', message, { key: p256.privateKey, dsaEncoding: 'ieee-p1363' })
  let key: KeyObject
  return {
    signPerSecond: ratePerSecond(seconds, () => sign(null, message, privateKey)),
    verifyPerSecond: ratePerSecond(seconds, () => verify(null, message, publicKey, signature)),
    signWithJwkImportPerSecond: ratePerSecond(seconds, () => {
      key = createPrivateKey({ format: 'jwk', key: jwk })
      sign(null, message, key)
    }),
    es256: {
      signPerSecond: ratePerSecond(seconds, () => sign('sha256', message, { key: p256.privateKey, dsaEncoding: 'ieee-p1363' })),
      verifyPerSecond: ratePerSecond(seconds, () => verify('sha256', message, { key: p256.publicKey, dsaEncoding: 'ieee-p1363' }, p256Signature)),
    },
    cores: availableParallelism(),
  }
}

/**
 * The most operations per second the machine could do if signatures were all it did: every core signing
 * and verifying at the raw rate.
 */
export function signatureCeiling(rates: SignatureRates, signsPerOp: number, verifiesPerOp: number): number {
  const secondsPerOp = signsPerOp / rates.signPerSecond + verifiesPerOp / rates.verifyPerSecond
  return secondsPerOp > 0 ? rates.cores / secondsPerOp : Number.POSITIVE_INFINITY
}
