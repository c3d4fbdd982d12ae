import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compactVerify, createLocalJWKSet } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeRegistry, linkRecognizedRegistries } from '@interop-lab/trust-registry/federate'
import type { ChainLink } from '@interop-lab/trust-registry/federation'
import { jurisdictionGovernanceFile } from '@interop-lab/trust-registry/governance'
import { memoryKeyPin } from '@interop-lab/trust-registry/keyPin'
import { startTrustRegistry, type TrustRegistry } from '@interop-lab/trust-registry'
import { trustRegistryCheck } from '@interop-lab/verifier/trust'
import { CREDENTIAL_FORMATS } from '@interop-lab/common/credentialTypes'
import { runVariant } from '@interop-lab/scenarios/runner'
import { loadScenarios } from '@interop-lab/scenarios/scenario'
import { freePort, type ServiceProcess, startServiceProcess } from './support/serviceProcess'
import { startTestStack } from './support/stack'

// Registries authoritative for one jurisdiction each (federal, BC, Alberta, NL), each its own OS process started
// from trust-registry/main.ts --jurisdiction, linked by their recognitions. The verifier's trust check asks only
// the federal registry and follows recognitions from there, over real HTTP, checking every signed answer.

const ADMIN = 'federation-admin-key'
const root = mkdtempSync(join(tmpdir(), 'interop-federation-'))
const JURISDICTIONS = ['CA', 'CA-BC', 'CA-AB', 'CA-NL'] as const
type Jurisdiction = (typeof JURISDICTIONS)[number]
const registries = {} as Record<Jurisdiction, ServiceProcess>
const DID = { bc: 'did:web:bc-registries.example', bcPerson: 'did:web:bc-person.example', ab: 'did:web:alberta.example', nl: 'did:web:nl-vital.example' }
const BUSINESS = 'BusinessRegistrationCredential'
const DEATH = 'DeathRegistrationCredential'
const ANONCREDS_MATERIAL = join(import.meta.dirname, 'fixtures', 'anoncreds', 'issuers')
const in_process: { close(): Promise<void> }[] = []

