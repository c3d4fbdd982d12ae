import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hostedIssuers, withHostedIssuers } from '@interop-lab/scenarios/hostedIssuers'
import { runMatrix } from '@interop-lab/scenarios/matrix'
import { loadScenarios, type Scenario } from '@interop-lab/scenarios/scenario'
import type { ChainLink } from '@interop-lab/trust-registry/federation'
import { runScript } from './support/serviceProcess'
import { startTestStack } from './support/stack'

// `npm run onboard-jurisdiction` on copies of the data files, then a stack started from them: the new
// jurisdiction's business registry issues, and the bank (trusting only the federal registry) accepts it.

const REPO = join(import.meta.dirname, '..')
const root = mkdtempSync(join(tmpdir(), 'interop-onboard-jurisdiction-'))
const files = { issuerParties: join(root, 'jurisdictions.json'), governance: join(root, 'governance.json'), jurisdictionsDir: join(root, 'jurisdictions') }
const args = [
  '--code',
  'CA-NS',
  '--name-en',
  'Nova Scotia',
  '--name-fr',
  'Nouvelle-Écosse',
  '--types',
  'BusinessRegistrationCredential,DeathRegistrationCredential,MedicalCertificateOfDeath',
  '--issuer-parties',
  files.issuerParties,
  '--governance',
  files.governance,
  '--jurisdictions-dir',
  files.jurisdictionsDir,
]
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'))
let output = ''

beforeAll(async () => {
  cpSync(join(REPO, 'issuer', 'jurisdictions.json'), files.issuerParties)
  cpSync(join(REPO, 'trust-registry', 'governance.json'), files.governance)
  cpSync(join(REPO, 'trust-registry', 'jurisdictions'), files.jurisdictionsDir, { recursive: true })
  for (let run = 0; run < 2; run++) {
    const result = await runScript('scenarios/onboard-jurisdiction.ts', args, { PATH: process.env.PATH })
    expect(result.code, result.output).toBe(0)
    output = result.output
  }
}, 60_000)
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('npm run onboard-jurisdiction', () => {
  it('writes the parties from the pilots’ templates, the jurisdiction’s registry, and the proposed recognition; a rerun changes nothing', () => {
    expect(output).toMatch('ns-business-registry: Nova Scotia Business Registry / Registre des entreprises – Nouvelle-Écosse (BusinessRegistrationCredential)')
    expect(output).toMatch('Recognition proposed: CA recognizes CA-NS for BusinessRegistrationCredential, DeathRegistrationCredential, MedicalCertificateOfDeath')
    const hosted = readJson(files.issuerParties)
    expect(hosted.issuers.filter((p: { key: string }) => p.key.startsWith('ns-')).map((p: { key: string }) => p.key)).toEqual(['ns-business-registry', 'ns-vital-statistics'])
    expect(hosted.certifiers.filter((p: { key: string }) => p.key.startsWith('ns-')).map((p: { key: string }) => p.key)).toEqual(['ns-medical-examiner'])
    const own = readJson(join(files.jurisdictionsDir, 'CA-NS.json'))
    expect(own.authority.id).toBe('CA-NS')
    expect(own.entities).toContainEqual({
      key: 'ns-business-registry',
      name: { en: 'Nova Scotia Business Registry', fr: 'Registre des entreprises – Nouvelle-Écosse' },
      jurisdiction: 'CA-NS',
      authorizations: [{ action: 'issue', resource: 'BusinessRegistrationCredential' }],
      assurance: { subject: 'verified-organization', level: 3 },
    })
    const federal = readJson(join(files.jurisdictionsDir, 'CA.json'))
    expect(federal.recognitions.filter((r: { recognizes: string }) => r.recognizes === 'CA-NS')).toHaveLength(1)
    expect(readJson(files.governance).entities.filter((e: { key: string }) => e.key.startsWith('ns-'))).toHaveLength(3)
  })

  it('refuses a type with no template, naming the ones it has', async () => {
    const result = await runScript('scenarios/onboard-jurisdiction.ts', [...args.slice(0, 6), '--types', 'FishingLicence', ...args.slice(8)], { PATH: process.env.PATH })
    expect(result.code).not.toBe(0)
    expect(result.output).toMatch('No party template for FishingLicence: choose among BusinessRegistrationCredential')
  })
})

describe('the pilots with the onboarded jurisdiction as a party, no code changed', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>
  beforeAll(async () => {
    stack = await startTestStack({ federated: true, dataFiles: files, anonCredsMaterialDir: join(import.meta.dirname, 'fixtures', 'anoncreds', 'issuers') })
  }, 120_000)
  afterAll(async () => {
    await stack?.close()
  })

  it('binds the new parties’ DIDs in Nova Scotia’s registry; the next matrix run has Nova Scotia’s business registry as a party, the bank accepting it through the federal registry', async () => {
    expect(stack.onboarding.bound).toEqual(expect.arrayContaining(['ns-business-registry', 'ns-vital-statistics', 'ns-medical-examiner']))
    expect(stack.onboarding.unknown.filter((key) => key.startsWith('ns-'))).toEqual([])
    const banking: Scenario = loadScenarios().find((s) => s.id === 'business-banking')!
    // what `npm run pilots` does: the scenario file is unchanged, the issuers the issuer service hosts make the variants
    const withNovaScotia = withHostedIssuers(banking, await hostedIssuers(stack.issuer.url))
    const variant = withNovaScotia.variants.find((v) => v.id === 'issued-by-ns-business-registry')
    expect(variant, withNovaScotia.variants.map((v) => v.id).join(', ')).toBeDefined()
    expect(withNovaScotia.parties['ns-business-registry']).toEqual({ role: 'issuer', name: { en: 'Nova Scotia Business Registry', fr: 'Registre des entreprises – Nouvelle-Écosse' } })
    const { results } = await runMatrix(stack.endpoints, [{ ...withNovaScotia, variants: [variant!] }], { combinations: [{ protocol: 'oid4vc', format: 'dc+sd-jwt' }] })
    const cell = results.find((r) => r.variantId === 'issued-by-ns-business-registry')!
    expect(cell.status, cell.failure?.reason).toBe('pass')
    expect(cell.parties.issuer).toBe('ns-business-registry, bc-person-credential')
    const decision = cell.steps.find((s) => s.stepId === 'open-business-account')!.decision!
    expect(decision.disclosed.business.jurisdiction).toBe('CA-NS')
    const business = decision.trace.find((step) => step.check === 'trust-registry' && step.subject === 'business')!
    expect((business.detail as { chain: ChainLink[] }).chain.map((link) => [link.registry, link.question, link.verdict])).toEqual([
      [stack.trustRegistry.url, 'recognition', true],
      [stack.registries!.get('CA-NS')!.url, 'authorization', true],
    ])
  })
})
