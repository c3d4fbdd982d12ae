import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startIssuerService, type IssuerService } from '@interop-lab/issuer'
import { startVerifierService, type VerifierService } from '@interop-lab/verifier'
import { startWalletService, type WalletService } from '@interop-lab/wallet-sim'

const ADMIN = 'test-admin-key'
const dataDir = mkdtempSync(join(tmpdir(), 'interop-services-'))
const issuerDb = { engine: 'sqlite' as const, file: join(dataDir, 'issuer.sqlite') }
let issuer: IssuerService
let wallet: WalletService
let verifier: VerifierService

const businessClaims = {
  business_number: 'AB998877',
  legal_name: 'Prairie Widgets Inc.',
  registration_status: 'ACTIVE',
  registration_date: '2021-09-30',
  jurisdiction: 'CA-AB',
  representative_given_name: 'Sam',
  representative_family_name: 'Okafor',
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) })
  return { status: response.status, body: (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined }
}
const asAdmin = { authorization: `Bearer ${ADMIN}` }

beforeAll(async () => {
  issuer = await startIssuerService({ dataDir, database: issuerDb, adminApiKeys: [ADMIN] })
  wallet = await startWalletService({ dataDir })
  // no trust registry here: every issuer is refused, which these tests do not reach
  verifier = await startVerifierService({
    dataDir,
    database: { engine: 'sqlite', file: join(dataDir, 'verifier.sqlite') },
    trust: async () => ({ authorized: false, message: 'no registry in this test' }),
    adminApiKeys: [ADMIN],
  })
})
afterAll(async () => {
  await wallet?.close()
  await verifier?.close()
  await issuer?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('issuer API', () => {
  const offers = () => `${issuer.url}/issuers/alberta-corporate-registry/offers`

  it('requires the admin key to create offers', async () => {
    expect((await post(offers(), { credentialType: 'BusinessRegistrationCredential', format: 'dc+sd-jwt', claims: businessClaims })).status).toBe(401)
    expect((await post(offers(), {}, { authorization: 'Bearer wrong' })).status).toBe(401)
  })

  it('answers malformed input with a 4xx naming the problem', async () => {
    const malformed = await post(offers(), '{"credentialType":', asAdmin)
    expect(malformed.status).toBe(400)
    const missing = await post(offers(), { format: 'dc+sd-jwt' }, asAdmin)
    expect(missing.status).toBe(400)
    expect(String(missing.body?.message)).toMatch(/credentialType/)
    const badClaims = await post(offers(), { credentialType: 'BusinessRegistrationCredential', format: 'dc+sd-jwt', claims: { ...businessClaims, registration_status: 'MAYBE', extra: 1 } }, asAdmin)
    expect(badClaims.status).toBe(400)
    expect(String(badClaims.body?.message)).toMatch(/registration_status/)
    const wrongType = await post(offers(), { credentialType: 'DeathRegistrationCredential', format: 'dc+sd-jwt', claims: {} }, asAdmin)
    expect(wrongType.status).toBe(422)
    const unknownIssuer = await post(`${issuer.url}/issuers/atlantis-registry/offers`, { credentialType: 'BusinessRegistrationCredential', format: 'dc+sd-jwt', claims: businessClaims }, asAdmin)
    expect(unknownIssuer.status).toBe(404)
    expect((await fetch(`${issuer.url}/no/such/route`)).status).toBe(404)
  })

  it('refuses a wrong transaction code, then issues with the right one', async () => {
    const offer = await post(offers(), { credentialType: 'BusinessRegistrationCredential', format: 'dc+sd-jwt', claims: businessClaims }, asAdmin)
    expect(offer.status).toBe(201)
    const wrongCode = await post(`${wallet.url}/personas/business-owner/offers`, { offerUri: offer.body!.offerUri, txCode: '000000' === offer.body!.txCode ? '111111' : '000000' })
    expect(wrongCode.status).toBe(422)
    const accepted = await post(`${wallet.url}/personas/business-owner/offers`, { offerUri: offer.body!.offerUri, txCode: offer.body!.txCode })
    expect(accepted.status).toBe(201)
    expect((accepted.body!.credentials as { claims: Record<string, unknown> }[])[0].claims.legal_name).toBe('Prairie Widgets Inc.')
  })
})

describe('wallet and verifier APIs', () => {
  it('answer bad input with clear 4xx errors', async () => {
    expect((await post(`${wallet.url}/personas/nobody/offers`, { offerUri: 'openid-credential-offer://?x=1' })).status).toBe(404)
    expect((await post(`${wallet.url}/personas/business-owner/offers`, { offerUri: 42 })).status).toBe(400)
    expect((await post(`${wallet.url}/personas/business-owner/presentations`, { requestUri: 'openid4vp://?request_uri=http%3A%2F%2F127.0.0.1%3A1%2Fnothing' })).status).toBe(422)
    expect((await post(`${wallet.url}/personas/business-owner/presentations`, { requestUri: 'x', fault: { kind: 'teleport' } })).status).toBe(400)
    expect((await post(`${verifier.url}/verifications`, { policyId: 'no-such-policy' })).status).toBe(404)
    expect((await post(`${verifier.url}/verifications`, { policyId: 'open-business-account', format: 'teleport' })).status).toBe(400)
    // a known format over a protocol that does not carry it: understood, not processable
    expect((await post(`${verifier.url}/verifications`, { policyId: 'open-business-account', format: 'mso_mdoc', protocol: 'didcomm' })).status).toBe(422)
    expect((await fetch(`${verifier.url}/verifications/unknown-id`)).status).toBe(404)
  })
})

describe('persistence', () => {
  it('keeps issuer DIDs and wallet credentials across a restart', async () => {
    const didsBefore = [...issuer.identities.values()].map((i) => i.did)
    const heldBefore = await wallet.wallets.get('business-owner')!.credentials()
    expect(heldBefore.length).toBeGreaterThan(0)
    await issuer.close()
    await wallet.close()
    issuer = await startIssuerService({ dataDir, database: issuerDb, adminApiKeys: [ADMIN] })
    wallet = await startWalletService({ dataDir })
    expect([...issuer.identities.values()].map((i) => i.did)).toEqual(didsBefore)
    expect((await wallet.wallets.get('business-owner')!.credentials()).map((c) => c.id)).toEqual(heldBefore.map((c) => c.id))
  })
})
