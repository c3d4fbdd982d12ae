import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runMatrix } from '@interop-lab/scenarios/matrix'
import type { VariantResult } from '@interop-lab/scenarios/runner'
import { loadScenarios } from '@interop-lab/scenarios/scenario'
import { startTestStack } from './support/stack'

// Both pilots over DIDComm v1 with AnonCreds (issue-credential v2 / present-proof v2, anoncreds format), on real
// services over HTTP; the issuers import stored credential definitions (tests/fixtures/anoncreds/issuers).
const ANONCREDS = [{ protocol: 'didcomm' as const, format: 'anoncreds' as const }]
// every business-banking variant; of the death pilot's, those that add to them (the rest run in `npm run pilots`)
const DEATH_VARIANTS = ['tampered-raw-value', 'revoked-before-use']
const scenarios = loadScenarios().map((s) => (s.id === 'death-notification' ? { ...s, variants: s.variants.filter((v) => DEATH_VARIANTS.includes(v.id)) } : s))

let stack: Awaited<ReturnType<typeof startTestStack>>
let rows: VariantResult[]
const timings: Record<string, number> = {}

const row = (scenarioId: string, variantId: string) => rows.find((r) => r.scenarioId === scenarioId && r.variantId === variantId)!
const step = (result: VariantResult, stepId: string) => result.steps.find((s) => s.stepId === stepId)!

beforeAll(async () => {
  stack = await startTestStack()
  const started = performance.now()
  ;({ results: rows } = await runMatrix(stack.endpoints, scenarios, { combinations: ANONCREDS }))
  timings.matrix = Math.round(performance.now() - started)
}, 180_000)

afterAll(async () => {
  const issue = rows?.flatMap((r) => r.steps.filter((s) => s.action === 'issue').map((s) => s.durationMs)) ?? []
  const present = rows?.flatMap((r) => r.steps.filter((s) => s.action === 'present' && s.decision?.outcome === 'accepted').map((s) => s.durationMs)) ?? []
  const median = (values: number[]) => Math.round([...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0)
  console.info(`[anoncreds pilots, ms] matrix ${timings.matrix}, issue p50 ${median(issue)}, accepted presentation p50 ${median(present)}`)
  await stack?.close()
})

describe('both pilots over DIDComm with AnonCreds (predicates, selective disclosure)', () => {
  it('passes the business-banking baseline: claims revealed, registration date and age proven as predicates', () => {
    const baseline = row('business-banking', 'baseline')
    expect(baseline.status, baseline.failure?.reason).toBe('pass')
    const decision = step(baseline, 'open-business-account').decision!
    expect(decision.outcome).toBe('accepted')
    const predicates = decision.trace.filter((t) => t.check === 'predicates')
    expect(predicates.map((t) => [t.subject, t.passed])).toEqual([
      ['business', true],
      ['person', true],
    ])
    expect(predicates[0].message).toMatch(/^registration_date <= \d{8}: proven without revealing the value/)
    expect(decision.trace.filter((t) => t.check === 'trust-registry').every((t) => t.passed)).toBe(true)
    expect(decision.trace.filter((t) => t.check === 'encoding').map((t) => t.passed)).toEqual([true, true])
    // selective disclosure: the dates behind the predicates are not disclosed
    expect(decision.disclosed.business.legal_name).toBe('Tremblay Maple Syrup Ltd.')
    expect(decision.disclosed.business).not.toHaveProperty('registration_date')
    expect(decision.disclosed.person).not.toHaveProperty('birth_date')
  })

  it('passes the death-notification baseline; the revoked-proof step is shown as not applicable (no revocation in WASM)', () => {
    const baseline = row('death-notification', 'baseline')
    expect(baseline.status, baseline.failure?.reason).toBe('pass')
    expect(step(baseline, 'prove-death-to-bank').decision?.outcome).toBe('accepted')
    expect(step(baseline, 'prove-death-to-revenue-agency').decision?.outcome).toBe('accepted')
    expect(step(baseline, 'correct-registration').summary).toMatch(/revocation is not supported on the WASM backend/)
    expect(step(baseline, 'bank-rejects-revoked-proof').summary).toMatch(/^not applicable to anoncreds: AnonCreds revocation is not supported/)
  })

  it('rejects a tampered raw value on the encoding check, in both pilots', () => {
    for (const [scenarioId, stepId] of [
      ['business-banking', 'open-business-account'],
      ['death-notification', 'prove-death-to-bank'],
    ]) {
      const result = row(scenarioId, 'tampered-raw-value')
      expect(result.status, result.failure?.reason).toBe('pass')
      const decision = step(result, stepId).decision!
      expect(decision.failedChecks).toEqual(['encoding'])
      expect(decision.reasons[0]).toMatch(/does not encode to the value the issuer signed/)
    }
  })

  it('rejects an unsatisfied predicate (an under-age representative) and a replayed proof (wrong nonce)', () => {
    const underAge = row('business-banking', 'under-age-representative')
    expect(underAge.status, underAge.failure?.reason).toBe('pass')
    expect(step(underAge, 'open-business-account').walletOutcome).toMatchObject({ submitted: false, check: 'predicates', error: expect.stringMatching(/birth_date <= \d{8}/) })

    const replayed = row('business-banking', 'replayed-nonce')
    expect(replayed.status, replayed.failure?.reason).toBe('pass')
    const decision = step(replayed, 'open-business-account').decision!
    expect(decision.failedChecks).toContain('nonce')
    expect(decision.reasons[0]).toMatch(/made for an earlier request .* a replay/)
  })

  it('rejects an altered proof on the signature and an unknown issuer on the trust registry, like the other formats', () => {
    for (const [scenarioId, variantId, check] of [
      ['business-banking', 'tampered-credential', 'signature'],
      ['business-banking', 'untrusted-issuer', 'trust-registry'],
    ]) {
      const result = row(scenarioId, variantId)
      expect(result.status, `${variantId}: ${result.failure?.reason}`).toBe('pass')
      expect(result.steps.at(-1)!.decision?.failedChecks).toContain(check)
    }
  })

  it('reports what AnonCreds cannot show as unsupported with a reason, never as a failure', () => {
    const expected: Record<string, RegExp> = {
      'business-banking/expired-credential': /no expiry date/,
      'business-banking/wrong-holder-key': /link secret/,
      'business-banking/missing-claim': /applies only to dc\+sd-jwt/,
      'death-notification/revoked-before-use': /revocation is not supported on the WASM backend/,
    }
    for (const [id, reason] of Object.entries(expected)) {
      const [scenarioId, variantId] = id.split('/')
      const result = row(scenarioId, variantId)
      expect(result.status).toBe('unsupported')
      expect(result.failure?.reason).toMatch(reason)
    }
    expect(rows.filter((r) => r.status === 'fail').map((r) => `${r.scenarioId}/${r.variantId}: ${r.failure?.reason}`)).toEqual([])
  })
})
