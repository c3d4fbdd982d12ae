import 'reflect-metadata'
import {
  Agent,
  type AgentDependencies,
  ConsoleLogger,
  DidsModule,
  JwkDidResolver,
  KeyDidResolver,
  LogLevel,
  type ModulesMap,
  PeerDidResolver,
  StorageVersionRecord,
  StorageVersionRepository,
  UpdateAssistant,
} from '@credo-ts/core'
import { agentDependencies } from '@credo-ts/node'
import { EventEmitter as NodeEventEmitter } from 'node:events'
import { type Database, type DatabaseConfig, type Migration, openDatabase } from './db'
import { AgentFetchWebDidResolver } from './net/webDidResolver'
import { AgentFetchWebVhDidResolver, WebVhResolutionModule } from './net/webvhDidResolver'
import { agentMigrations, PersistenceModule, sealClearPrivateRecords } from './persistence'
import { installPrebuiltKmsSchemas } from './persistence/prebuiltKmsSchemas'
import { installUnheardRecordEvents } from './persistence/unheardRecordEvents'
import { installValidationMetadataCache } from './persistence/validationMetadataCache'
import { masterSecretFor, Sealer } from './secrets'
import { agentSettings } from './config'
import { installFastStatusListDecoding } from './status/fastStatusListDecoding'

export interface AgentOptions<Modules extends ModulesMap> {
  database: DatabaseConfig
  dataDir: string
  modules: Modules
  /** The service's own tables, kept in the same database as the agent's records. */
  migrations?: Migration[]
  /** Replaces the HTTP client the agent uses (the issuer and verifier guard it, the fault-injecting wallet wraps it). */
  fetch?: AgentDependencies['fetch']
  /**
   * Credo's `allowInsecureHttpUrls`: plain-http URLs in offers, metadata and requests. Only for a service itself served
   * over http (on loopback, or with --allow-insecure-http). Default false.
   */
  allowInsecureHttp?: boolean
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
  await installPrebuiltKmsSchemas()
  installUnheardRecordEvents()
  installValidationMetadataCache()
  const db: Database = await openDatabase(options.database, [...agentMigrations, ...(options.migrations ?? [])])
  const masterSecret = masterSecretFor(options.dataDir)
  // private records an earlier version kept in clear are sealed before anything reads them
  await sealClearPrivateRecords(db, new Sealer(masterSecret))
  const agent = new Agent({
    config: {
      logger: new ConsoleLogger(LogLevel[agentSettings().CREDO_LOG_LEVEL]),
      allowInsecureHttpUrls: options.allowInsecureHttp ?? false,
    },
    dependencies: { ...agentDependencies, EventEmitterClass: ConcurrentEventEmitter as AgentDependencies['EventEmitterClass'], ...(options.fetch ? { fetch: options.fetch } : {}) },
    modules: {
      persistence: new PersistenceModule(db, masterSecret),
      // did:web and did:webvh through the agent's own HTTP client (Credo's resolvers would fetch any host)
      dids: new DidsModule({ resolvers: [new AgentFetchWebDidResolver(), new AgentFetchWebVhDidResolver(), new KeyDidResolver(), new PeerDidResolver(), new JwkDidResolver()] }),
      webvh: new WebVhResolutionModule(),
      ...options.modules,
    },
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
