import { createApp, finishApp, listen, type Listening } from '@interop-lab/common/http'
import { mountMalloryIssuer } from './issuer'
import { mountMalloryVerifier } from './verifier'

/** The address of "another host" on loopback: Linux routes all of 127.0.0.0/8 to lo. */
const OTHER_LOOPBACK_HOST = '127.0.0.2'

/**
 * Mallory's issuer and verifier, one small HTTP service: real OID4VCI and OID4VP 1.0 parties that misbehave on
 * purpose, to see whether a wallet refuses them. It also listens on a second loopback host, where the
 * `foreign-response-uri` case sends the wallet's answer.
 */
export async function startMallory(options: { port?: number; host?: string } = {}) {
  const app = createApp()
  const main = await listen(app, options.port ?? 0, options.host)
  const other: Listening = await listen(app, 0, OTHER_LOOPBACK_HOST).catch(() => listen(app, 0, options.host))
  const issuer = await mountMalloryIssuer(app, () => main.url)
  const verifier = await mountMalloryVerifier(app, { base: () => main.url, otherHost: () => other.url })
  app.get('/health', (_req, res) => void res.json({ status: 'ok', service: 'mallory' }))
  finishApp(app)
  return {
    url: main.url,
    /** Mallory's signing DIDs (the registry knows neither). */
    issuerDid: issuer.did,
    verifierDid: verifier.did,
    async close() {
      await other.close()
      await main.close()
    },
  }
}
export type Mallory = Awaited<ReturnType<typeof startMallory>>
