import { generateKeyPairSync } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { calculateJwkThumbprint, CompactSign, importJWK, type JWK } from 'jose'
import { ensurePrivateDir, masterSecretFor, Sealer } from '@interop-lab/common/secrets'

/** The lab's evidence-signing key (Ed25519), sealed under the master secret like every other private key. */
const KEY_FILE = 'evidence-key.sealed'

export interface LabSigner {
  publicJwk: JWK
  thumbprint: string
  /** A compact JWS (EdDSA) over exactly these bytes, naming the key in its header. */
  sign(payload: Uint8Array): Promise<string>
}

/** Opens the lab's signing key from `<dataDir>/evidence-key.sealed`, creating it on first use. */
export async function labSigner(dataDir: string, env = process.env): Promise<LabSigner> {
  const sealer = new Sealer(masterSecretFor(dataDir, env))
  const file = join(dataDir, KEY_FILE)
  if (!existsSync(file)) {
    ensurePrivateDir(dataDir)
    const { privateKey } = generateKeyPairSync('ed25519')
    writeFileSync(file, sealer.seal(JSON.stringify(privateKey.export({ format: 'jwk' }))), { mode: 0o600, flag: 'wx' })
  }
  let privateJwk: JWK
  try {
    privateJwk = JSON.parse(sealer.open(readFileSync(file, 'utf8'))) as JWK
  } catch {
    throw new Error(`${file} cannot be opened with this master secret (INTEROP_MASTER_SECRET or <data-dir>/master.secret): it was sealed under another one`)
  }
  const { d: _private, ...publicJwk } = privateJwk
  const thumbprint = await calculateJwkThumbprint(publicJwk, 'sha256')
  const key = await importJWK({ ...privateJwk, alg: 'EdDSA' }, 'EdDSA')
  return {
    publicJwk,
    thumbprint,
    sign: (payload) => new CompactSign(payload).setProtectedHeader({ alg: 'EdDSA', kid: thumbprint, jwk: publicJwk }).sign(key),
  }
}
