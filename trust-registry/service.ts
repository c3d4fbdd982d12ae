import type { Clock } from '@interop-lab/common/clock'
import { databaseConfigFor, openDatabase, type DatabaseConfig } from '@interop-lab/common/db'
import { listen } from '@interop-lab/common/http'
import { agentMigrations } from '@interop-lab/common/persistence'
import { createRegistryApp } from './app'
import { loadGovernance } from './governance'
import { loadRegistrySigner } from './signer'
import { RegistryStore, registryMigrations } from './store'
import { X509AnchorStore, x509AnchorMigrations } from './x509Anchors'

export interface TrustRegistryOptions {
  port?: number
  host?: string
  dataDir: string
  /** Defaults to the bundled governance.json. */
  governanceFile?: string
  adminApiKeys: string[]
  /** Defaults to `databaseConfigFor('trust-registry', dataDir)`: SQLite under dataDir, or INTEROP_DATABASE_URL. */
  database?: DatabaseConfig
  publicUrl?: string
  /** The time its answers are evaluated at: the system clock, or a lab run's controllable one (common/clock.ts). */
  clock?: Clock
}

/** The trust registry: seeded from the governance file, answering TRQP queries with signed statements. */
export async function startTrustRegistry(options: TrustRegistryOptions) {
  if (!options.adminApiKeys.length || options.adminApiKeys.some((key) => !key)) throw new Error('The trust registry needs at least one non-empty admin API key')
  const governance = loadGovernance(options.governanceFile)
  // agentMigrations bring the sealed key table the registry's signing key lives in
  const db = await openDatabase(options.database ?? databaseConfigFor('trust-registry', options.dataDir), [...agentMigrations, ...registryMigrations, ...x509AnchorMigrations])
  try {
    const store = new RegistryStore(db)
    await store.seed(governance)
    const signer = await loadRegistrySigner(db, options.dataDir)
    const x509Anchors = new X509AnchorStore(db)
    const app = createRegistryApp({ store, signer, authority: governance.authority, adminApiKeys: options.adminApiKeys, publicUrl: options.publicUrl, x509Anchors, clock: options.clock })
    const listening = await listen(app, options.port ?? 0, options.host)
    return {
      url: listening.url,
      port: listening.port,
      app,
      store,
      signer,
      async close() {
        await listening.close()
        await db.close()
      },
    }
  } catch (error) {
    await db.close()
    throw error
  }
}

export type TrustRegistry = Awaited<ReturnType<typeof startTrustRegistry>>
