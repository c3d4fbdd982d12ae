import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HAIP_REQUIREMENTS, type HaipRequirement } from '@interop-lab/contracts'
import { labParties } from '@interop-lab/scenarios/drivers/lab'
import { malloryVerifier } from '@interop-lab/scenarios/drivers/malloryVerifier'
import { oid4vpHttpConfig, oid4vpHttpVerifier } from '@interop-lab/scenarios/drivers/oid4vpHttp'
import { sdjwtCheckVerifier } from '@interop-lab/scenarios/drivers/sdjwtCheck'
import { type Mallory, startMallory } from '@interop-lab/scenarios/mallory/service'
import { type Combination, runMatrix } from '@interop-lab/scenarios/matrix'
import { summarize } from '@interop-lab/scenarios/report'
import { formatHtml } from '@interop-lab/scenarios/reportHtml'
import { runVariant, type VariantResult } from '@interop-lab/scenarios/runner'
import { loadScenarios, type Scenario, type Variant } from '@interop-lab/scenarios/scenario'
import { startTestStack } from './support/stack'

// The HAIP 1.0 profile as a matrix column (`haip`): both pilots' offers and requests made with `profile: 'haip'` by the
// lab drivers, in dc+sd-jwt and mso_mdoc, and the HAIP negatives each refused naming its requirement (the wallet's
// refusal of Mallory's request, the verifier's `profile` trace step, the issuer's OAuth error). One stack, one Mallory.

const HAIP_COLUMN: Combination[] = [
  { protocol: 'haip', format: 'dc+sd-jwt' },
  { protocol: 'haip', format: 'mso_mdoc' },
]
/** Besides the HAIP negatives, some of the pilots' own negatives, to see them refused in the column too (a replay: over an encrypted response). */
const OWN_NEGATIVES = ['untrusted-issuer', 'revoked-before-use', 'replayed-nonce']
const isHaipVariant = (variant: Variant) => variant.protocols?.includes('haip') ?? false
const pilots = loadScenarios().map((scenario): Scenario => ({ ...scenario, variants: scenario.variants.filter((v) => isHaipVariant(v) || OWN_NEGATIVES.includes(v.id)) }))
const banking = pilots.find((s) => s.id === 'business-banking')!

/** Each HAIP negative, the step refused, and the requirement its refusal must name. */
const NEGATIVES: [scenario: string, variant: string, step: string, requirement: HaipRequirement][] = pilots.flatMap((scenario) =>
  scenario.variants.filter(isHaipVariant).map((variant): [string, string, string, HaipRequirement] => {
    const [step, expected] = Object.entries(variant.expect)[0]!
    return [scenario.id, variant.id, step, expected.requirement!]
  }),
)

let stack: Awaited<ReturnType<typeof startTestStack>>
let mallory: Mallory
let results: VariantResult[]

beforeAll(async () => {
  stack = await startTestStack({ controllableClock: true })
  mallory = await startMallory()
  const registry = { url: stack.trustRegistry.url, adminApiKey: stack.endpoints.adminApiKey }
  results = (await runMatrix(stack.endpoints, pilots, { combinations: HAIP_COLUMN, lanes: 2, registry, mallory: malloryVerifier(mallory.url) })).results
}, 240_000)
afterAll(async () => {
  await mallory?.close()
  await stack?.close()
})

const cell = (scenarioId: string, variantId: string, format = 'dc+sd-jwt') => results.find((r) => r.scenarioId === scenarioId && r.variantId === variantId && r.format === format)!
const stepOf = (result: VariantResult, stepId: string) => result.steps.find((s) => s.stepId === stepId)!