const admin = async (method: string, url: string, body?: unknown) => {
  const response = await fetch(url, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` }, body: body === undefined ? undefined : JSON.stringify(body) })
  return { status: response.status, body: (await response.json()) as Record<string, any> }
}
const federalCheck = (options = {}) => trustRegistryCheck(registries.CA.url, memoryKeyPin(), options)
const check = (issuer: string, credentialType: string, jurisdiction: string, authority = 'CA', options = {}) =>
  federalCheck(options)({ issuer, credentialType, jurisdiction, authority }).then((answer) => ({
    ...answer,
    detail: answer.detail as { chain: ChainLink[]; refusal?: string; assurance?: { subject: string; level: number } },
  }))
const chainOf = (answer: { detail: { chain: ChainLink[] } }) => answer.detail.chain.map((link) => [link.registry, link.question, link.verdict])

beforeAll(async () => {
  const env = { PATH: process.env.PATH, INTEROP_ADMIN_API_KEY: ADMIN }
  await Promise.all(
    JURISDICTIONS.map(async (jurisdiction) => {
      const port = await freePort()
      registries[jurisdiction] = await startServiceProcess({ service: 'trust-registry', port, dataDir: join(root, jurisdiction), args: ['--jurisdiction', jurisdiction], env })
    }),
  )
  await linkRecognizedRegistries(
    Object.values(registries).map((r) => r.url),
    ADMIN,
  )
  for (const [registry, key, did] of [
    ['CA-BC', 'bc-registries', DID.bc],
    ['CA-BC', 'bc-person-credential', DID.bcPerson],
    ['CA-AB', 'alberta-corporate-registry', DID.ab],
    ['CA-NL', 'nl-vital-statistics', DID.nl],
  ] as const) {
    expect((await admin('PUT', `${registries[registry].url}/admin/entities/${key}/did`, { did })).status).toBe(200)
  }
}, 120_000)
afterAll(async () => {
  await Promise.all(in_process.map((r) => r.close()))
  await Promise.all(Object.values(registries).map((r) => r?.stop()))
  rmSync(root, { recursive: true, force: true })
})

describe('registries authoritative for one jurisdiction each', () => {
  it('each process answers for its own jurisdiction only, from its governance file (--jurisdiction)', async () => {
    for (const jurisdiction of JURISDICTIONS) expect(await describeRegistry(registries[jurisdiction].url)).toMatchObject({ jurisdiction, url: registries[jurisdiction].url })
    const federal = await (await fetch(`${registries.CA.url}/registry/entities`)).json()
    expect(federal.entities.map((e: { key: string }) => e.key)).toEqual(['corporations-canada'])
    expect(() => jurisdictionGovernanceFile('BC')).toThrow(/expected a code such as "CA" or "CA-BC"/)
  })

  it('answers a recognition query with a signed, dated statement: types, assurance cap, until when, and where the recognized registry is', async () => {
    const response = await fetch(`${registries.CA.url}/trqp/recognition?entity_id=CA-AB&authority_id=CA&resource=${BUSINESS}`)
    const answer = await response.json()
    const ab = await describeRegistry(registries['CA-AB'].url)
    expect(answer).toMatchObject({ recognized: true, max_assurance_level: 2, expires: '2031-03-31T00:00:00Z', registry: ab, time_evaluated: expect.any(String) })
    const jwks = await (await fetch(`${registries.CA.url}/.well-known/jwks.json`)).json()
    const { payload } = await compactVerify(answer.jws, createLocalJWKSet(jwks))
    expect(JSON.parse(new TextDecoder().decode(payload))).toMatchObject({ recognized: true, max_assurance_level: 2, registry: ab })
  })
})

describe('a verifier trusting only the federal registry', () => {
  it('accepts a BC business registry, authorized only by BC’s registry, recognized through the federal one: the whole chain in the trace', async () => {
    const answer = await check(DID.bc, BUSINESS, 'CA-BC')
    expect(answer.authorized, answer.message).toBe(true)
    expect(answer.message).toMatch(`answered by CA-BC's registry, ${registries['CA-BC'].url}`)
    expect(chainOf(answer)).toEqual([
      [registries.CA.url, 'recognition', true],
      [registries['CA-BC'].url, 'authorization', true],
    ])
    expect(answer.detail.assurance).toEqual({ subject: 'verified-organization', level: 3 })
    // every link is the registry's own signed answer, checkable again by anyone with its JWKS
    for (const link of answer.detail.chain) {
      const jwks = await (await fetch(`${link.registry}/.well-known/jwks.json`)).json()
      await expect(compactVerify(link.jws!, createLocalJWKSet(jwks))).resolves.toBeTruthy()
    }
  })

  it('caps the assurance of what it recognizes: Alberta vouches for level 3, the federal recognition caps it at 2', async () => {
    const answer = await check(DID.ab, BUSINESS, 'CA-AB')
    expect(answer.authorized, answer.message).toBe(true)
    expect(answer.detail.assurance).toEqual({ subject: 'verified-organization', level: 2 })
  })

  it('refuses an issuer whose assurance, as capped along the chain, is below the policy’s minimum (PCTF assurance level)', async () => {
    const minimumAssurance = { subject: 'verified-organization' as const, level: 3 }
    const capped = await federalCheck()({ issuer: DID.ab, credentialType: BUSINESS, jurisdiction: 'CA-AB', authority: 'CA', minimumAssurance })
    expect(capped).toMatchObject({ authorized: false, detail: { refusal: 'assurance', assurance: { level: 2 } } })
    expect(capped.message).toMatch('its assurance as vouched for along the chain is verified-organization at level 2, and the policy requires verified-organization at level 3 or higher')
    expect((await federalCheck()({ issuer: DID.bc, credentialType: BUSINESS, jurisdiction: 'CA-BC', authority: 'CA', minimumAssurance })).authorized).toBe(true)
    const person = await federalCheck()({ issuer: DID.bc, credentialType: BUSINESS, jurisdiction: 'CA-BC', authority: 'CA', minimumAssurance: { subject: 'verified-person', level: 1 } })
    expect(person).toMatchObject({ authorized: false, detail: { refusal: 'assurance' } })
  })

  it('refuses an issuer authorized only in a jurisdiction its registry does not recognize (TRQP recognition: not recognized)', async () => {
    // Alberta's registry recognizes BC for business registrations, not NL for anything
    const answer = await trustRegistryCheck(registries['CA-AB'].url)({ issuer: DID.nl, credentialType: DEATH, jurisdiction: 'CA-NL', authority: 'CA-AB' })
    expect(answer).toMatchObject({ authorized: false, detail: { refusal: 'not-recognized' } })
    expect(answer.message).toMatch('CA-AB does not recognize CA-NL for DeathRegistrationCredential')
  })

  it('refuses a recognition that does not cover the credential type', async () => {
    const answer = await trustRegistryCheck(registries['CA-AB'].url)({ issuer: DID.bcPerson, credentialType: 'VerifiedPersonCredential', jurisdiction: 'CA-BC', authority: 'CA-AB' })
    expect(answer).toMatchObject({ authorized: false, detail: { refusal: 'not-recognized' } })
    expect(answer.message).toMatch('does not recognize CA-BC for VerifiedPersonCredential')
  })

  it('sees a withdrawn recognition at its next decision, and a recognition given again', async () => {
    const withdrawn = await admin('DELETE', `${registries.CA.url}/admin/recognitions/CA-BC?resource=${BUSINESS}`)
    expect(withdrawn.status).toBe(200)
    try {
      const answer = await check(DID.bc, BUSINESS, 'CA-BC')
      expect(answer).toMatchObject({ authorized: false, detail: { refusal: 'not-recognized' } })
      expect(answer.message).toMatch(/CA's recognition of CA-BC for BusinessRegistrationCredential was withdrawn on \d{4}-/)
      expect(chainOf(answer)).toEqual([[registries.CA.url, 'recognition', false]])
      // the person credential's recognition was not withdrawn
      expect((await check(DID.bcPerson, 'VerifiedPersonCredential', 'CA-BC')).authorized).toBe(true)
      expect((await admin('DELETE', `${registries.CA.url}/admin/recognitions/CA-BC?resource=${BUSINESS}`)).status).toBe(404)
    } finally {
      const again = await admin('PUT', `${registries.CA.url}/admin/recognitions/CA-BC`, { resources: [BUSINESS], validUntil: '2031-03-31T00:00:00Z' })
      expect(again.status).toBe(200)
    }
    expect((await check(DID.bc, BUSINESS, 'CA-BC')).authorized).toBe(true)
    const audit = await admin('GET', `${registries.CA.url}/admin/audit?target=CA-BC`)
    expect(audit.body.audit.map((entry: { action: string }) => entry.action).slice(0, 2)).toEqual(['recognize', 'withdraw-recognition'])
  })

  it('sees an authorization withdrawn by the issuer’s own registry at its next decision', async () => {
    expect((await admin('PATCH', `${registries['CA-BC'].url}/admin/entities/bc-registries`, { status: 'suspended' })).status).toBe(200)
    try {
      const answer = await check(DID.bc, BUSINESS, 'CA-BC')
      expect(answer).toMatchObject({ authorized: false, detail: { refusal: 'not-authorized' } })
      expect(answer.message).toMatch('BC Registries is suspended')
      expect(chainOf(answer)).toEqual([
        [registries.CA.url, 'recognition', true],
        [registries['CA-BC'].url, 'authorization', false],
      ])
    } finally {
      await admin('PATCH', `${registries['CA-BC'].url}/admin/entities/bc-registries`, { status: 'active' })
    }
  })
})

