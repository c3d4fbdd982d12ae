import { protocolOf } from '@interop-lab/common/protocols'
import type { BenchStack } from './benchStack'
import { benchHolder, issueCredential, PROTOCOL_NAMES, pilotCredentials } from './flows'
import { measureLoad } from './measure'
import type { BenchContext, BenchRow } from './rows'

export const ISSUANCE_TARGET_PER_SECOND = 200

/** Issuances (offer + redemption by a wallet) per second, in each format (OID4VCI; DIDComm for ldp_vc), at each concurrency. */
export async function measureIssuance(stack: BenchStack, context: BenchContext): Promise<BenchRow[]> {
  const [registration] = pilotCredentials()
  const rows: BenchRow[] = []
  for (const format of context.formats) {
    context.log(`Issuance, ${format}`)
    for (const concurrency of context.concurrencies) {
      const row = await measureLoad(
        stack,
        context,
        { section: 'Issuance (offer + wallet redeems)', name: `issue ${format} (${PROTOCOL_NAMES[protocolOf(format)]})` },
        { concurrency },
        (client, phases) => issueCredential(stack.endpoints, benchHolder(client), registration, format, phases),
      )
      if (format === 'dc+sd-jwt') row.target = { text: `≥ ${ISSUANCE_TARGET_PER_SECOND}/s`, met: (row.throughput ?? 0) >= ISSUANCE_TARGET_PER_SECOND, perSecond: ISSUANCE_TARGET_PER_SECOND }
      rows.push(row)
    }
  }
  return rows
}
