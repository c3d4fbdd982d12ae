import { join } from 'node:path'
import { startIssuerService } from '@interop-lab/issuer'
import { startVerifierService, type VerifierServiceOptions } from '@interop-lab/verifier'

/** The lab's issuer and verifier on one data directory for the VC API tests: the verifier asks no trust registry. */
export async function startVcApiServices(dataDir: string, adminApiKey: string, verifierOptions: Partial<VerifierServiceOptions> = {}) {
  const issuer = await startIssuerService({ dataDir, database: { engine: 'sqlite', file: join(dataDir, 'issuer.sqlite') }, adminApiKeys: [adminApiKey] })
  const verifier = await startVerifierService({
    dataDir,
    database: { engine: 'sqlite', file: join(dataDir, 'verifier.sqlite') },
    trust: async () => ({ authorized: false, message: 'no registry in this test' }),
    adminApiKeys: [adminApiKey],
    ...verifierOptions,
  })
  return { issuer, verifier }
}
