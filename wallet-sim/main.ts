import { serviceConfigFromArgs } from '../common/config'
import { startWalletService } from './service'

const config = serviceConfigFromArgs('wallet-sim', 4300)
// --public-url: where issuers and verifiers reach this wallet's DIDComm endpoints (another host, a container name)
const service = await startWalletService({ ...config, publicUrl: config.extra['public-url'] ?? process.env.WALLET_PUBLIC_URL })
console.log(`Wallet simulator listening at ${service.url} (${service.wallets.size} personas)`)
process.once('SIGINT', () => void service.close().then(() => process.exit(0)))
process.once('SIGTERM', () => void service.close().then(() => process.exit(0)))