describe('answers from a foreign registry', () => {
  const linkBcTo = (url: string, key: string) => admin('PUT', `${registries.CA.url}/admin/registries/CA-BC`, { url, key })
  const restoreBc = async () => {
    const bc = await describeRegistry(registries['CA-BC'].url)
    expect((await linkBcTo(bc.url, bc.key)).status).toBe(200)
  }

  it('refuses a forged answer: an impostor with BC’s governance at the linked address signs with another key than the one pinned by the recognition', async () => {
    const impostorDir = mkdtempSync(join(root, 'impostor-'))
    const impostor: TrustRegistry = await startTrustRegistry({
      dataDir: impostorDir,
      adminApiKeys: [ADMIN],
      governanceFile: jurisdictionGovernanceFile('CA-BC'),
      database: { engine: 'sqlite', file: join(impostorDir, 'r.sqlite') },
    })
    in_process.push(impostor)
    expect((await admin('PUT', `${impostor.url}/admin/entities/bc-registries/did`, { did: DID.bc })).status).toBe(200)
    const genuine = await describeRegistry(registries['CA-BC'].url)
    await linkBcTo(impostor.url, genuine.key)
    try {
      const answer = await check(DID.bc, BUSINESS, 'CA-BC')
      expect(answer).toMatchObject({ authorized: false, detail: { refusal: 'key-changed' } })
      expect(answer.message).toMatch(`not the key ${genuine.key} configured for it`)
      expect(chainOf(answer)).toEqual([[registries.CA.url, 'recognition', true]])
    } finally {
      await restoreBc()
    }
  })

  it('refuses a stale answer: a relay replaying BC’s genuine signed answer after the freshness window', async () => {
    let recorded: string | undefined
    const relay: Server = createServer(async (req, res) => {
      const body = await new Promise<string>((resolve) => {
        let data = ''
        req.on('data', (chunk) => (data += chunk))
        req.on('end', () => resolve(data))
      })
      if (req.url === '/trqp/authorization' && recorded) return void res.writeHead(200, { 'content-type': 'application/json' }).end(recorded)
      const upstream = await fetch(`${registries['CA-BC'].url}${req.url}`, { method: req.method, headers: { 'content-type': 'application/json' }, body: req.method === 'POST' ? body : undefined })
      const text = await upstream.text()
      if (req.url === '/trqp/authorization') recorded = text
      res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(text)
    })
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve))
    in_process.push({ close: () => new Promise<void>((resolve) => relay.close(() => resolve())) })
    const genuine = await describeRegistry(registries['CA-BC'].url)
    await linkBcTo(`http://127.0.0.1:${(relay.address() as AddressInfo).port}`, genuine.key)
    try {
      expect((await check(DID.bc, BUSINESS, 'CA-BC', 'CA', { maxAgeSeconds: 1 })).authorized).toBe(true)
      await new Promise((resolve) => setTimeout(resolve, 1_500))
      const answer = await check(DID.bc, BUSINESS, 'CA-BC', 'CA', { maxAgeSeconds: 1 })
      expect(answer).toMatchObject({ authorized: false, detail: { refusal: 'wrong-answer' } })
      expect(answer.message).toMatch(/not within the last 1 s/)
    } finally {
      await restoreBc()
    }
  })

  it('refuses a recognition cycle, and a chain longer than allowed', async () => {
    // federal → Alberta for CA-QC; Alberta recognizes CA-QC too, but says its registry is the federal one: a loop
    const [federal, alberta] = await Promise.all([describeRegistry(registries.CA.url), describeRegistry(registries['CA-AB'].url)])
    expect((await admin('PUT', `${registries.CA.url}/admin/registries/CA-QC`, { url: alberta.url, key: alberta.key })).status).toBe(200)
    expect((await admin('PUT', `${registries['CA-AB'].url}/admin/recognitions/CA-QC`, { resources: [DEATH] })).status).toBe(200)
    expect((await admin('PUT', `${registries['CA-AB'].url}/admin/registries/CA-QC`, { url: federal.url, key: federal.key })).status).toBe(200)
    const cycle = await check('did:web:qc.example', DEATH, 'CA-QC')
    expect(cycle).toMatchObject({ authorized: false, detail: { refusal: 'cycle' } })
    expect(cycle.message).toMatch(`Recognition cycle: ${alberta.url} was already asked about CA-QC`)
    expect(chainOf(cycle)).toEqual([
      [federal.url, 'recognition', true],
      [alberta.url, 'authorization', false],
      [federal.url, 'authorization', false],
    ])
    const deep = await check('did:web:qc.example', DEATH, 'CA-QC', 'CA', { maxReferrals: 1 })
    expect(deep).toMatchObject({ authorized: false, detail: { refusal: 'too-deep' } })
  })

  it('refuses, naming it, when the issuer’s registry is down; accepts again once it is back', async () => {
    await registries['CA-BC'].stop()
    try {
      const answer = await check(DID.bc, BUSINESS, 'CA-BC')
      expect(answer).toMatchObject({ authorized: false, detail: { refusal: 'unreachable' } })
      expect(answer.message).toMatch(`The trust registry at ${registries['CA-BC'].url}/trqp/authorization is unreachable`)
      expect(chainOf(answer)).toEqual([[registries.CA.url, 'recognition', true]])
    } finally {
      await registries['CA-BC'].restart()
    }
    expect((await check(DID.bc, BUSINESS, 'CA-BC')).authorized).toBe(true)
  }, 60_000)
})

