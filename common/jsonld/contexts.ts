import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** Context URLs the lab knows; each document is bundled in `contexts/` and never fetched. */
export const CONTEXTS = {
  credentialsV1: 'https://www.w3.org/2018/credentials/v1',
  credentialsV2: 'https://www.w3.org/ns/credentials/v2',
  credentialsExamplesV2: 'https://www.w3.org/ns/credentials/examples/v2',
  dataIntegrityV2: 'https://w3id.org/security/data-integrity/v2',
  multikeyV1: 'https://w3id.org/security/multikey/v1',
  bitstringStatusListV1: 'https://www.w3.org/ns/credentials/status/v1',
  ed25519Signature2020V1: 'https://w3id.org/security/suites/ed25519-2020/v1',
  interopLabCredentialsV1: 'https://interop-lab.ca/contexts/credentials/v1',
} as const

// The W3C files are copied verbatim from their specifications' repositories (credentials-v2.json has
// the SHA-256 published in VCDM 2.0, 59955ced…2734); credentials-v1.json (VCDM 1.1) and
// ed25519-signature-2020-v1.json are the documents Credo and Digital Bazaar bundle;
// interop-lab-credentials-v1.json is ours.
const FILES: Record<string, string> = {
  [CONTEXTS.credentialsV1]: 'credentials-v1.json',
  [CONTEXTS.credentialsV2]: 'credentials-v2.json',
  [CONTEXTS.credentialsExamplesV2]: 'credentials-examples-v2.json',
  [CONTEXTS.dataIntegrityV2]: 'data-integrity-v2.json',
  [CONTEXTS.multikeyV1]: 'multikey-v1.json',
  [CONTEXTS.bitstringStatusListV1]: 'bitstring-status-list-v1.json',
  [CONTEXTS.ed25519Signature2020V1]: 'ed25519-signature-2020-v1.json',
  [CONTEXTS.interopLabCredentialsV1]: 'interop-lab-credentials-v1.json',
}

// Same JSON as published, but not known to be the same bytes: a digest of the published file is not checked against them
const SAME_JSON_ONLY: ReadonlySet<string> = new Set([CONTEXTS.credentialsV1, CONTEXTS.ed25519Signature2020V1])

const contextsDir = join(import.meta.dirname, 'contexts')
let loaded: ReadonlyMap<string, Readonly<Record<string, unknown>>> | undefined
let bytes: ReadonlyMap<string, Buffer> | undefined

/** Every bundled context file by URL, as its bytes (read once). */
export function bundledContextBytes(): ReadonlyMap<string, Buffer> {
  bytes ??= new Map(Object.entries(FILES).map(([url, file]) => [url, readFileSync(join(contextsDir, file))]))
  return bytes
}

/** The bundled context files that are byte for byte the published ones (what a `relatedResource` digest covers). */
export function publishedContextBytes(): ReadonlyMap<string, Buffer> {
  return new Map([...bundledContextBytes()].filter(([url]) => !SAME_JSON_ONLY.has(url)))
}

/** Every bundled context document by URL (parsed once). */
export function bundledContexts(): ReadonlyMap<string, Readonly<Record<string, unknown>>> {
  loaded ??= new Map([...bundledContextBytes()].map(([url, file]) => [url, Object.freeze(JSON.parse(file.toString('utf8')))]))
  return loaded
}
