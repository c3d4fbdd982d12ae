import { serviceConfigFromArgs } from '@interop-lab/common/config'
import { jurisdictionGovernanceFile } from './governance'
import { startTrustRegistry } from './service'

// --port, --host, --data-dir, --public-url, --governance, --jurisdiction; env TRUST_REGISTRY_PORT, INTEROP_ADMIN_API_KEY,
// TRUST_REGISTRY_GOVERNANCE, TRUST_REGISTRY_JURISDICTION. --jurisdiction CA-BC runs the registry authoritative for BC alone
// (trust-registry/jurisdictions/CA-BC.json); without either, the combined lab registry (governance.json).
const config = serviceConfigFromArgs('trust-registry', 4100)
const { jurisdiction } = config
const registry = await startTrustRegistry({
  ...config,
  governanceFile: config.governanceFile ?? (jurisdiction ? jurisdictionGovernanceFile(jurisdiction) : undefined),
})
// the key's thumbprint is what issuers and verifiers pin (--trust-registry-key), and what recognizing registries link to
console.log(`Trust registry listening at ${registry.url} (signing key ${registry.signer.kid})`)
process.once('SIGINT', () => void registry.close().then(() => process.exit(0)))
process.once('SIGTERM', () => void registry.close().then(() => process.exit(0)))
