import type { SignatureCounts } from './signatureCounter'

export type BenchService = 'trust-registry' | 'issuer' | 'verifier' | 'wallet'

/** What the bench tells a service process when it starts it (argv[2], JSON). */
export interface ServiceProcessConfig {
  service: BenchService
  dataDir: string
  adminApiKey: string
  trustRegistryUrl?: string
  publisherJwksUrl?: string
  /** Wallet only: how many extra holder personas (`bench-1`…) to host, one per concurrent client. */
  benchPersonas?: number
  /** Trust registry only: its database name (several registries can be benchmarked side by side). */
  databaseName?: string
  /** Issuer only: processes serving its port on its one database (`--workers`, common/workers.ts); default 1. */
  workers?: number
}

export type ServiceProcessRequest = { type: 'stats'; id: number } | { type: 'stop' }

export interface ProcessStats {
  /** CPU time (user + system) the process has used since it started. */
  cpuMs: number
  signatures: SignatureCounts
  rssMb: number
}

export type ServiceProcessMessage = { type: 'ready'; url: string } | ({ type: 'stats'; id: number } & ProcessStats)
