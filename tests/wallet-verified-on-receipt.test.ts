import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DidRepository, JwkDidResolver, SdJwtVcRecord, W3cCredentialRecord, W3cJwtVerifiableCredential } from '@credo-ts/core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { LOCAL_ADMIN_API_KEY } from '@interop-lab/common/config'
import { loadPersonas, startWalletService, type WalletService } from '@interop-lab/wallet-sim'
import { call } from './support/call'
import { BUSINESS_CLAIMS } from './support/pilotClaims'
import { freePort, type ServiceProcess, startServiceProcess } from './support/serviceProcess'

/**
 * A credential the wallet receives over OID4VCI is parsed once, by the verification Credo's holder runs on it
 * (wallet-sim/verifiedOnReceipt.ts, issue #21): Credo's record no longer parses it again for its log line, the wallet's
 * checks and the store. The issuer runs as its own process, so that every parse counted here is the wallet's; the
 * counters call through to Credo's own code.
 */

const PERSONA = 'business-owner'
const dataDir = mkdtempSync(join(tmpdir(), 'interop-verified-on-receipt-'))
let issuer: ServiceProcess
let wallet: WalletService

beforeAll(async () => {
  const env = { ...process.env, INTEROP_ANONCREDS_MATERIAL_DIR: join(import.meta.dirname, 'fixtures/anoncreds/issuers') }
  issuer = await startServiceProcess({ service: 'issuer', port: await freePort(), dataDir: join(dataDir, 'issuer'), env })
  wallet = await startWalletService({ dataDir, personas: loadPersonas().filter((p) => p.id === PERSONA) })
}, 120_000)

afterAll(async () => {
  await wallet?.close()
  await issuer?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

/** A BC Registries offer in `format`, accepted by the persona over HTTP; answers what the wallet says it holds. */
async function receive(format: 'dc+sd-jwt' | 'jwt_vc_json') {
  const claims = { ...BUSINESS_CLAIMS, business_number: `BC${Date.now()}` }
  const offer = await call('POST', `${issuer.url}/issuers/bc-registries/offers`, { credentialType: 'BusinessRegistrationCredential', format, claims }, LOCAL_ADMIN_API_KEY)
  expect(offer.status, JSON.stringify(offer.body)).toBe(201)
  const { offerUri, txCode } = offer.body as { offerUri: string; txCode?: string }
  const accepted = await call('POST', `${wallet.url}/personas/${PERSONA}/offers`, { offerUri, txCode })
  expect(accepted.status, JSON.stringify(accepted.body)).toBe(201)
  return { claims, held: (accepted.body as { credentials: { format: string; claims: Record<string, unknown> }[] }).credentials }
}

/** Counts Credo's parses of a received credential while `work` runs: a JWT VC's, and each read of a record's `firstCredential` or SD-JWT tags that decodes it. */
async function parsesDuring(work: () => Promise<unknown>) {
  const spies = {
    jwtVc: vi.spyOn(W3cJwtVerifiableCredential, 'fromSerializedJwt'),
    sdJwtVcRecord: vi.spyOn(SdJwtVcRecord.prototype, 'firstCredential', 'get'),
    sdJwtVcTags: vi.spyOn(SdJwtVcRecord.prototype, 'getTags'),
    w3cRecord: vi.spyOn(W3cCredentialRecord.prototype, 'firstCredential', 'get'),
  }
  try {
    const result = await work()
    return { result, counts: Object.fromEntries(Object.entries(spies).map(([name, spy]) => [name, spy.mock.calls.length])) }
  } finally {
    for (const spy of Object.values(spies)) spy.mockRestore()
  }
}

describe('a credential received over OID4VCI is parsed once, by its verification (OID4VCI 1.0 §8.3)', () => {
  it('dc+sd-jwt: no decode after Credo verified it (its record, the checks and the stored tags use the verified one)', async () => {
    const { result, counts } = await parsesDuring(() => receive('dc+sd-jwt'))
    expect(counts).toEqual({ jwtVc: 0, sdJwtVcRecord: 0, sdJwtVcTags: 0, w3cRecord: 0 })
    const { claims, held } = result as Awaited<ReturnType<typeof receive>>
    expect(held).toMatchObject([{ format: 'dc+sd-jwt', claims: { business_number: claims.business_number } }])
  })

  it('jwt_vc_json: one parse, the one Credo verified (it was three)', async () => {
    const { result, counts } = await parsesDuring(() => receive('jwt_vc_json'))
    expect(counts).toEqual({ jwtVc: 1, sdJwtVcRecord: 0, sdJwtVcTags: 0, w3cRecord: 0 })
    const { claims, held } = result as Awaited<ReturnType<typeof receive>>
    expect(held).toMatchObject([{ format: 'jwt_vc_json', claims: { business_number: claims.business_number } }])
  })

  it('stores what it received: both credentials read back from its database as it holds them', async () => {
    const stored = await call('GET', `${wallet.url}/personas/${PERSONA}/credentials`)
    const credentials = (stored.body as { credentials: { format: string; type: string; claims: Record<string, unknown> }[] }).credentials
    expect(credentials.map((c) => c.format).sort()).toEqual(['dc+sd-jwt', 'jwt_vc_json'])
    for (const credential of credentials) expect(credential.claims).toMatchObject({ legal_name: BUSINESS_CLAIMS.legal_name })
  })
})

describe("the holder's own DIDs are resolved once per persona, their records read once", () => {
  it('an issuance after the first resolves no holder DID and reads no DID record (did:jwk is its own document)', async () => {
    const personas = (await call('GET', `${wallet.url}/personas`)).body as { personas: { id: string; holderDid: string }[] }
    const holderDid = personas.personas.find((p) => p.id === PERSONA)!.holderDid
    const resolutions = vi.spyOn(JwkDidResolver.prototype, 'resolve')
    const recordReads = vi.spyOn(DidRepository.prototype, 'getCreatedDids')
    try {
      for (const format of ['dc+sd-jwt', 'jwt_vc_json'] as const) await receive(format)
      expect(resolutions.mock.calls.filter(([, did]) => did === holderDid)).toEqual([])
      expect(recordReads.mock.calls.filter(([, query]) => query.did === holderDid)).toEqual([])
    } finally {
      resolutions.mockRestore()
      recordReads.mockRestore()
    }
  })
})
