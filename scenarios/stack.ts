import { join } from 'node:path'
import { LOCAL_ADMIN_API_KEY } from '../common/config'
import { databaseConfigFor } from '../common/db'
import { startIssuerService } from '../issuer/service'
import { startTrustRegistry } from '../trust-registry/service'
import { startVerifierService } from '../verifier/service'
import { trustRegistryCheck } from '../verifier/trust'
import { startWalletService } from '../wallet-sim/service'
import { startDashboard } from './dashboard/server'
import { onboardIssuers, subscribePrograms } from './onboarding'
import type { Endpoints } from './runner'

export interface StackOptions {
  dataDir: string
  host?: string
  ports?: Partial<Record<'trustRegistry' | 'issuer' | 'verifier' | 'wallet' | 'dashboard', number>>
  /** Where the dashboard finds the latest report (default `<dataDir>/reports`). */
  reportsDir?: string
  adminApiKey?: string
  env?: NodeJS.ProcessEnv
  /** First retry delay of notification deliveries (tests shorten it). */
  notificationRetryBaseMs?: number
  /** AnonCreds issuer material to import instead of generating it (tests: tests/fixtures/anoncreds/issuers). */
  anonCredsMaterialDir?: string
}

/** Every service in this process, each with its own database, wired together over real HTTP. */
export async function startStack(options: StackOptions) {
  const adminApiKey = options.adminApiKey ?? LOCAL_ADMIN_API_KEY
  const env = options.env ?? process.env
  const host = options.host ?? '127.0.0.1'
  const database = (service: string) => databaseConfigFor(service, options.dataDir, env)

  const trustRegistry = await startTrustRegistry({
    port: options.ports?.trustRegistry,
    host,
    dataDir: options.dataDir,
    adminApiKeys: [adminApiKey],
    database: database('trust_registry'),
  })
  const issuer = await startIssuerService({
    port: options.ports?.issuer,
    host,
    dataDir: options.dataDir,
    database: database('issuer'),
    adminApiKeys: [adminApiKey],
    trustRegistryUrl: trustRegistry.url,
    notificationRetryBaseMs: options.notificationRetryBaseMs,
    anonCredsMaterialDir: options.anonCredsMaterialDir,
  })
  const verifier = await startVerifierService({
    port: options.ports?.verifier,
    host,
    dataDir: options.dataDir,
    database: database('verifier'),
    trust: trustRegistryCheck(trustRegistry.url),
    adminApiKeys: [adminApiKey],
    publisherJwksUrl: `${issuer.url}/notifications/jwks.json`,
  })
  const wallet = await startWalletService({ port: options.ports?.wallet, host, dataDir: options.dataDir, databaseFor: (id) => database(`wallet_${id}`) })
  const onboarding = await onboardIssuers(issuer.url, trustRegistry.url, adminApiKey)
  const subscriptions = await subscribePrograms(issuer.url, verifier.url, adminApiKey)

  const endpoints: Endpoints = { issuer: issuer.url, wallet: wallet.url, verifier: verifier.url, adminApiKey }
  const dashboard = await startDashboard({
    port: options.ports?.dashboard,
    host,
    endpoints,
    trustRegistryUrl: trustRegistry.url,
    reportsDir: options.reportsDir ?? join(options.dataDir, 'reports'),
  })
  const stack = {
    endpoints,
    trustRegistry,
    issuer,
    verifier,
    wallet,
    onboarding,
    subscriptions,
    dashboard,
    dashboardUrl: dashboard.url,
    /** Stops what is running now (a test may have restarted a service in place). */
    async close() {
      await stack.dashboard.close()
      await stack.wallet.close()
      await stack.verifier.close()
      await stack.issuer.close()
      await stack.trustRegistry.close()
    },
  }
  return stack
}

export type Stack = Awaited<ReturnType<typeof startStack>>
