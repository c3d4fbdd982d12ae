import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { problemTypeOf } from '@interop-lab/contracts'
import { startIssuerService, type IssuerService } from '@interop-lab/issuer'
import { loadPersonas, startWalletService, type WalletService } from '@interop-lab/wallet-sim'
import { call } from './support/call'

// The wallet simulator answers a peer's refusal with a 4xx and its own failure with a 500 (issue 19: "the wallet
// answering 422 for its own bugs"). Both are caused for real: the issuer refuses a wrong transaction code; the
// wallet's own database refuses to store the credential it received, as a full disk would.
const ADMIN = 'test-admin-key'
const PERSONA = 'business-owner'
const dataDir = mkdtempSync(join(tmpdir(), 'interop-wallet-errors-'))
let issuer: IssuerService
let wallet: WalletService

const businessClaims = {
  business_number: 'BC7700123',
  legal_name: 'Coastal Ferries Ltd.',
  registration_status: 'ACTIVE',
  registration_date: '2020-04-01',
  jurisdiction: 'CA-BC',
  representative_given_name: 'Ana',
  representative_family_name: 'Silva',
}

const offer = async () => {
  const made = await call('POST', `${issuer.url}/issuers/bc-registries/offers`, { credentialType: 'BusinessRegistrationCredential', format: 'dc+sd-jwt', claims: businessClaims }, ADMIN)
  expect(made.status, JSON.stringify(made.body)).toBe(201)
  const { offerUri, txCode } = made.body as { offerUri: string; txCode: string }
  return { offerUri, txCode }
}
const accept = (body: { offerUri: string; txCode: string }) => call('POST', `${wallet.url}/personas/${PERSONA}/offers`, body)

beforeAll(async () => {
  issuer = await startIssuerService({ dataDir, database: { engine: 'sqlite', file: join(dataDir, 'issuer.sqlite') }, adminApiKeys: [ADMIN] })
  wallet = await startWalletService({ dataDir, personas: loadPersonas().filter((p) => p.id === PERSONA) })
})
afterAll(async () => {
  await wallet?.close()
  await issuer?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('wallet simulator errors: the peer’s refusal is 4xx, the wallet’s own failure 500', () => {
  it('a wrong tx_code, refused by the issuer’s token endpoint (OID4VCI 1.0 §6.3, invalid_grant), is 422 offer_failed naming the refusal', async () => {
    const { offerUri, txCode } = await offer()
    const refused = await accept({ offerUri, txCode: txCode === '000000' ? '111111' : '000000' })
    expect(refused.status).toBe(422)
    expect(refused.body).toMatchObject({ type: problemTypeOf('offer_failed'), code: 'offer_failed', status: 422 })
    expect(String(refused.body.detail)).toMatch(/^The offer could not be accepted: .*invalid_grant/s)
  })

  it('a credential the wallet cannot store (its own database refuses the write) is 500 internal, not the issuer’s fault', async () => {
    const own = new Database(join(dataDir, `wallet_${PERSONA}.sqlite`))
    own.exec(`CREATE TRIGGER refuse_sd_jwt_vc BEFORE INSERT ON credo_records WHEN NEW.type = 'SdJwtVcRecord' BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`)
    try {
      const failed = await accept(await offer())
      expect(failed.status, JSON.stringify(failed.body)).toBe(500)
      expect(failed.body).toMatchObject({ type: problemTypeOf('internal'), code: 'internal', status: 500 })
      expect(String(failed.body.detail)).toMatch(/^The wallet failed while accepting an offer: .*database or disk is full \(a fault of the wallet, not of the peer\)$/s)
    } finally {
      own.exec('DROP TRIGGER refuse_sd_jwt_vc')
      own.close()
    }
    // the same wallet, its database writable again, takes the next offer
    const accepted = await accept(await offer())
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(201)
  })
})
