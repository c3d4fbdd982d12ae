import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { calculateJwkThumbprint, compactVerify, decodeProtectedHeader, importJWK } from 'jose'
import { EVIDENCE_KIND, type EvidenceManifest, MANIFEST, sha256, SIGNATURE } from './bundle'

/** Which check refused the bundle, and the file it is about. */
export type EvidenceErrorCode = 'missing_file' | 'unreadable_manifest' | 'bad_signature' | 'wrong_key' | 'hash_mismatch' | 'unlisted_file'

export class EvidenceError extends Error {
  public constructor(
    public readonly code: EvidenceErrorCode,
    public readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`)
  }
}

export interface VerifiedEvidence {
  manifest: EvidenceManifest
  /** Files whose hashes matched, manifest and signature excluded. */
  files: number
}

function read(dir: string, path: string): Buffer {
  try {
    return readFileSync(join(dir, path))
  } catch {
    throw new EvidenceError('missing_file', path, 'missing from the bundle')
  }
}

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/'))

/**
 * Checks an evidence bundle offline: the JWS in manifest.json's signature file signs exactly manifest.json's bytes
 * with the key the manifest names (RFC 7515 §5.2, RFC 7638 thumbprint), every listed file has its SHA-256, and no
 * file is there that the manifest does not list. `expectedThumbprint` also requires the lab's own key.
 */
export async function verifyEvidence(dir: string, expectedThumbprint?: string): Promise<VerifiedEvidence> {
  const manifestBytes = read(dir, MANIFEST)
  const jws = read(dir, SIGNATURE).toString('utf8').trim()
  let manifest: EvidenceManifest
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8')) as EvidenceManifest
    if (manifest.kind !== EVIDENCE_KIND || !Array.isArray(manifest.files) || !manifest.signer?.jwk) throw new Error(`not an ${EVIDENCE_KIND} manifest`)
  } catch (error) {
    throw new EvidenceError('unreadable_manifest', MANIFEST, `not a readable evidence manifest (${error instanceof Error ? error.message : String(error)})`)
  }
  const thumbprint = await calculateJwkThumbprint(manifest.signer.jwk, 'sha256')
  if (thumbprint !== manifest.signer.thumbprint)
    throw new EvidenceError('wrong_key', MANIFEST, `signer.thumbprint ${manifest.signer.thumbprint} is not the RFC 7638 thumbprint of signer.jwk (${thumbprint})`)
  if (expectedThumbprint && thumbprint !== expectedThumbprint) throw new EvidenceError('wrong_key', MANIFEST, `signed by key ${thumbprint}, not the expected lab key ${expectedThumbprint}`)
  let payload: Uint8Array
  try {
    if (decodeProtectedHeader(jws).kid !== thumbprint) throw new Error(`its header's kid is not the manifest's key ${thumbprint}`)
    payload = (await compactVerify(jws, await importJWK({ ...manifest.signer.jwk, alg: 'EdDSA' }, 'EdDSA'), { algorithms: ['EdDSA'] })).payload
  } catch (error) {
    throw new EvidenceError('bad_signature', SIGNATURE, `the EdDSA JWS does not verify with the manifest's key (RFC 7515 §5.2): ${error instanceof Error ? error.message : String(error)}`)
  }
  if (!Buffer.from(payload).equals(manifestBytes)) throw new EvidenceError('bad_signature', MANIFEST, `its bytes are not the ones ${SIGNATURE} signs: the manifest was changed after signing`)
  for (const file of manifest.files) {
    const actual = sha256(read(dir, file.path))
    if (actual !== file.sha256) throw new EvidenceError('hash_mismatch', file.path, `SHA-256 ${actual} is not the ${file.sha256} the signed manifest lists: the file was changed after the run`)
  }
  const listed = new Set([MANIFEST, SIGNATURE, ...manifest.files.map((f) => f.path)])
  const extra = filesUnder(dir).find((path) => !listed.has(path))
  if (extra) throw new EvidenceError('unlisted_file', extra, 'not listed in the signed manifest: it was added after the run')
  return { manifest, files: manifest.files.length }
}
