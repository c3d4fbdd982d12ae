import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runVariant } from '@interop-lab/scenarios/runner'
import { loadScenarios } from '@interop-lab/scenarios/scenario'
import { startTestStack } from './support/stack'

const scenario = loadScenarios().find((s) => s.id === 'business-banking')!
let stack: Awaited<ReturnType<typeof startTestStack>>

beforeAll(async () => {
  // the expired-credential variant's 5 s pass on the stack's clock, moved instead of slept
  stack = await startTestStack({ controllableClock: true })
})
afterAll(async () => {
  await stack?.close()
})

const decisionOf = (result: Awaited<ReturnType<typeof runVariant>>) => result.steps.find((s) => s.stepId === 'open-business-account')?.decision

describe.each(['dc+sd-jwt', 'jwt_vc_json'] as const)('business banking over OID4VC in %s', (format) => {
  it('opens the account when both credentials verify and the issuers are authorized', async () => {
    const result = await runVariant(stack.endpoints, scenario, undefined, format)
    expect(result.steps.map((s) => [s.stepId, s.passed])).toEqual([
      ['issue-business-registration', true],
      ['issue-verified-person', true],
      ['open-business-account', true],
    ])
    const decision = decisionOf(result)!
    expect(decision.outcome).toBe('accepted')
    expect(decision.disclosed.business.legal_name).toBe('Tremblay Maple Syrup Ltd.')
    expect(decision.disclosed.person.family_name).toBe('Tremblay')
    const trust = decision.trace.filter((step) => step.check === 'trust-registry')
    expect(trust).toHaveLength(2)
    expect(trust.every((step) => step.passed)).toBe(true)
    if (format === 'dc+sd-jwt') {
      // selective disclosure: the bank asked for no birth date, so none was disclosed
      expect(decision.disclosed.person.birth_date).toBeUndefined()
      expect(decision.disclosed.business.business_type).toBeUndefined()
    }
  })

  it.each([
    ['untrusted-issuer', 'trust-registry', /not authorized|not registered|unknown/i],
    ['tampered-credential', 'signature', /signature/i],
    ['expired-credential', 'expiry', /expired/i],
    ['wrong-holder-key', 'holder-binding', /not signed by/i],
    ['replayed-nonce', 'nonce', /another request|nonce/i],
    ['missing-claim', 'claims', /satisfy|missing/i],
  ])('rejects the %s variant on the %s check', async (variantId, check, reason) => {
    const variant = scenario.variants.find((v) => v.id === variantId)!
    if (variant.formats && !variant.formats.includes(format)) return
    const result = await runVariant(stack.endpoints, scenario, variant, format)
    const decision = decisionOf(result)!
    expect(decision.outcome).toBe('rejected')
    expect(decision.failedChecks).toContain(check)
    expect(decision.reasons.join(' ')).toMatch(reason)
    expect(result.passed).toBe(true)
  })
})
