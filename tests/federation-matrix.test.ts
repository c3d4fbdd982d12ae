import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Combination } from '@interop-lab/scenarios/matrix'
import { ALL_COMBINATIONS, runMatrix } from '@interop-lab/scenarios/matrix'
import type { VariantResult } from '@interop-lab/scenarios/runner'
import { loadScenarios, type Scenario } from '@interop-lab/scenarios/scenario'
import type { ChainLink } from '@interop-lab/trust-registry/federation'
import { startTestStack } from './support/stack'

// The pilots' federation variants in the matrix, on the default stack (one registry per jurisdiction, the verifier
// asking only the federal one): each changes a registry mid-run through its admin API (or puts Mallory's registry or
// a replaying relay at a linked address), must be rejected on the trust check with the chain shown, and is undone
// before the next cell, with the two pilots running side by side.

const FEDERATION_VARIANTS = [
  'recognition-withdrawn',
  'issuer-jurisdiction-not-recognised',
  'forged-foreign-answer',
  'stale-foreign-answer',
  'recognition-cycle',
  // the bank relying on Alberta's recognitions asks Alberta's registry
  'recognition-not-covering-type',
  'jurisdiction-not-recognized',
]
const COMBINATIONS: Combination[] = [
  { protocol: 'oid4vc', format: 'dc+sd-jwt' },
  { protocol: 'didcomm', format: 'ldp_vc' },
]
const only = (scenario: Scenario): Scenario => ({ ...scenario, variants: scenario.variants.filter((v) => FEDERATION_VARIANTS.includes(v.id)) })
const pilots = loadScenarios().map(only)

let stack: Awaited<ReturnType<typeof startTestStack>>
let results: VariantResult[]
let before: string
const registriesState = async () => {
  const urls = [stack.trustRegistry.url, ...[...stack.registries!.values()].map((r) => r.url)]
  const listings = await Promise.all(urls.map(async (url) => (await fetch(`${url}/registry/recognitions`)).json()))
  // what a decision depends on: standing recognitions and links (a withdrawal undone leaves the same standing terms)
  return JSON.stringify(listings.map((l: { recognitions: { withdrawnAt?: string }[]; registries: unknown[] }) => ({ ...l, recognitions: l.recognitions.filter((r) => !r.withdrawnAt) })))
}

beforeAll(async () => {
  // waits (an expired credential, a relay's aged answers) move the stack's clock instead of sleeping
  stack = await startTestStack({ anonCredsMaterialDir: join(import.meta.dirname, 'fixtures', 'anoncreds', 'issuers'), controllableClock: true })
  before = await registriesState()
  const registry = { url: stack.trustRegistry.url, adminApiKey: stack.endpoints.adminApiKey }
  results = (await runMatrix(stack.endpoints, pilots, { combinations: COMBINATIONS, lanes: 2, registry })).results
}, 180_000)
afterAll(async () => {
  await stack?.close()
})

const refusedTrustStep = (result: VariantResult) => {
  const step = result.steps.find((s) => s.decision?.outcome === 'rejected')!
  const trust = step.decision!.trace.find((t) => t.check === 'trust-registry' && !t.passed)!
  const detail = trust.detail as { chain: ChainLink[]; refusal: string }
  return { decision: step.decision!, message: trust.message, refusal: detail.refusal, chain: detail.chain.map((link) => [link.registry, link.question, link.verdict]) }
}

