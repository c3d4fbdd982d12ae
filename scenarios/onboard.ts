import { parseArgs } from 'node:util'
import { adminApiKeysFrom } from '@interop-lab/common/config'
import { onboardIssuers, subscribePrograms } from './onboarding'

// Once the services of a deployment are up (each on its own host): binds the issuer service's DIDs in
// the trust registry and subscribes the verifier's programs to the registrars' notifications. Safe to rerun.
//   npx tsx scenarios/onboard.ts --trust-registry http://trust-registry:4100 --issuer http://issuer:4200 --verifier http://verifier:4400
// The admin API key comes from INTEROP_ADMIN_API_KEY, as the services read it (of a comma-separated list, the first).

const { values } = parseArgs({
  options: {
    'trust-registry': { type: 'string', default: 'http://127.0.0.1:4100' },
    issuer: { type: 'string', default: 'http://127.0.0.1:4200' },
    verifier: { type: 'string', default: 'http://127.0.0.1:4400' },
  },
})
const [adminApiKey] = adminApiKeysFrom(process.env.INTEROP_ADMIN_API_KEY)
const { bound, unknown } = await onboardIssuers(values.issuer, values['trust-registry'], adminApiKey)
console.log(`Trust registry ${values['trust-registry']}: bound ${bound.length} DIDs (${bound.join(', ')})${unknown.length ? `; not in its governance: ${unknown.join(', ')}` : ''}`)
const added = await subscribePrograms(values.issuer, values.verifier, adminApiKey)
console.log(`Notifications: ${added} program subscription(s) added at ${values.issuer}`)
