import { protocolOf } from '@interop-lab/common/protocols'
import type { BenchStack } from './benchStack'
import { benchHolder, equipHolder, PROTOCOL_NAMES, verifyPresentation } from './flows'
import { measureLoad } from './measure'
import type { BenchContext, BenchRow } from './rows'

export const VERIFICATION_TARGET_PER_SECOND = 300
/** The pilot's policy: two credentials (business registration, verified person), both issuers checked in the trust registry. */
export const BENCH_POLICY = 'open-business-account'

/** Presentations verified (request + wallet presents + decision) per second, in each format (OID4VP; DIDComm for ldp_vc), at each concurrency. */
export async function measurePresentation(stack: BenchStack, context: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = []
  const holders = Math.max(...context.concurrencies)
  for (const format of context.formats) {
    context.log(`Verification, ${format}: equipping ${holders} holders`)
    for (let client = 0; client < holders; client++) await equipHolder(stack.endpoints, benchHolder(client), format)
    for (const concurrency of context.concurrencies) {
      const row = await measureLoad(
        stack,
        context,
        { section: 'Verification (request + wallet presents 2 credentials + decision)', name: `verify ${format} (${PROTOCOL_NAMES[protocolOf(format)]})` },
        { concurrency },
        async (client, phases) => {
          await verifyPresentation(stack.endpoints, benchHolder(client), BENCH_POLICY, format, phases)
        },
      )
      row.target = { text: `≥ ${VERIFICATION_TARGET_PER_SECOND}/s`, met: (row.throughput ?? 0) >= VERIFICATION_TARGET_PER_SECOND, perSecond: VERIFICATION_TARGET_PER_SECOND }
      rows.push(row)
    }
  }
  return rows
}
