import { serviceConfigFromArgs } from '@interop-lab/common/config'
import { startWalletService } from './service'

const config = serviceConfigFromArgs('wallet-sim', 4300)
// --public-url: where issuers and verifiers reach this wallet's DIDComm endpoints (another host, a container name)
// --trust-registry: ask it about each credential's issuer before keeping the credential (off unless given: the pilots'
// untrusted-issuer variants test the verifier's check, which a refusing wallet would pre-empt)
const service = await startWalletService(config)
console.log(`Wallet simulator listening at ${service.url} (${service.wallets.size} personas)`)
process.once('SIGINT', () => void service.close().then(() => process.exit(0)))
process.once('SIGTERM', () => void service.close().then(() => process.exit(0)))
