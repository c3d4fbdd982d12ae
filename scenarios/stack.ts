import { join } from 'node:path'
import { ControllableClock, systemClock } from '@interop-lab/common/clock'
import { LOCAL_ADMIN_API_KEY } from '@interop-lab/common/config'
import { databaseConfigFor } from '@interop-lab/common/db'
import type { OutboundPolicy } from '@interop-lab/common/net/outboundPolicy'
import { startIssuerService } from '@interop-lab/issuer'
import { startRegistryFederation } from '@interop-lab/trust-registry/federatedRegistries'
import { startTrustRegistry } from '@interop-lab/trust-registry'
import { startVerifierService } from '@interop-lab/verifier'
import { startWalletService } from '@interop-lab/wallet-sim'
import { startDashboard } from './dashboard/server'
import { onboardIssuers, onboardVerifiers, onboardWalletProvider, subscribePrograms } from './onboarding'
import type { Endpoints } from './runner'

export interface StackOptions {
  dataDir: string
  host?: string
  ports?: Partial<Record<'trustRegistry' | 'issuer' | 'verifier' | 'wallet' | 'dashboard', number>>
  /** Where the dashboard finds the latest report (default `<dataDir>/reports`). */
  reportsDir?: string
  /** Hosts beyond the lab the services may reach on their own (a peer agent's DIDComm endpoint, say). */
  outbound?: OutboundPolicy
  /** Where people open the dashboard when it is published beyond this machine (its host is then allowed). */
  dashboardPublicUrl?: string
  adminApiKey?: string
  env?: NodeJS.ProcessEnv
  /** First retry delay of notification deliveries (tests shorten it). */
  notificationRetryBaseMs?: number
  /** AnonCreds issuer material to import instead of generating it (tests: tests/fixtures/anoncreds/issuers). */
  anonCredsMaterialDir?: string
  /** The wallet asks the trust registry about each credential's issuer before keeping it (a wallet conformance run). */
  walletTrustRegistry?: boolean
  /**
   * One trust registry per jurisdiction (trust-registry/jurisdictions), linked by their recognitions, the verifier and the
   * issuer asking only the federal one (`trustRegistry`, on `ports.trustRegistry`): the default. `false`: one registry
   * holding every jurisdiction (trust-registry/governance.json).
   */
  federated?: boolean
  /** The parties the issuer service hosts and the registries' governance, when not the repository's (onboarding tests). */
  dataFiles?: { issuerParties?: string; governance?: string; jurisdictionsDir?: string }
  /**
   * One clock for every service of the stack that a run may move (`POST /clock`): the pilots' `wait` steps then move
   * time instead of sleeping. Off by default (the system clock); only for a run whose parties are all the lab's.
   */
  controllableClock?: boolean
}

/** Every service in this process, each with its own database, wired together over real HTTP. */
export async function startStack(options: StackOptions) {
  const adminApiKey = options.adminApiKey ?? LOCAL_ADMIN_API_KEY
  const env = options.env ?? process.env
  const host = options.host ?? '127.0.0.1'
  const database = (service: string) => databaseConfigFor(service, options.dataDir, env)
  const clock = options.controllableClock ? new ControllableClock() : systemClock

  const federation =
    options.federated === false
      ? undefined
      : await startRegistryFederation({
          dataDir: options.dataDir,
          host,
          adminApiKeys: [adminApiKey],
          jurisdictionsDir: options.dataFiles?.jurisdictionsDir,
          federalPort: options.ports?.trustRegistry,
          clock,
          databaseFor: (jurisdiction, dataDir) => databaseConfigFor(`trust_registry_${jurisdiction.toLowerCase().replace('-', '_')}`, dataDir, env),
        })
  const trustRegistry =
    federation?.federal ??
    (await startTrustRegistry({
      port: options.ports?.trustRegistry,
      host,
      dataDir: options.dataDir,
      adminApiKeys: [adminApiKey],
      database: database('trust_registry'),
      governanceFile: options.dataFiles?.governance,
      clock,
    }))
  const issuer = await startIssuerService({
    port: options.ports?.issuer,
    host,
    dataDir: options.dataDir,
    database: database('issuer'),
    adminApiKeys: [adminApiKey],
    jurisdictionsFile: options.dataFiles?.issuerParties,
    outbound: options.outbound,
    trustRegistryUrl: trustRegistry.url,
    notificationRetryBaseMs: options.notificationRetryBaseMs,
    anonCredsMaterialDir: options.anonCredsMaterialDir,
    clock,
  })
  const verifier = await startVerifierService({
    port: options.ports?.verifier,
    host,
    dataDir: options.dataDir,
    database: database('verifier'),
    outbound: options.outbound,
    // the federal registry; a policy relying on another authority's recognitions (`*-alberta`) asks that authority's registry
    trust: { url: trustRegistry.url, authorities: federation && Object.fromEntries([...federation.registries].map(([jurisdiction, registry]) => [jurisdiction, registry.url])) },
    adminApiKeys: [adminApiKey],
    publisherJwksUrl: `${issuer.url}/notifications/jwks.json`,
    clock,
  })
  const wallet = await startWalletService({
    port: options.ports?.wallet,
    host,
    dataDir: options.dataDir,
    databaseFor: (id) => database(`wallet_${id}`),
    trustRegistryUrl: options.walletTrustRegistry ? trustRegistry.url : undefined,
    // HAIP requests' certificates chain to a verifier root this registry lists (scenarios/onboarding.ts onboardVerifiers)
    verifierRegistryUrl: trustRegistry.url,
    clock,
  })
  const onboarding = await onboardIssuers(issuer.url, federation ? [...federation.registries.values()].map((r) => r.url) : [trustRegistry.url], adminApiKey)
  const subscriptions = await subscribePrograms(issuer.url, verifier.url, adminApiKey)
  await onboardVerifiers(verifier.url, trustRegistry.url, adminApiKey)
  // HAIP issuance: the issuer trusts the wallet's attestations through the registry it asks (issuer/haip.ts)
  await onboardWalletProvider(wallet.url, trustRegistry.url, adminApiKey)

  const endpoints: Endpoints = { issuer: issuer.url, wallet: wallet.url, verifier: verifier.url, adminApiKey }
  const dashboard = await startDashboard({
    port: options.ports?.dashboard,
    host,
    endpoints,
    trustRegistryUrl: trustRegistry.url,
    reportsDir: options.reportsDir ?? join(options.dataDir, 'reports'),
    publicUrl: options.dashboardPublicUrl,
  })
  const stack = {
    endpoints,
    trustRegistry,
    /** Every jurisdiction's registry by its code, when `federated` (the federal one is `trustRegistry`). */
    registries: federation?.registries,
    issuer,
    verifier,
    wallet,
    onboarding,
    subscriptions,
    dashboard,
    /** The link to open the dashboard with, its access token included (#token=…). */
    dashboardUrl: dashboard.loginUrl,
    /** Stops what is running now (a test may have restarted a service in place). */
    async close() {
      await stack.dashboard.close()
      await stack.wallet.close()
      await stack.verifier.close()
      await stack.issuer.close()
      if (federation) await federation.close()
      else await stack.trustRegistry.close()
    },
  }
  return stack
}

export type Stack = Awaited<ReturnType<typeof startStack>>
