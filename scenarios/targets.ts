import { LOCAL_ADMIN_API_KEY } from '../common/config'
import { databaseConfigFor } from '../common/db'
import { startIssuerService } from '../issuer/service'
import { startTrustRegistry } from '../trust-registry/service'
import { startVerifierService } from '../verifier/service'
import { trustRegistryCheck } from '../verifier/trust'
import { startWalletService } from '../wallet-sim/service'
import { onboardIssuers, subscribePrograms } from './onboarding'
import { startStack, type StackOptions } from './stack'
import type { Endpoints } from './steps'

/** Another jurisdiction's (or vendor's) services to run the scenarios against, instead of local ones. */
export interface RemoteEndpoints {
  issuer?: string
  verifier?: string
  wallet?: string
}

export interface Targets {
  endpoints: Endpoints
  /** Which roles are played by local services, which by remote ones. */
  local: { issuer: boolean; verifier: boolean; wallet: boolean }
  dashboardUrl?: string
  /** What could not be set up (a remote issuer's onboarding), for the console. */
  warnings: string[]
  close(): Promise<void>
}

type Closable = { close(): Promise<void> }

/**
 * The parties a run targets: the whole local stack (with its dashboard) when nothing is remote; otherwise
 * local services only for the roles not given, plus a local trust registry when a local issuer or
 * verifier needs one.
 */
export async function startTargets(options: StackOptions & { remote?: RemoteEndpoints }): Promise<Targets> {
  const remote = options.remote ?? {}
  if (!remote.issuer && !remote.verifier && !remote.wallet) {
    const stack = await startStack(options)
    return { endpoints: stack.endpoints, local: { issuer: true, verifier: true, wallet: true }, dashboardUrl: stack.dashboardUrl, warnings: [], close: () => stack.close() }
  }
  const adminApiKey = options.adminApiKey ?? LOCAL_ADMIN_API_KEY
  const env = options.env ?? process.env
  const host = options.host ?? '127.0.0.1'
  const database = (service: string) => databaseConfigFor(service, options.dataDir, env)
  const started: Closable[] = []
  const warnings: string[] = []
  try {
    const needsRegistry = !remote.issuer || !remote.verifier
    const registry = needsRegistry
      ? await startTrustRegistry({ port: options.ports?.trustRegistry, host, dataDir: options.dataDir, adminApiKeys: [adminApiKey], database: database('trust_registry') })
      : undefined
    if (registry) started.push(registry)
    const issuer = remote.issuer
      ? undefined
      : await startIssuerService({ port: options.ports?.issuer, host, dataDir: options.dataDir, database: database('issuer'), adminApiKeys: [adminApiKey], trustRegistryUrl: registry?.url })
    if (issuer) started.push(issuer)
    const issuerUrl = remote.issuer ?? issuer!.url
    const verifier = remote.verifier
      ? undefined
      : await startVerifierService({
          port: options.ports?.verifier,
          host,
          dataDir: options.dataDir,
          database: database('verifier'),
          trust: trustRegistryCheck(registry!.url),
          adminApiKeys: [adminApiKey],
          publisherJwksUrl: `${issuerUrl}/notifications/jwks.json`,
        })
    if (verifier) started.push(verifier)
    const wallet = remote.wallet ? undefined : await startWalletService({ port: options.ports?.wallet, host, dataDir: options.dataDir, databaseFor: (id) => database(`wallet_${id}`) })
    if (wallet) started.push(wallet)
    const endpoints: Endpoints = { issuer: issuerUrl, verifier: remote.verifier ?? verifier!.url, wallet: remote.wallet ?? wallet!.url, adminApiKey }
    if (registry) await onboardIssuers(endpoints.issuer, registry.url, adminApiKey).catch((error: unknown) => warnings.push(`trust registry onboarding of ${endpoints.issuer} failed: ${String(error)}`))
    await subscribePrograms(endpoints.issuer, endpoints.verifier, adminApiKey).catch((error: unknown) => warnings.push(`program subscriptions failed: ${String(error)}`))
    return {
      endpoints,
      local: { issuer: !remote.issuer, verifier: !remote.verifier, wallet: !remote.wallet },
      warnings,
      async close() {
        for (const service of started.reverse()) await service.close()
      },
    }
  } catch (error) {
    for (const service of started.reverse()) await service.close().catch(() => undefined)
    throw error
  }
}
