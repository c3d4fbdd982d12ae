import { serviceConfigFromArgs } from '@interop-lab/common/config'
import { startIssuerService } from './service'

const config = serviceConfigFromArgs('issuer', 4200)
const service = await startIssuerService({
  ...config,
  trustRegistryUrl: config.trustRegistryUrl ?? 'http://127.0.0.1:4100',
  // config.anonCredsMaterialDir: AnonCreds material to import (<issuer key>.json per jurisdiction); the rest is generated in the background
  // config.notificationRetryBaseMs: first delay before a failed notification delivery is retried (doubling after each failure; default 1 s)
})
console.log(`Issuer service listening at ${service.url} (${service.jurisdictions.length} jurisdictions)`)
process.once('SIGINT', () => void service.close().then(() => process.exit(0)))
process.once('SIGTERM', () => void service.close().then(() => process.exit(0)))
