import { databaseConfigFor } from '@interop-lab/common/db'
import type { BenchStack } from './benchStack'
import { benchHolder, equipHolder, issueCredential, pilotCredentials, verifyPresentation } from './flows'
import { measureLoad } from './measure'
import { BENCH_POLICY } from './presentation'
import type { BenchContext, BenchRow } from './rows'
import { growRecords } from './seedRecords'

export const GROWTH_LIMIT = 2
const CLIENTS = 4
const SECTION = 'Cost growth with stored records (dc+sd-jwt, 4 clients)'

/**
 * Issuance and verification as stored records grow: the issuer's issuance sessions, the verifier's
 * verification sessions and each holder's wallet (credentials of other types) are grown to each size
 * by copying real records, then the same load is measured again.
 */
export async function measureGrowth(stack: BenchStack, context: BenchContext, dataDir: string, sizes: number[]): Promise<BenchRow[]> {
  const format = 'dc+sd-jwt'
  const [registration] = pilotCredentials()
  // presenting holders hold exactly the pilot's credentials; issuance goes to other holders
  const presenter = (client: number) => benchHolder(client)
  const receiver = (client: number) => benchHolder(CLIENTS + client)
  for (let client = 0; client < CLIENTS; client++) await equipHolder(stack.endpoints, presenter(client), format)
  await verifyPresentation(stack.endpoints, presenter(0), BENCH_POLICY, format)

  const database = (name: string) => databaseConfigFor(`bench_${name}`, dataDir)
  const rows: BenchRow[] = []
  for (const size of sizes) {
    const started = performance.now()
    await growRecords(database('issuer'), 'OpenId4VcIssuanceSessionRecord', size, ['state', 'issuerId'])
    await growRecords(database('verifier'), 'OpenId4VcVerificationSessionRecord', size, ['state', 'verifierId'])
    for (let client = 0; client < CLIENTS; client++) await growRecords(database(`wallet_${presenter(client)}`), 'SdJwtVcRecord', size)
    context.log(`Stored records grown to ${size.toLocaleString('en-CA')} per database in ${((performance.now() - started) / 1000).toFixed(1)} s`)
    const records = `${size.toLocaleString('en-CA')} records`
    rows.push(
      await measureLoad(stack, context, { section: SECTION, name: `issue, ${records}` }, { concurrency: CLIENTS }, (client, phases) =>
        issueCredential(stack.endpoints, receiver(client), registration, format, phases),
      ),
      await measureLoad(stack, context, { section: SECTION, name: `verify, ${records}` }, { concurrency: CLIENTS }, async (client, phases) => {
        await verifyPresentation(stack.endpoints, presenter(client), BENCH_POLICY, format, phases)
      }),
    )
  }
  // the largest size against the smallest: how much slower, by throughput and by median latency
  const [firstIssue, firstVerify] = rows
  const [lastIssue, lastVerify] = rows.slice(-2)
  for (const [first, last] of [
    [firstIssue, lastIssue],
    [firstVerify, lastVerify],
  ] as const) {
    if (first.failure || last.failure) {
      last.note = 'not compared: a row failed'
      continue
    }
    const slowdown = Math.max((first.throughput ?? 0) / (last.throughput ?? Number.NaN), (last.p50Ms ?? Number.NaN) / (first.p50Ms ?? 0))
    last.note = `${sizes[0].toLocaleString('en-CA')} → ${sizes[sizes.length - 1].toLocaleString('en-CA')} records: throughput ×${((last.throughput ?? 0) / (first.throughput ?? 1)).toFixed(2)}, p50 ×${((last.p50Ms ?? 0) / (first.p50Ms ?? 1)).toFixed(2)}`
    last.target = { text: `≤ ${GROWTH_LIMIT}x slower`, met: slowdown <= GROWTH_LIMIT }
  }
  return rows
}
