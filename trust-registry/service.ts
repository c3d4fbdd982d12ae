import type { DatabaseConfig } from '../common/db'
import { openDatabase } from '../common/db'
import { createApp, finishApp, listen } from '../common/http'
import { agentMigrations } from '../common/persistence'
import { masterSecretFor } from '../common/secrets'
import { loadServiceSigner } from '../common/serviceKey'
import { addRegistryRoutes } from './app'
import { loadGovernance } from './governance'
import { RegistryStore, registryMigrations } from './store'

export interface TrustRegistryOptions {
  port?: number
  host?: string
  dataDir: string
  database: DatabaseConfig
  adminApiKeys: string[]
  governanceFile?: string
}

/** The trust registry: seeded from the governance file, answering TRQP queries with signed statements. */
export async function startTrustRegistry(options: TrustRegistryOptions) {
  const governance = loadGovernance(options.governanceFile)
  // agentMigrations bring the sealed key table the registry's signing key lives in
  const db = await openDatabase(options.database, [...agentMigrations, ...registryMigrations])
  const store = new RegistryStore(db)
  await store.seed(governance)
  const signer = await loadServiceSigner(db, masterSecretFor(options.dataDir), 'trust-registry')
  const app = createApp()
  addRegistryRoutes(app, store, signer, options.adminApiKeys, governance.authority.id)
  finishApp(app)
  const listening = await listen(app, options.port ?? 0, options.host)
  return {
    url: listening.url,
    store,
    signer,
    async close() {
      await listening.close()
      await db.close()
    },
  }
}

export type TrustRegistry = Awaited<ReturnType<typeof startTrustRegistry>>
