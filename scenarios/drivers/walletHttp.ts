import { z } from 'zod'
import { callConfigured, httpCallSchema, oid4vcColumns, probe, profilesSchema, resolveHeaders } from './httpCall'
import { DriverError, type WalletDriver } from './types'

/**
 * A wallet the lab cannot ask anything of but the standard protocols: the offer or request is posted to a configured
 * wallet endpoint (placeholders {{holder}}, {{offerUri}}, {{txCode}}, {{requestUri}}), then the lab waits, with a
 * timeout and progress, until its own issuer or verifier sees the exchange complete.
 */
export const walletHttpConfig = z.strictObject({
  role: z.literal('wallet'),
  driver: z.literal('wallet-http'),
  url: z.url({ protocol: /^https?$/ }),
  formats: z.array(z.enum(['dc+sd-jwt', 'jwt_vc_json'])).min(1),
  profiles: profilesSchema,
  /** Hands the wallet an offer. */
  offer: httpCallSchema,
  /** Hands the wallet a presentation request. */
  request: httpCallSchema,
  /** Empties a holder's wallet before each run, where the wallet allows it (a test wallet). */
  reset: httpCallSchema.optional(),
  /** How long to wait for the issuer or verifier to see the wallet's side of the exchange. */
  timeoutSeconds: z.number().int().positive().max(900).default(60),
})
export type WalletHttpConfig = z.infer<typeof walletHttpConfig>

const POLL_MS = 500
const PROGRESS_MS = 5_000

/** Polls `done` until it says yes or the timeout passes; says every few seconds what it is waiting for. */
async function waitFor(done: () => Promise<boolean>, what: string, timeoutSeconds: number, progress: (message: string) => void): Promise<boolean> {
  const started = Date.now()
  let said = started
  while (Date.now() - started < timeoutSeconds * 1000) {
    if (await done()) return true
    if (Date.now() - said >= PROGRESS_MS) {
      said = Date.now()
      progress(`  … waiting for ${what} (${Math.round((said - started) / 1000)} s of ${timeoutSeconds} s)`)
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
  return false
}

export function walletHttpWallet(name: string, config: WalletHttpConfig, env: NodeJS.ProcessEnv, where: string, progress: (message: string) => void = console.log): WalletDriver {
  const headers = {
    offer: resolveHeaders(config.offer, env, `${where}.offer`),
    request: resolveHeaders(config.request, env, `${where}.request`),
    reset: config.reset ? resolveHeaders(config.reset, env, `${where}.reset`) : {},
  }
  const implementation = `wallet-http@${name}`
  return {
    implementation,
    url: config.url,
    async describe() {
      await probe(config.url, `wallet ${name}`)
      return { protocols: oid4vcColumns(config.formats, config.profiles), abilities: [] }
    },
    async reset(holders) {
      // a wallet without a reset call keeps what it holds: the scenario's requests must then pick the new credential
      if (!config.reset) return
      for (const holder of holders) await callConfigured(config.reset, headers.reset, { holder })
    },
    async acceptOffer(holder, offer) {
      await callConfigured(config.offer, headers.offer, { holder, offerUri: offer.offerUri, txCode: offer.txCode })
      if (!offer.redeemed) return 1 // the issuer cannot say: the wallet's acceptance is all there is
      if (await waitFor(offer.redeemed, `${holder}'s wallet (${implementation}) to redeem the offer`, config.timeoutSeconds, progress)) return 1
      throw new DriverError('refused', `${implementation} did not redeem the offer within ${config.timeoutSeconds} s (the issuer saw no credential request)`)
    },
    async present(holder, { requestUri, answered }, fault) {
      if (fault) throw new DriverError('unsupported', `${implementation} cannot break a presentation on purpose (${fault.kind})`)
      await callConfigured(config.request, headers.request, { holder, requestUri })
      if (!answered) return { submitted: true } // the verifier cannot say: its verdict will tell
      if (await waitFor(answered, `${holder}'s wallet (${implementation}) to answer the request`, config.timeoutSeconds, progress)) return { submitted: true }
      return { submitted: false, error: `${implementation} sent the verifier no presentation within ${config.timeoutSeconds} s` }
    },
  }
}
