import { serviceConfigFromArgs } from '@interop-lab/common/config'
import { serveWithWorkers, workerNumber } from '@interop-lab/common/workers'
import { startIssuerService } from './service'

const config = serviceConfigFromArgs('issuer', 4200)
// --workers N: N processes on this port and one database (common/workers.ts); this one then only hands them connections
const service = await serveWithWorkers(config.workers, () =>
  startIssuerService({
    ...config,
    trustRegistryUrl: config.trustRegistryUrl ?? 'http://127.0.0.1:4100',
    // config.anonCredsMaterialDir: AnonCreds material to import (<issuer key>.json per jurisdiction); the rest is generated in the background
    // config.notificationRetryBaseMs: first delay before a failed notification delivery is retried (doubling after each failure; default 1 s)
  }),
)
if (!workerNumber()) console.log(`Issuer service listening at ${service.url}${config.workers > 1 ? ` (${config.workers} worker processes)` : ''}`)
process.once('SIGINT', () => void service.close().then(() => process.exit(0)))
process.once('SIGTERM', () => void service.close().then(() => process.exit(0)))
