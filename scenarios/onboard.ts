import { parseArgs } from 'node:util'
import { adminApiKeysFrom } from '@interop-lab/common/config'
import { onboardIssuers, onboardVerifiers, onboardWalletProvider, subscribePrograms } from './onboarding'

// Once the services of a deployment are up (each on its own host): binds the issuer service's DIDs in
// the trust registry and subscribes the verifier's programs to the registrars' notifications. Safe to rerun.
//   npx tsx scenarios/onboard.ts --trust-registry http://trust-registry:4100 --issuer http://issuer:4200 --verifier http://verifier:4400 [--wallet http://wallet-sim:4300]
// The admin API key comes from INTEROP_ADMIN_API_KEY, as the services read it (of a comma-separated list, the first).

const { values } = parseArgs({
  options: {
    'trust-registry': { type: 'string', default: 'http://127.0.0.1:4100' },
    issuer: { type: 'string', default: 'http://127.0.0.1:4200' },
    verifier: { type: 'string', default: 'http://127.0.0.1:4400' },
    // the lab's wallet simulator, when deployed: its wallet-provider root, for HAIP issuers checking its attestations
    wallet: { type: 'string' },
  },
})
const [adminApiKey] = adminApiKeysFrom(process.env.INTEROP_ADMIN_API_KEY)
const { bound, unknown } = await onboardIssuers(values.issuer, values['trust-registry'], adminApiKey)
console.log(`Trust registry ${values['trust-registry']}: bound ${bound.length} DIDs (${bound.join(', ')})${unknown.length ? `; not in its governance: ${unknown.join(', ')}` : ''}`)
const verifierRoots = await onboardVerifiers(values.verifier, values['trust-registry'], adminApiKey)
console.log(`Trust registry ${values['trust-registry']}: listed ${verifierRoots} verifier root(s) for HAIP requests`)
if (values.wallet) {
  await onboardWalletProvider(values.wallet, values['trust-registry'], adminApiKey)
  console.log(`Trust registry ${values['trust-registry']}: listed ${values.wallet}'s wallet-provider root for HAIP wallet attestations`)
}
const added = await subscribePrograms(values.issuer, values.verifier, adminApiKey)
console.log(`Notifications: ${added} program subscription(s) added at ${values.issuer}`)
