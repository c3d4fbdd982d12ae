import { type DependencyManager, InjectionSymbols, Kms, type Module } from '@credo-ts/core'
import { NodeKeyManagementService } from '@credo-ts/node'
import type { Database } from '../db'
import { CredoStorageService } from './CredoStorageService'
import { SealedKeyStorage } from './KeyStorage'

/** Registers our database as Credo's record storage and as the key store of the Node KMS. */
export class PersistenceModule implements Module {
  public constructor(
    private readonly db: Database,
    private readonly masterSecret: string,
  ) {}

  public register(dependencyManager: DependencyManager): void {
    dependencyManager.registerInstance(InjectionSymbols.StorageService, new CredoStorageService(this.db))
    const kms = dependencyManager.resolve(Kms.KeyManagementModuleConfig)
    kms.registerBackend(new NodeKeyManagementService(new SealedKeyStorage(this.db, this.masterSecret)))
  }
}