describe('the pilots on a stack of federated registries (startStack({ federated: true }))', () => {
  const scenarios = loadScenarios()
  const banking = scenarios.find((s) => s.id === 'business-banking')!
  let stack: Awaited<ReturnType<typeof startTestStack>>
  beforeAll(async () => {
    stack = await startTestStack({ federated: true, adminApiKey: ADMIN, anonCredsMaterialDir: ANONCREDS_MATERIAL })
  }, 120_000)
  afterAll(async () => {
    await stack?.close()
  })
  const openAccount = async (variantId?: string) => {
    const result = await runVariant(stack.endpoints, banking, variantId ? banking.variants.find((v) => v.id === variantId) : undefined, 'dc+sd-jwt')
    return result.steps.find((s) => s.stepId === 'open-business-account')!.decision!
  }
  const trustChains = (decision: Awaited<ReturnType<typeof openAccount>>) =>
    decision.trace.filter((step) => step.check === 'trust-registry').map((step) => (step.detail as { chain: ChainLink[] }).chain.map((link) => [link.registry, link.question, link.verdict]))

  it('opens the account with the bank trusting only the federal registry, BC’s registry authorizing BC Registries', async () => {
    const federal = stack.trustRegistry.url
    const bc = stack.registries!.get('CA-BC')!.url
    expect(stack.onboarding.bound).toEqual(expect.arrayContaining(['bc-registries', 'bc-person-credential', 'nl-vital-statistics', 'nl-medical-examiner']))
    const decision = await openAccount()
    expect(decision.outcome, JSON.stringify(decision.reasons)).toBe('accepted')
    expect(trustChains(decision)).toEqual([
      [
        [federal, 'recognition', true],
        [bc, 'authorization', true],
      ],
      [
        [federal, 'recognition', true],
        [bc, 'authorization', true],
      ],
    ])
    // BC's registry alone knows BC Registries: the federal one does not
    const federalEntities = await (await fetch(`${federal}/registry/entities`)).json()
    expect(federalEntities.entities.map((e: { key: string }) => e.key)).not.toContain('bc-registries')
  })

  it('rejects on the trust check, chain shown, once the federal registry withdraws its recognition of BC for business registrations', async () => {
    const federal = stack.trustRegistry.url
    expect((await admin('DELETE', `${federal}/admin/recognitions/CA-BC?resource=${BUSINESS}`)).status).toBe(200)
    try {
      const decision = await openAccount()
      expect(decision.outcome).toBe('rejected')
      expect(decision.failedChecks).toEqual(['trust-registry'])
      expect(decision.reasons.join(' ')).toMatch(/recognition of CA-BC for BusinessRegistrationCredential was withdrawn/)
      expect(trustChains(decision)[0]).toEqual([[federal, 'recognition', false]])
    } finally {
      await admin('PUT', `${federal}/admin/recognitions/CA-BC`, { resources: [BUSINESS] })
    }
  })

  it('rejects the untrusted-issuer variant on the trust check, BC’s registry saying so', async () => {
    const decision = await openAccount('untrusted-issuer')
    expect(decision.failedChecks).toEqual(['trust-registry'])
    expect(trustChains(decision)[0]).toEqual([
      [stack.trustRegistry.url, 'recognition', true],
      [stack.registries!.get('CA-BC')!.url, 'authorization', false],
    ])
  })

  it('registers a death: the issuer’s certifier check follows the federal registry’s referral to NL’s', async () => {
    const death = scenarios.find((s) => s.id === 'death-notification')!
    const result = await runVariant(stack.endpoints, death, undefined, 'dc+sd-jwt')
    expect(result.steps.filter((s) => !s.passed).map((s) => [s.stepId, s.summary])).toEqual([])
  })
})

