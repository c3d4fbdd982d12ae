import { serviceConfigFromArgs } from '@interop-lab/common/config'
import { startVerifierService } from './service'

const config = serviceConfigFromArgs('verifier', 4400)
const registryUrl = config.trustRegistryUrl ?? 'http://127.0.0.1:4100'
const issuerUrl = config.issuerUrl ?? 'http://127.0.0.1:4200'
const service = await startVerifierService({
  ...config,
  trust: { url: registryUrl, key: config.trustRegistryKey },
  publisherJwksUrl: `${issuerUrl}/notifications/jwks.json`,
})
console.log(`Verifier service listening at ${service.url} (trust registry ${registryUrl})`)
process.once('SIGINT', () => void service.close().then(() => process.exit(0)))
process.once('SIGTERM', () => void service.close().then(() => process.exit(0)))
