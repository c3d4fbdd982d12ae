import { PROTOCOL_FORMATS } from '@interop-lab/common/protocols'
import type { BenchStack } from './benchStack'
import { benchHolder, issueCredential, pilotCredentials, verifyPresentation } from './flows'
import { measureLoad } from './measure'
import { BENCH_POLICY } from './presentation'
import type { BenchContext, BenchRow } from './rows'

const SECTION = 'DIDComm v1 round trip (ldp_vc): issue both pilot credentials + present them'
const NOT_YET = 'not available yet: the issuer does not accept protocol "didcomm" on POST /issuers/:key/offers'

/** Whether the issuer offers credentials over DIDComm: it accepts `protocol: 'didcomm'` on an offer request. */
async function didcommOffered(stack: BenchStack, format: string): Promise<boolean> {
  const [registration] = pilotCredentials()
  const response = await fetch(`${stack.endpoints.issuer}/issuers/${registration.issuer}/offers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.endpoints.adminApiKey}` },
    body: JSON.stringify({ credentialType: registration.credentialType, format, claims: registration.claims, protocol: 'didcomm' }),
  })
  await response.body?.cancel()
  return response.ok
}

/**
 * The business-banking exchange over DIDComm: the holder starts from an empty wallet, receives both
 * credentials through out-of-band offers and presents them to the bank, which decides. When the issuer does
 * not speak DIDComm, the row says so.
 */
export async function measureDidcomm(stack: BenchStack, context: BenchContext): Promise<BenchRow[]> {
  const format = (PROTOCOL_FORMATS as Partial<typeof PROTOCOL_FORMATS>).didcomm?.[0]
  if (!format || !(await didcommOffered(stack, format))) {
    context.log(`DIDComm: ${NOT_YET}`)
    return [{ section: SECTION, name: 'issue + present over DIDComm', note: NOT_YET }]
  }
  context.log(`DIDComm round trip, ${format}`)
  const rows: BenchRow[] = []
  for (const concurrency of context.concurrencies.filter((c) => c <= 16)) {
    rows.push(
      await measureLoad(stack, context, { section: SECTION, name: `round trip ${format}` }, { concurrency, maxOps: Math.ceil(context.maxOps / 3) }, async (client, phases) => {
        const holder = benchHolder(client)
        await fetch(`${stack.endpoints.wallet}/personas/${holder}/credentials`, { method: 'DELETE' })
        for (const credential of pilotCredentials()) await issueCredential(stack.endpoints, holder, credential, format, phases)
        await verifyPresentation(stack.endpoints, holder, BENCH_POLICY, format, phases)
      }),
    )
  }
  return rows
}
