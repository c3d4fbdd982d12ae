import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** Context URLs the lab knows; each document is bundled in `contexts/` and never fetched. */
export const CONTEXTS = {
  credentialsV2: 'https://www.w3.org/ns/credentials/v2',
  credentialsExamplesV2: 'https://www.w3.org/ns/credentials/examples/v2',
  dataIntegrityV2: 'https://w3id.org/security/data-integrity/v2',
  multikeyV1: 'https://w3id.org/security/multikey/v1',
  bitstringStatusListV1: 'https://www.w3.org/ns/credentials/status/v1',
  interopLabCredentialsV1: 'https://interop-lab.ca/contexts/credentials/v1',
} as const

// The W3C files are copied verbatim from their specifications' repositories (credentials-v2.json has
// the SHA-256 published in VCDM 2.0, 59955ced…2734); interop-lab-credentials-v1.json is ours.
const FILES: Record<string, string> = {
  [CONTEXTS.credentialsV2]: 'credentials-v2.json',
  [CONTEXTS.credentialsExamplesV2]: 'credentials-examples-v2.json',
  [CONTEXTS.dataIntegrityV2]: 'data-integrity-v2.json',
  [CONTEXTS.multikeyV1]: 'multikey-v1.json',
  [CONTEXTS.bitstringStatusListV1]: 'bitstring-status-list-v1.json',
  [CONTEXTS.interopLabCredentialsV1]: 'interop-lab-credentials-v1.json',
}

const contextsDir = join(import.meta.dirname, 'contexts')
let loaded: ReadonlyMap<string, Readonly<Record<string, unknown>>> | undefined

/** Every bundled context document by URL (read once). */
export function bundledContexts(): ReadonlyMap<string, Readonly<Record<string, unknown>>> {
  loaded ??= new Map(Object.entries(FILES).map(([url, file]) => [url, Object.freeze(JSON.parse(readFileSync(join(contextsDir, file), 'utf8')))]))
  return loaded
}
