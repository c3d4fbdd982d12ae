import { type DependencyManager, InjectionSymbols, Kms, type Module } from '@credo-ts/core'
import type { Database } from '../db'
import { KeptKeyObjectsKeyManagementService } from '../kms/KeptKeyObjectsKeyManagementService'
import { Sealer } from '../secrets'
import { CredoStorageService } from './CredoStorageService'
import { SealedKeyStorage } from './KeyStorage'

/**
 * Registers our database as Credo's record storage and as the key store of the Node KMS (with DIDComm v1 envelopes,
 * keeping each key's Node KeyObjects);
 * private keys are sealed under the master secret in both.
 */
export class PersistenceModule implements Module {
  public constructor(
    private readonly db: Database,
    private readonly masterSecret: string,
  ) {}

  public register(dependencyManager: DependencyManager): void {
    dependencyManager.registerInstance(InjectionSymbols.StorageService, new CredoStorageService(this.db, new Sealer(this.masterSecret)))
    const kms = dependencyManager.resolve(Kms.KeyManagementModuleConfig)
    kms.registerBackend(new KeptKeyObjectsKeyManagementService(new SealedKeyStorage(this.db, this.masterSecret)))
  }
}