/** Where the step's refusal named the requirement: the verifier's failing `profile` trace step, the wallet's refusal of a request, or the issuer's OAuth error. */
function whereNamed(result: VariantResult, stepId: string, requirement: string): string | undefined {
  const step = stepOf(result, stepId)
  if (step.decision?.trace.some((t) => t.check === 'profile' && !t.passed && t.subject === requirement)) return 'verifier trace'
  if (step.walletOutcome?.requirement === requirement && !step.walletOutcome.submitted) return "wallet's refusal"
  if ((step.action === 'issue' || step.action === 'register') && new RegExp(`HAIP requirement ${requirement}\\b`).test(step.summary)) return "issuer's refusal"
  return undefined
}

describe('the haip column: both pilots under HAIP 1.0', () => {
  it.each([
    ['business-banking', 'open-business-account'],
    ['death-notification', 'bank-rejects-revoked-proof'],
  ])('%s passes in dc+sd-jwt and mso_mdoc, its requests HAIP ones', (scenarioId, lastStep) => {
    for (const format of ['dc+sd-jwt', 'mso_mdoc']) {
      const baseline = cell(scenarioId, 'baseline', format)
      expect([format, baseline.status, baseline.failure?.reason]).toEqual([format, 'pass', undefined])
      expect(baseline.protocol).toBe('haip')
      expect(stepOf(baseline, lastStep).links?.requestUri).toMatch(/^haip-vp:\/\//)
      // every HAIP requirement of the presentation a trace line, each passed in the accepted presentations
      const accepted = baseline.steps.filter((s) => s.decision?.outcome === 'accepted')
      expect(accepted.length).toBeGreaterThan(0)
      for (const step of accepted) {
        const profile = step.decision!.trace.filter((t) => t.check === 'profile')
        const subjects = profile.map((t) => t.subject!)
        expect(subjects).toEqual(expect.arrayContaining(['signed-request', 'client-id', 'encrypted-response', 'es256', 'key-binding', 'dcql', 'credential-chain', 'trusted-authorities']))
        for (const subject of subjects) expect(Object.keys(HAIP_REQUIREMENTS)).toContain(subject)
        expect(profile.filter((t) => !t.passed)).toEqual([])
      }
    }
  })

  it('names the column HAIP 1.0 in the HTML report, in English and French', () => {
    const page = formatHtml(summarize(results, new Date()))
    expect(page).toContain('data-protocol="haip" data-format="mso_mdoc"><span data-t="protocol.haip">HAIP 1.0 (OpenID4VC high assurance)</span>')
    expect(page).toContain('"protocol.haip":"HAIP 1.0 (OpenID4VC haute assurance)"')
  })

  it("runs the pilots' own negatives in the column, refused on their check", () => {
    for (const [scenarioId, variantId, check] of [
      ['business-banking', 'untrusted-issuer', 'trust-registry'],
      ['death-notification', 'revoked-before-use', 'status'],
      // the honest answer before it went encrypted (direct_post.jwt): its vp_token, sent again, answers another nonce
      ['business-banking', 'replayed-nonce', 'nonce'],
    ] as const) {
      const result = cell(scenarioId, variantId)
      expect([variantId, result.status, result.failure?.reason]).toEqual([variantId, 'pass', undefined])
      expect(result.steps.at(-1)!.decision!.failedChecks).toContain(check)
    }
  })
})

describe('the HAIP negatives: each refused, naming its requirement', () => {
  it('covers unsigned request, wrong client id hash, request and credential chains, unencrypted response and missing DPoP in both pilots', () => {
    const covered = (scenarioId: string) =>
      NEGATIVES.filter(([s]) => s === scenarioId)
        .map(([, , , requirement]) => requirement)
        .sort()
    expect(covered('business-banking')).toEqual(['client-id', 'credential-chain', 'dpop', 'encrypted-response', 'request-chain', 'signed-request'])
    expect(covered('death-notification')).toEqual(['client-id', 'dpop', 'encrypted-response', 'request-chain', 'signed-request'])
  })

  it.each(NEGATIVES)('%s · %s: %s refused on %s', (scenarioId, variantId, stepId, requirement) => {
    // Mallory's requests are dc+sd-jwt ones; the other negatives run in both formats
    const formats = variantId === 'haip-unencrypted-response' || variantId === 'haip-missing-dpop' || variantId === 'haip-untrusted-credential-chain' ? ['dc+sd-jwt', 'mso_mdoc'] : ['dc+sd-jwt']
    for (const format of formats) {
      const result = cell(scenarioId, variantId, format)
      expect([format, result.status, result.failure?.reason]).toEqual([format, 'pass', undefined])
      expect(stepOf(result, stepId).expected?.requirement).toBe(requirement)
      expect(stepOf(result, stepId).requirements).toContain(requirement)
      expect(whereNamed(result, stepId, requirement), stepOf(result, stepId).summary).toBeDefined()
    }
    expect(HAIP_REQUIREMENTS[requirement].clause).toMatch(/^HAIP 1\.0 §/)
  })

  it("runs Mallory's request cases only where Mallory's verifier asks for the format (no mdoc), saying so", () => {
    const mdoc = cell('business-banking', 'haip-unsigned-request', 'mso_mdoc')
    expect(mdoc.status).toBe('unsupported')
    expect(mdoc.failure?.reason).toMatch(/^Mallory's verifier asks for .*dc\+sd-jwt.* only, not mso_mdoc$/)
  })
})

describe('what the column does not pass', () => {
  it('fails a cell whose refusal names another requirement than the variant expects', async () => {
    const variant = banking.variants.find((v) => v.id === 'haip-unencrypted-response')!
    const expectingAnother: Variant = { ...variant, expect: { 'open-business-account': { outcome: 'rejected', failedCheck: 'profile', requirement: 'signed-request' } } }
    const result = await runVariant(stack.endpoints, banking, expectingAnother, 'dc+sd-jwt', undefined, 'haip')
    expect(result.status).toBe('fail')
    expect(result.failure).toMatchObject({ stepId: 'open-business-account', role: 'verifier' })
    expect(result.failure!.reason).toMatch(/^expected rejected on profile \(requirement signed-request\), the verifier rejected \[.*profile.*\] naming requirement encrypted-response/)
  }, 60_000)

  it('keeps the HAIP variants out of the other columns', async () => {
    const { results: oid4vc } = await runMatrix(
      stack.endpoints,
      pilots.map((s) => ({ ...s, variants: s.variants.filter(isHaipVariant) })),
      { combinations: [{ protocol: 'oid4vc', format: 'dc+sd-jwt' }] },
    )
    const variants = oid4vc.filter((r) => r.variantId !== 'baseline')
    expect(variants.length).toBe(NEGATIVES.length)
    for (const result of variants) expect([result.status, result.failure?.reason]).toEqual(['unsupported', 'the variant applies only to the haip column'])
  }, 60_000)

  it('gives a party that does not speak HAIP an unsupported cell with the reason, and lets a targets file say one does', async () => {
    const lab = labParties(stack.endpoints)
    const { results: meeco } = await runMatrix({ issuer: [lab.issuer], wallet: [lab.wallet], verifier: [sdjwtCheckVerifier('meeco')] }, [banking], { combinations: [HAIP_COLUMN[0]!] })
    expect(meeco[0]!.status).toBe('unsupported')
    expect(meeco[0]!.failure?.reason).toMatch(/verifier sdjwt-check@meeco does not support dc\+sd-jwt over haip/)
    const declared = (profiles?: ['haip']) =>
      oid4vpHttpVerifier(
        'vendor',
        oid4vpHttpConfig.parse({ role: 'verifier', driver: 'oid4vp-http', url: stack.verifier.url, formats: ['dc+sd-jwt', 'jwt_vc_json'], profiles, request: 'manual' }),
        {},
        'parties.0',
      ).describe()
    expect((await declared()).protocols).toEqual({ oid4vc: ['dc+sd-jwt', 'jwt_vc_json'] })
    expect((await declared(['haip'])).protocols).toEqual({ oid4vc: ['dc+sd-jwt', 'jwt_vc_json'], haip: ['dc+sd-jwt'] })
  })
})
