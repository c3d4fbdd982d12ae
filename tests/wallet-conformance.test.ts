import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { labIssuer, labWallet } from '@interop-lab/scenarios/drivers/lab'
import { malloryIssuer } from '@interop-lab/scenarios/drivers/malloryIssuer'
import { malloryVerifier } from '@interop-lab/scenarios/drivers/malloryVerifier'
import { walletHttpConfig, walletHttpWallet } from '@interop-lab/scenarios/drivers/walletHttp'
import { ISSUER_CASES, VERIFIER_CASES } from '@interop-lab/scenarios/mallory/cases'
import { type ConformanceRow, runWalletConformance } from '@interop-lab/scenarios/mallory/conformance'
import { type Mallory, startMallory } from '@interop-lab/scenarios/mallory/service'
import { startTestStack } from './support/stack'

/**
 * Mallory's issuer and verifier (scenarios/mallory/), real OID4VCI and OID4VP 1.0 parties over HTTP, against the lab's
 * wallet simulator: every case must be refused (the control request answered), and each row names the clause and the
 * wallet's own reason, which must be about that case's check (not a refusal for some other reason).
 */

let stack: Awaited<ReturnType<typeof startTestStack>>
let mallory: Mallory
let rows: ConformanceRow[]

/** What the wallet's reason must mention for the refusal to be about the case's own check. */
const EXPECTED_REASON: Record<string, RegExp> = {
  'issuer/bad-signature': /signature/i,
  'issuer/foreign-cnf': /bound to|cnf|holder key|does not hold/i,
  'issuer/expired': /expir|exp\b/i,
  'issuer/unknown-issuer': /trust registry|not authorized/i,
  'issuer/wrong-type': /type|vct/i,
  'verifier/over-asking': /birth_date/,
  'verifier/unsigned-request': /sign|alg|none/i,
  'verifier/wrong-signature': /signature|verif/i,
  'verifier/wrong-client-id': /client|did|kid/i,
  'verifier/replayed-request': /nonce|already answered|replay/i,
  'verifier/foreign-response-uri': /response_uri|redirect_uri|client/i,
  'verifier/haip-unsigned-request': /signed-request|request_uri|by value/i,
  'verifier/haip-wrong-client-id-hash': /x509_hash|SHA-256 of the x5c leaf/i,
  'verifier/haip-untrusted-request-chain': /verifier root/i,
}

beforeAll(async () => {
  stack = await startTestStack({ walletTrustRegistry: true })
  mallory = await startMallory()
  rows = await runWalletConformance({
    wallet: labWallet(stack.endpoints.wallet),
    holder: 'business-owner',
    malloryIssuer: malloryIssuer(mallory.url),
    malloryVerifier: malloryVerifier(mallory.url),
    honestIssuer: { driver: labIssuer(stack.endpoints.issuer, stack.endpoints.adminApiKey), issuer: 'bc-person-credential' },
  })
}, 240_000)

afterAll(async () => {
  await mallory?.close()
  await stack?.close()
})

describe('wallet conformance: the lab wallet-sim against Mallory', () => {
  it("reports what each check said, never a disclosed value a wallet quoted (the holder's date of birth)", () => {
    expect(JSON.stringify(rows)).not.toContain('1984-07-02')
  })

  it('has a row for every Mallory case in each OID4VC format', () => {
    const cases = [...Object.keys(ISSUER_CASES).map((c) => `issuer/${c}`), ...Object.keys(VERIFIER_CASES).map((c) => `verifier/${c}`)]
    expect(rows.map((row) => row.id).sort()).toEqual(cases.flatMap((c) => [`${c}/dc+sd-jwt`, `${c}/jwt_vc_json`]).sort())
  })

  for (const format of ['dc+sd-jwt', 'jwt_vc_json']) {
    it(`answers Mallory's conforming request (${format}): the refusals below are not a broken Mallory`, () => {
      const control = rows.find((row) => row.id === `verifier/control/${format}`)!
      expect(control, control.reason).toMatchObject({ outcome: 'pass', observed: 'accepted' })
    })
    for (const [side, cases] of [
      ['issuer', ISSUER_CASES],
      ['verifier', VERIFIER_CASES],
    ] as const) {
      for (const [kind, { clause }] of Object.entries(cases).filter(([kind]) => kind !== 'control')) {
        it(`refuses ${side} ${kind} (${format}) — ${clause}`, () => {
          const row = rows.find((r) => r.id === `${side}/${kind}/${format}`)!
          expect(row, `${row.id}: ${row.reason}`).toMatchObject({ outcome: 'pass', observed: 'refused', clause })
          expect(row.reason, row.reason).toMatch(EXPECTED_REASON[`${side}/${kind}`])
        })
      }
    }
  }
})

describe('wallet conformance: the same wallet driven as an external wallet (wallet-http), through its own endpoints only', () => {
  it('refuses every Mallory case and answers the control request, as seen from Mallory and the wallet endpoint', async () => {
    const wallet = stack.endpoints.wallet
    const config = walletHttpConfig.parse({
      role: 'wallet',
      driver: 'wallet-http',
      url: wallet,
      formats: ['dc+sd-jwt', 'jwt_vc_json'],
      offer: { url: `${wallet}/personas/{{holder}}/offers`, body: { offerUri: '{{offerUri}}', txCode: '{{txCode}}' } },
      request: { url: `${wallet}/personas/{{holder}}/presentations`, body: { requestUri: '{{requestUri}}' } },
      reset: { method: 'DELETE', url: `${wallet}/personas/{{holder}}/credentials` },
      // a refused request is seen as no presentation reaching Mallory within this time
      timeoutSeconds: 2,
    })
    const external = await runWalletConformance({
      wallet: walletHttpWallet('lab-wallet', config, {}, 'wallet', () => undefined),
      holder: 'executor',
      malloryIssuer: malloryIssuer(mallory.url),
      malloryVerifier: malloryVerifier(mallory.url),
      honestIssuer: { driver: labIssuer(stack.endpoints.issuer, stack.endpoints.adminApiKey), issuer: 'bc-person-credential' },
    })
    expect(external.filter((row) => row.outcome !== 'pass').map((row) => `${row.id}: ${row.reason}`)).toEqual([])
    expect(new Set(external.map((row) => row.wallet))).toEqual(new Set(['wallet-http@lab-wallet']))
    expect(external.find((row) => row.id === 'verifier/control/dc+sd-jwt')?.observed).toBe('accepted')
  }, 180_000)
})
