import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** Creates `dir` (and missing parents) readable by this user only; an existing directory keeps its mode. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
}

/** Creates `file` empty if missing, and makes it readable and writable by this user only (0600). */
export function ensurePrivateFile(file: string): void {
  closeSync(openSync(file, 'a', 0o600))
  chmodSync(file, 0o600)
}

/**
 * The secret that seals private keys at rest: INTEROP_MASTER_SECRET when set (production),
 * otherwise one generated once and kept beside the data (0600), so a restart reopens its keys.
 */
export function masterSecretFor(dataDir: string, env = process.env): string {
  if (env.INTEROP_MASTER_SECRET) return env.INTEROP_MASTER_SECRET
  const file = join(dataDir, 'master.secret')
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  ensurePrivateDir(dataDir)
  const secret = randomBytes(32).toString('base64url')
  writeFileSync(file, secret, { mode: 0o600, flag: 'wx' })
  return secret
}

/**
 * Seals private material at rest with AES-256-GCM under a key derived from the master secret: base64 of
 * IV (12 bytes), tag (16) and ciphertext. Opening with another secret, or a changed value, throws.
 */
export class Sealer {
  private readonly key: Buffer

  public constructor(masterSecret: string) {
    this.key = createHash('sha256').update(masterSecret).digest()
  }

  public seal(plaintext: string): string {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.key, iv)
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')
  }

  public open(sealed: string): string {
    const raw = Buffer.from(sealed, 'base64')
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12))
    decipher.setAuthTag(raw.subarray(12, 28))
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')
  }
}
