import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * The secret that seals private keys at rest: INTEROP_MASTER_SECRET when set (production),
 * otherwise one generated once and kept beside the data (0600), so a restart reopens its keys.
 */
export function masterSecretFor(dataDir: string, env = process.env): string {
  if (env.INTEROP_MASTER_SECRET) return env.INTEROP_MASTER_SECRET
  const file = join(dataDir, 'master.secret')
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  mkdirSync(dataDir, { recursive: true })
  const secret = randomBytes(32).toString('base64url')
  writeFileSync(file, secret, { mode: 0o600, flag: 'wx' })
  return secret
}
