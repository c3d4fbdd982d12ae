import { LOCAL_ADMIN_API_KEY } from '@interop-lab/common/config'
import { onboardIssuers, subscribePrograms } from '../onboarding'
import type { Endpoints } from '../runner'
import type { BenchService, ProcessStats } from './serviceProtocol'
import { type ProcessOptions, type ServiceProcess, startServiceProcess } from './serviceProcesses'

export interface BenchStackOptions extends ProcessOptions {
  dataDir: string
  /** Holder personas `bench-1`… beside the pilot personas, one per concurrent client. */
  benchPersonas: number
  /** Processes serving the issuer (`--workers`); default 1. */
  issuerWorkers?: number
}

export type StackStats = Record<BenchService, ProcessStats>

/**
 * The four services, each in its own process as they would be deployed (the machine's cores are shared
 * by the OS), wired over real HTTP and onboarded like `npm start` does.
 */
export async function startBenchStack(options: BenchStackOptions) {
  const adminApiKey = LOCAL_ADMIN_API_KEY
  const base = { dataDir: options.dataDir, adminApiKey }
  const trustRegistry = await startServiceProcess({ ...base, service: 'trust-registry' }, options)
  const [issuer, wallet] = await Promise.all([
    startServiceProcess({ ...base, service: 'issuer', trustRegistryUrl: trustRegistry.url, workers: options.issuerWorkers }, options),
    startServiceProcess({ ...base, service: 'wallet', benchPersonas: options.benchPersonas }, options),
  ])
  const verifier = await startServiceProcess({ ...base, service: 'verifier', trustRegistryUrl: trustRegistry.url, publisherJwksUrl: `${issuer.url}/notifications/jwks.json` }, options)
  const processes: ServiceProcess[] = [trustRegistry, issuer, verifier, wallet]
  await onboardIssuers(issuer.url, trustRegistry.url, adminApiKey)
  await subscribePrograms(issuer.url, verifier.url, adminApiKey)
  const endpoints: Endpoints = { issuer: issuer.url, wallet: wallet.url, verifier: verifier.url, adminApiKey }

  return {
    endpoints,
    trustRegistryUrl: trustRegistry.url,
    async stats(): Promise<StackStats> {
      const all = await Promise.all(processes.map(async (p) => [p.service, await p.stats()] as const))
      return Object.fromEntries(all) as StackStats
    },
    async stop() {
      await Promise.all(processes.map((p) => p.stop()))
    },
  }
}

export type BenchStack = Awaited<ReturnType<typeof startBenchStack>>
