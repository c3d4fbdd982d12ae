import { serviceConfigFromArgs } from '../common/config'
import { startWalletService } from './service'

const config = serviceConfigFromArgs('wallet-sim', 4300)
const service = await startWalletService(config)
console.log(`Wallet simulator listening at ${service.url} (${service.wallets.size} personas)`)
process.once('SIGINT', () => void service.close().then(() => process.exit(0)))
process.once('SIGTERM', () => void service.close().then(() => process.exit(0)))
