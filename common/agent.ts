import 'reflect-metadata'
import {
  Agent,
  type AgentDependencies,
  ConsoleLogger,
  LogLevel,
  type ModulesMap,
  StorageVersionRecord,
  StorageVersionRepository,
  UpdateAssistant,
} from '@credo-ts/core'
import { agentDependencies } from '@credo-ts/node'
import { type Database, type DatabaseConfig, type Migration, openDatabase } from './db'
import { agentMigrations, PersistenceModule } from './persistence'
import { masterSecretFor } from './secrets'

export interface AgentOptions<Modules extends ModulesMap> {
  database: DatabaseConfig
  dataDir: string
  modules: Modules
  /** The service's own tables, kept in the same database as the agent's records. */
  migrations?: Migration[]
  /** Replaces the HTTP client the agent uses (the fault-injecting wallet wraps it). */
  fetch?: AgentDependencies['fetch']
}

/** A Credo agent whose records and keys live in our database: a restart keeps DIDs, keys and credentials. */
export async function createAgent<Modules extends ModulesMap>(options: AgentOptions<Modules>) {
  const db: Database = await openDatabase(options.database, [...agentMigrations, ...(options.migrations ?? [])])
  const logLevel = process.env.CREDO_LOG_LEVEL as keyof typeof LogLevel | undefined
  const agent = new Agent({
    config: {
      logger: new ConsoleLogger(logLevel ? LogLevel[logLevel] : LogLevel.off),
      // the lab runs services on loopback over plain HTTP; production sets public HTTPS URLs
      allowInsecureHttpUrls: true,
    },
    dependencies: options.fetch ? { ...agentDependencies, fetch: options.fetch } : agentDependencies,
    modules: { persistence: new PersistenceModule(db, masterSecretFor(options.dataDir)), ...options.modules },
  })
  if (!(await db.query('SELECT 1 FROM credo_records LIMIT 1')).length) {
    // a new store starts at the current storage version (Askar does the same when it creates a wallet)
    const storageVersion = UpdateAssistant.frameworkStorageVersion
    await agent.dependencyManager.resolve(StorageVersionRepository).save(agent.context, new StorageVersionRecord({ storageVersion }))
  }
  await agent.initialize()
  return {
    agent,
    db,
    async shutdown() {
      await agent.shutdown()
      await db.close()
    },
  }
}