describe('the pilots’ recognition variants on one registry holding every jurisdiction (startStack({ federated: false }))', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>
  beforeAll(async () => {
    stack = await startTestStack({ federated: false, anonCredsMaterialDir: ANONCREDS_MATERIAL })
  }, 120_000)
  afterAll(async () => {
    await stack?.close()
  })

  const cases = [
    ['business-banking', 'recognition-not-covering-type', 'open-business-account', 'CA-AB does not recognize CA-BC for VerifiedPersonCredential'],
    ['death-notification', 'jurisdiction-not-recognized', 'prove-death-to-bank', 'CA-AB does not recognize CA-NL for DeathRegistrationCredential'],
  ] as const
  it.each(CREDENTIAL_FORMATS.flatMap((format) => cases.map((c) => [...c, format] as const)))(
    '%s: rejects the %s variant (%s) on the trust check, TRQP recognition refusing (%s), in %s',
    async (pilot, variantId, stepId, reason, format) => {
      const scenario = loadScenarios().find((s) => s.id === pilot)!
      const result = await runVariant(stack.endpoints, scenario, scenario.variants.find((v) => v.id === variantId)!, format)
      expect(result.passed, JSON.stringify(result.steps.filter((s) => !s.passed))).toBe(true)
      const decision = result.steps.find((s) => s.stepId === stepId)!.decision!
      expect(decision.failedChecks).toEqual(['trust-registry'])
      expect(decision.reasons.join(' ')).toMatch(reason)
      const refused = decision.trace.find((step) => step.check === 'trust-registry' && !step.passed)!
      expect((refused.detail as { chain: ChainLink[] }).chain.map((link) => [link.registry, link.question, link.verdict])).toEqual([[stack.trustRegistry.url, 'recognition', false]])
    },
  )
})
