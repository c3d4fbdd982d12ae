import type { Migration } from '../db'
import { credoStorageMigrations } from './CredoStorageService'
import { keyStorageMigrations } from './KeyStorage'

export { CredoStorageService, RecordConflictError } from './CredoStorageService'
export { SealedKeyStorage } from './KeyStorage'
export { PersistenceModule } from './PersistenceModule'
export { sealClearPrivateRecords } from './sealedRecords'

/** Tables every Credo agent's database needs. */
export const agentMigrations: Migration[] = [...credoStorageMigrations, ...keyStorageMigrations]