describe('the federation variants of both pilots, on the default (federated) stack', () => {
  it('runs the baselines and every variant, each cell passing as expected', () => {
    const rows = results.map((r) => [r.scenarioId, r.variantId, r.format, r.status, r.failure?.reason])
    expect(rows.filter((row) => row[3] !== 'pass')).toEqual([])
    // business banking: baseline + 6; death notification: baseline + 5 (Yukon's variant is business banking's)
    expect(results).toHaveLength(COMBINATIONS.length * (7 + 6))
  })

  const federal = () => stack.trustRegistry.url
  const of = (jurisdiction: string) => stack.registries!.get(jurisdiction)!.url
  const cases: [string, string, string, () => unknown[][], RegExp][] = [
    ['business-banking', 'recognition-withdrawn', 'not-recognized', () => [[federal(), 'recognition', false]], /CA's recognition of CA-BC for BusinessRegistrationCredential was withdrawn on \d{4}-/],
    ['business-banking', 'issuer-jurisdiction-not-recognised', 'not-recognized', () => [[federal(), 'recognition', false]], /CA does not recognize CA-YT for BusinessRegistrationCredential/],
    ['business-banking', 'forged-foreign-answer', 'key-changed', () => [[federal(), 'recognition', true]], /signed with key \S+, not the key \S+ configured for it/],
    ['business-banking', 'stale-foreign-answer', 'wrong-answer', () => [[federal(), 'recognition', true]], /not within the last 1 s/],
    [
      'business-banking',
      'recognition-cycle',
      'cycle',
      () => [
        [federal(), 'recognition', true],
        [of('CA-AB'), 'authorization', false],
        [federal(), 'authorization', false],
      ],
      /Recognition cycle: .* was already asked about CA-BC/,
    ],
    ['business-banking', 'recognition-not-covering-type', 'not-recognized', () => [[of('CA-AB'), 'recognition', false]], /CA-AB does not recognize CA-BC for VerifiedPersonCredential/],
    ['death-notification', 'jurisdiction-not-recognized', 'not-recognized', () => [[of('CA-AB'), 'recognition', false]], /CA-AB does not recognize CA-NL for DeathRegistrationCredential/],
    ['death-notification', 'recognition-withdrawn', 'not-recognized', () => [[federal(), 'recognition', false]], /CA's recognition of CA-NL for DeathRegistrationCredential was withdrawn on/],
    ['death-notification', 'forged-foreign-answer', 'key-changed', () => [[federal(), 'recognition', true]], /not the key \S+ configured for it/],
    ['death-notification', 'stale-foreign-answer', 'wrong-answer', () => [[federal(), 'recognition', true]], /not within the last 1 s/],
    [
      'death-notification',
      'recognition-cycle',
      'cycle',
      () => [
        [federal(), 'recognition', true],
        [federal(), 'authorization', false],
      ],
      /Recognition cycle: .* was already asked about CA-NL/,
    ],
  ]
  it.each(cases)('%s · %s: rejected on the trust check (TRQP chain refusal %s), the chain shown', (scenarioId, variantId, refusal, chain, message) => {
    const cells = results.filter((r) => r.scenarioId === scenarioId && r.variantId === variantId)
    expect(cells.map((c) => c.format)).toEqual(COMBINATIONS.map((c) => c.format))
    for (const cell of cells) {
      const refused = refusedTrustStep(cell)
      expect(refused.decision.failedChecks).toEqual(['trust-registry'])
      expect(refused.refusal).toBe(refusal)
      expect(refused.message).toMatch(message)
      expect(refused.chain).toEqual(chain())
    }
  })

  it('undoes every registry change: the registries stand as before, and the baseline is accepted through BC’s registry again', async () => {
    expect(await registriesState()).toEqual(before)
    const [banking] = await runMatrix(stack.endpoints, [{ ...pilots[0]!, variants: [] }], { combinations: COMBINATIONS.slice(0, 1) }).then((run) => run.results)
    expect(banking!.status, banking!.failure?.reason).toBe('pass')
    const decision = banking!.steps.find((s) => s.stepId === 'open-business-account')!.decision!
    const business = decision.trace.find((t) => t.check === 'trust-registry' && t.subject === 'business')!
    expect((business.detail as { chain: ChainLink[] }).chain.map((l) => [l.registry, l.question, l.verdict])).toEqual([
      [federal(), 'recognition', true],
      [of('CA-BC'), 'authorization', true],
    ])
  })

  it('shows a registry variant as unsupported, not failed, in a run that may change no registry', async () => {
    const { results: rows } = await runMatrix(stack.endpoints, [{ ...pilots[0]!, variants: pilots[0]!.variants.filter((v) => v.id === 'recognition-withdrawn') }], {
      combinations: COMBINATIONS.slice(0, 1),
    })
    expect(rows.find((r) => r.variantId === 'recognition-withdrawn')).toMatchObject({
      status: 'unsupported',
      failure: { reason: expect.stringMatching('this run has no lab registry the runner may change') },
    })
  })

  it('opens the account on every protocol stack and format the lab speaks, each trust line showing the chain federal → BC', async () => {
    const { results: baselines } = await runMatrix(stack.endpoints, [{ ...pilots[0]!, variants: [] }], { combinations: ALL_COMBINATIONS })
    const ran = baselines.filter((cell) => cell.status !== 'unsupported')
    expect(ran.map((cell) => `${cell.protocol} ${cell.format}`)).toEqual(expect.arrayContaining(['oid4vc dc+sd-jwt', 'oid4vc jwt_vc_json', 'didcomm ldp_vc', 'didcomm anoncreds']))
    for (const cell of ran) expect(cell.status, `${cell.protocol} ${cell.format}: ${cell.failure?.reason}`).toBe('pass')
    // a VC API verifier reports its verdict without the lab's decision trace (the runner checks trust itself)
    for (const cell of ran.filter((c) => c.protocol !== 'vc-api')) {
      const decision = cell.steps.find((s) => s.stepId === 'open-business-account')!.decision!
      const chains = decision.trace.filter((t) => t.check === 'trust-registry').map((t) => (t.detail as { chain: ChainLink[] }).chain.map((l) => [l.registry, l.question, l.verdict]))
      expect(chains, `${cell.protocol} ${cell.format}`).toEqual([
        [
          [federal(), 'recognition', true],
          [of('CA-BC'), 'authorization', true],
        ],
        [
          [federal(), 'recognition', true],
          [of('CA-BC'), 'authorization', true],
        ],
      ])
    }
  }, 180_000)
})
