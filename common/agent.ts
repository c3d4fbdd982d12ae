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
import { EventEmitter as NodeEventEmitter } from 'node:events'
import { type Database, type DatabaseConfig, type Migration, openDatabase } from './db'
import { agentMigrations, PersistenceModule } from './persistence'
import { masterSecretFor } from './secrets'
import { installFastStatusListDecoding } from './status/fastStatusListDecoding'

export interface AgentOptions<Modules extends ModulesMap> {
  database: DatabaseConfig
  dataDir: string
  modules: Modules
  /** The service's own tables, kept in the same database as the agent's records. */
  migrations?: Migration[]
  /** Replaces the HTTP client the agent uses (the fault-injecting wallet wraps it). */
  fetch?: AgentDependencies['fetch']
}

/** Each DIDComm message in flight waits on one listener: concurrent exchanges exceed Node's default warning cap of 10. */
class ConcurrentEventEmitter extends NodeEventEmitter {
  public constructor() {
    super()
    this.setMaxListeners(0)
  }
}

/** A Credo agent whose records and keys live in our database: a restart keeps DIDs, keys and credentials. */
export async function createAgent<Modules extends ModulesMap>(options: AgentOptions<Modules>) {
  installFastStatusListDecoding()
  const db: Database = await openDatabase(options.database, [...agentMigrations, ...(options.migrations ?? [])])
  const logLevel = process.env.CREDO_LOG_LEVEL as keyof typeof LogLevel | undefined
  const agent = new Agent({
    config: {
      logger: new ConsoleLogger(logLevel ? LogLevel[logLevel] : LogLevel.off),
      // the lab runs services on loopback over plain HTTP; production sets public HTTPS URLs
      allowInsecureHttpUrls: true,
    },
    dependencies: { ...agentDependencies, EventEmitterClass: ConcurrentEventEmitter as AgentDependencies['EventEmitterClass'], ...(options.fetch ? { fetch: options.fetch } : {}) },
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
