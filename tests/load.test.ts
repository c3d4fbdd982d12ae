import { OpenId4VcIssuanceSessionRepository, OpenId4VcIssuanceSessionState } from '@credo-ts/openid4vc'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { databaseConfigFor } from '@interop-lab/common/db'
import { startIssuerService } from '@interop-lab/issuer'
import type { HeldCredential } from '@interop-lab/wallet-sim/wallet'
import { loadPersonas, startWalletService } from '@interop-lab/wallet-sim'
import { startPostgres } from './support/postgres'

// 200 OID4VCI issuances at once against one issuer and one wallet service: each credential is issued
// exactly once, to the holder it was offered to, and every side's records agree. On both engines.

const ISSUANCES = 200
/** The wallet runs one exchange at a time per persona: this many personas take the offers side by side. */
const HOLDERS = 10
const ADMIN = 'load-admin-key'

const postgres = await startPostgres()
const dirs: string[] = []
afterAll(async () => {
  await postgres.stop()
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

const holders = Array.from({ length: HOLDERS }, (_, i) => ({ id: `load-${i + 1}`, name: { en: `Load holder ${i + 1}`, fr: `Titulaire de charge ${i + 1}` } }))
const claimsFor = (n: number) => ({
  business_number: `LOAD${String(n).padStart(5, '0')}`,
  legal_name: `Load Test ${n} Ltd.`,
  registration_status: 'ACTIVE',
  registration_date: '2020-01-01',
  business_type: 'BC Company',
  jurisdiction: 'CA-BC',
  representative_given_name: 'Alex',
  representative_family_name: 'Tremblay',
  representative_role: 'Director',
})

async function json<T>(method: string, url: string, body?: unknown, apiKey?: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: response.status, body: (await response.json()) as T }
}

describe.each(['sqlite', 'postgres'] as const)('%d concurrent SD-JWT issuances on %s'.replace('%d', String(ISSUANCES)), (engine) => {
  it('issues each credential exactly once, none lost, none duplicated', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'interop-load-'))
    dirs.push(dataDir)
    const env = engine === 'postgres' ? { INTEROP_DATABASE_URL: postgres.url } : {}
    const database = (name: string) => databaseConfigFor(name, dataDir, env)
    const issuer = await startIssuerService({ dataDir, database: database('issuer'), adminApiKeys: [ADMIN] })
    const wallet = await startWalletService({ dataDir, personas: [...loadPersonas(), ...holders], databaseFor: (id) => database(`wallet_${id}`) })
    try {
      const started = performance.now()
      const runs = await Promise.all(
        Array.from({ length: ISSUANCES }, async (_, n) => {
          const holder = holders[n % HOLDERS].id
          const offer = await json<{ offerId: string; offerUri: string; txCode?: string }>(
            'POST',
            `${issuer.url}/issuers/bc-registries/offers`,
            { credentialType: 'BusinessRegistrationCredential', format: 'dc+sd-jwt', claims: claimsFor(n) },
            ADMIN,
          )
          expect(offer.status).toBe(201)
          const accepted = await json<{ credentials: HeldCredential[] }>('POST', `${wallet.url}/personas/${holder}/offers`, { offerUri: offer.body.offerUri, txCode: offer.body.txCode })
          expect(accepted.status, JSON.stringify(accepted.body)).toBe(201)
          return { n, holder, offerId: offer.body.offerId, received: accepted.body.credentials }
        }),
      )
      const seconds = (performance.now() - started) / 1000
      console.log(`${ISSUANCES} SD-JWT issuances on ${engine}: ${seconds.toFixed(1)} s, ${(ISSUANCES / seconds).toFixed(0)}/s`)

      // each exchange handed its holder exactly the credential it offered
      for (const run of runs) expect(run.received.map((c) => c.claims.business_number)).toEqual([claimsFor(run.n).business_number])

      // the wallets' databases hold each credential once, with the holder it was offered to
      const held = new Map<string, string>()
      for (const { id } of holders) {
        const { body } = await json<{ credentials: HeldCredential[] }>('GET', `${wallet.url}/personas/${id}/credentials`)
        for (const credential of body.credentials) {
          const number = String(credential.claims.business_number)
          expect(held.has(number), `${number} is held twice`).toBe(false)
          held.set(number, id)
        }
      }
      expect(held.size).toBe(ISSUANCES)
      for (const run of runs) expect(held.get(claimsFor(run.n).business_number)).toBe(run.holder)

      // the issuer's sessions all completed, each once, and each credential got its own status entry
      const sessions = await issuer.agent.dependencyManager.resolve(OpenId4VcIssuanceSessionRepository).getAll(issuer.agent.context)
      expect(sessions.map((s) => s.id).sort()).toEqual(runs.map((r) => r.offerId).sort())
      expect(new Set(sessions.map((s) => s.state))).toEqual(new Set([OpenId4VcIssuanceSessionState.Completed]))
      const [entries] = await issuer.db.query<{ n: number; distinct_idx: number }>('SELECT COUNT(*) AS n, COUNT(DISTINCT idx) AS distinct_idx FROM status_entries')
      expect([Number(entries.n), Number(entries.distinct_idx)]).toEqual([ISSUANCES, ISSUANCES])
    } finally {
      await wallet.close()
      await issuer.close()
    }
  })
})
