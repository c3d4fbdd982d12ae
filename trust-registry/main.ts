import { serviceConfigFromArgs } from '../common/config'
import { startTrustRegistry } from './service'

// --port, --host, --data-dir, --public-url, --governance; env TRUST_REGISTRY_PORT, INTEROP_ADMIN_API_KEY, TRUST_REGISTRY_GOVERNANCE
const config = serviceConfigFromArgs('trust-registry', 4100)
const registry = await startTrustRegistry({
  ...config,
  governanceFile: config.extra.governance ?? process.env.TRUST_REGISTRY_GOVERNANCE,
  publicUrl: config.extra['public-url'],
})
console.log(`Trust registry listening at ${registry.url}`)
process.once('SIGINT', () => void registry.close().then(() => process.exit(0)))
process.once('SIGTERM', () => void registry.close().then(() => process.exit(0)))
