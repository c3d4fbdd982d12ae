import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startBenchStack } from './benchStack'
import { benchHolder, issueCredential, pilotCredentials } from './flows'
import { measureLoad } from './measure'
import { waitUntilQuiet } from './quiet'
import type { BenchContext, BenchRow } from './rows'

export const WORKER_COUNTS = [1, 2, 4]

/**
 * SD-JWT issuance with the issuer in 1, 2 and 4 worker processes on its one database (`--workers`), at the most
 * clients of the run: a stack per count, each on fresh data, the other services as in the rest of the run.
 */
export async function measureIssuerWorkers(context: BenchContext, profileDir?: string): Promise<BenchRow[]> {
  const [registration] = pilotCredentials()
  const concurrency = Math.max(...context.concurrencies)
  const rows: BenchRow[] = []
  for (const workers of WORKER_COUNTS) {
    context.log(`Issuer in ${workers} worker process${workers === 1 ? '' : 'es'}`)
    const dataDir = mkdtempSync(join(tmpdir(), 'interop-bench-workers-'))
    const stack = await startBenchStack({ dataDir, benchPersonas: concurrency, issuerWorkers: workers, profileDir })
    try {
      await waitUntilQuiet(stack, context.log)
      const label = { section: 'Issuer worker processes (one database)', name: `issue dc+sd-jwt (OID4VC), issuer in ${workers} process${workers === 1 ? '' : 'es'}` }
      const row = await measureLoad(stack, context, label, { concurrency }, (client, phases) => issueCredential(stack.endpoints, benchHolder(client), registration, 'dc+sd-jwt', phases))
      // against another commit: its one-process issuer at the same number of clients
      rows.push({ ...row, comparesWith: 'issue dc+sd-jwt (OID4VC)' })
    } finally {
      await stack.stop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
  return rows
}
