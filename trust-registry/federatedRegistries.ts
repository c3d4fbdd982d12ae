import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Clock } from '@interop-lab/common/clock'
import type { DatabaseConfig } from '@interop-lab/common/db'
import { linkRecognizedRegistries } from './federate'
import { JURISDICTIONS_DIR } from './governance'
import { startTrustRegistry, type TrustRegistry } from './service'

export interface RegistryFederationOptions {
  dataDir: string
  host?: string
  adminApiKeys: string[]
  /** The database of the registry authoritative for `jurisdiction` ("CA", "CA-BC"…). */
  /** `dataDir` is the registry's own directory (its master secret is there; an SQLite file belongs beside it). */
  databaseFor(jurisdiction: string, dataDir: string): DatabaseConfig
  /** Where the jurisdictions' governance files are (default trust-registry/jurisdictions). */
  jurisdictionsDir?: string
  /** The federal registry's port (the one verifiers are given); the others take free ports. */
  federalPort?: number
  /** The clock every registry of the federation answers by (default the system clock). */
  clock?: Clock
}

/**
 * One registry per governance file of `jurisdictionsDir`, each on its own port in this process, authoritative for its
 * jurisdiction alone; each is then told where the registries it recognizes answer, and with which key.
 */
export async function startRegistryFederation(options: RegistryFederationOptions) {
  const dir = options.jurisdictionsDir ?? JURISDICTIONS_DIR
  const jurisdictions = readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort()
  const registries = new Map<string, TrustRegistry>()
  const close = async () => {
    for (const registry of registries.values()) await registry.close()
  }
  try {
    for (const jurisdiction of jurisdictions) {
      const dataDir = join(options.dataDir, `registry-${jurisdiction}`)
      const registry = await startTrustRegistry({
        port: jurisdiction === 'CA' ? options.federalPort : undefined,
        host: options.host,
        dataDir,
        governanceFile: join(dir, `${jurisdiction}.json`),
        adminApiKeys: options.adminApiKeys,
        database: options.databaseFor(jurisdiction, dataDir),
        clock: options.clock,
      })
      registries.set(jurisdiction, registry)
    }
    await linkRecognizedRegistries(
      [...registries.values()].map((r) => r.url),
      options.adminApiKeys[0],
    )
  } catch (error) {
    await close()
    throw error
  }
  const federal = registries.get('CA')
  if (!federal) {
    await close()
    throw new Error(`No federal registry: ${dir} has no CA.json`)
  }
  return { registries, federal, close }
}

export type RegistryFederation = Awaited<ReturnType<typeof startRegistryFederation>>
