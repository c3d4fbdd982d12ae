import { serviceConfigFromArgs } from '../common/config'
import { startVerifierService } from './service'

const config = serviceConfigFromArgs('verifier', 4400)
const registryUrl = config.extra['trust-registry'] ?? process.env.TRUST_REGISTRY_URL ?? 'http://127.0.0.1:4100'
const issuerUrl = config.extra.issuer ?? process.env.ISSUER_URL ?? 'http://127.0.0.1:4200'
const service = await startVerifierService({
  ...config,
  trust: { url: registryUrl, key: config.trustRegistryKey },
  publisherJwksUrl: `${issuerUrl}/notifications/jwks.json`,
  publicUrl: config.extra['public-url'] ?? process.env.VERIFIER_PUBLIC_URL,
})
console.log(`Verifier service listening at ${service.url} (trust registry ${registryUrl})`)
process.once('SIGINT', () => void service.close().then(() => process.exit(0)))
process.once('SIGTERM', () => void service.close().then(() => process.exit(0)))
