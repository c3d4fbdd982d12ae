import { serviceConfigFromArgs } from '../common/config'
import { startIssuerService } from './service'

const config = serviceConfigFromArgs('issuer', 4200)
const service = await startIssuerService({
  ...config,
  trustRegistryUrl: config.extra['trust-registry'] ?? process.env.TRUST_REGISTRY_URL ?? 'http://127.0.0.1:4100',
  publicUrl: config.extra['public-url'] ?? process.env.ISSUER_PUBLIC_URL,
  // first delay before a failed notification delivery is retried (doubling after each failure; default 1 s)
  // AnonCreds material to import (<issuer key>.json per jurisdiction); the rest is generated in the background
  anonCredsMaterialDir: config.extra['anoncreds-material'],
  notificationRetryBaseMs: process.env.INTEROP_NOTIFICATION_RETRY_BASE_MS ? Number(process.env.INTEROP_NOTIFICATION_RETRY_BASE_MS) : undefined,
})
console.log(`Issuer service listening at ${service.url} (${service.jurisdictions.length} jurisdictions)`)
process.once('SIGINT', () => void service.close().then(() => process.exit(0)))
process.once('SIGTERM', () => void service.close().then(() => process.exit(0)))
