import type { CredentialFormat } from '../common/credentialTypes'
import type { Decision } from '../verifier/decision'
import type { PresentationOutcome } from '../wallet-sim/wallet'
import { callJson } from './client'
import { type IssueStep, type PresentStep, type Scenario, type ScenarioStep, stepsFor, type Variant } from './scenario'

/** Where the parties of a scenario live: local services or another jurisdiction's URLs. */
export interface Endpoints {
  issuer: string
  wallet: string
  verifier: string
  adminApiKey: string
}

export interface StepResult {
  stepId: string
  action: ScenarioStep['action']
  parties: string[]
  passed: boolean
  durationMs: number
  /** What happened, in a sentence. */
  summary: string
  expected?: PresentStep['expect']
  decision?: Decision
  walletOutcome?: PresentationOutcome
  error?: string
}

export interface VariantResult {
  scenarioId: string
  variantId: string
  format: CredentialFormat
  description: string
  passed: boolean
  durationMs: number
  steps: StepResult[]
}

export type RunEvent = { type: 'step-started'; scenarioId: string; variantId: string; format: CredentialFormat; step: ScenarioStep } | { type: 'step-finished'; scenarioId: string; variantId: string; format: CredentialFormat; result: StepResult }

interface Verification {
  id: string
  requestUri: string
}

async function issue(endpoints: Endpoints, step: IssueStep, format: CredentialFormat): Promise<Omit<StepResult, 'durationMs'>> {
  const offer = await callJson<{ offerUri: string; txCode?: string }>(
    'POST',
    `${endpoints.issuer}/issuers/${step.issuer}/offers`,
    {
      credentialType: step.credentialType,
      format,
      claims: step.claims,
      validUntil: step.validForSeconds ? new Date(Date.now() + step.validForSeconds * 1000).toISOString() : undefined,
    },
    endpoints.adminApiKey,
  )
  const { credentials } = await callJson<{ credentials: { id: string }[] }>('POST', `${endpoints.wallet}/personas/${step.holder}/offers`, {
    offerUri: offer.offerUri,
    txCode: offer.txCode,
  })
  return {
    stepId: step.id,
    action: 'issue',
    parties: [step.issuer, step.holder],
    passed: credentials.length > 0,
    summary: `${step.issuer} issued ${step.credentialType} (${format}) to ${step.holder}`,
  }
}

async function wait(stepId: string, seconds: number): Promise<Omit<StepResult, 'durationMs'>> {
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
  return { stepId, action: 'wait', parties: [], passed: true, summary: `${seconds} s pass` }
}

async function present(endpoints: Endpoints, step: PresentStep, format: CredentialFormat): Promise<Omit<StepResult, 'durationMs'>> {
  const verification = await callJson<Verification>('POST', `${endpoints.verifier}/verifications`, { policyId: step.policy, format })
  const walletOutcome = await callJson<PresentationOutcome>('POST', `${endpoints.wallet}/personas/${step.holder}/presentations`, {
    requestUri: verification.requestUri,
    fault: step.fault,
  })
  const { decision } = await callJson<{ decision?: Decision }>('GET', `${endpoints.verifier}/verifications/${verification.id}`)
  const outcome = decision?.outcome ?? 'rejected'
  const failedChecks: string[] = decision?.failedChecks ?? (walletOutcome.submitted ? ['response'] : ['claims'])
  const passed = outcome === step.expect.outcome && (step.expect.failedCheck === undefined || failedChecks.includes(step.expect.failedCheck))
  const why = decision ? decision.reasons[0] : `the wallet did not answer: ${walletOutcome.error}`
  return {
    stepId: step.id,
    action: 'present',
    parties: [step.holder, step.verifier],
    passed,
    summary: `${step.verifier} ${outcome} ${step.holder}'s presentation${step.fault ? ` (fault: ${step.fault.kind})` : ''}${outcome === 'rejected' ? `: ${why}` : ''}`,
    expected: step.expect,
    decision,
    walletOutcome,
  }
}

/** Runs one variant (or the scenario itself) in one credential format, step by step, each over real HTTP. */
export async function runVariant(
  endpoints: Endpoints,
  scenario: Scenario,
  variant: Variant | undefined,
  format: CredentialFormat,
  onEvent: (event: RunEvent) => void = () => {},
): Promise<VariantResult> {
  const started = performance.now()
  const variantId = variant?.id ?? 'baseline'
  const holders = new Set(Object.entries(scenario.parties).filter(([, p]) => p.role === 'holder').map(([key]) => key))
  // every run starts from empty wallets, so a credential from an earlier variant cannot answer for this one
  for (const holder of holders) await callJson('DELETE', `${endpoints.wallet}/personas/${holder}/credentials`)

  const results: StepResult[] = []
  for (const step of stepsFor(scenario, variant)) {
    onEvent({ type: 'step-started', scenarioId: scenario.id, variantId, format, step })
    const stepStarted = performance.now()
    let result: StepResult
    try {
      const outcome =
        step.action === 'issue'
          ? await issue(endpoints, step, format)
          : step.action === 'present'
            ? await present(endpoints, step, format)
            : await wait(step.id, step.seconds)
      result = { ...outcome, durationMs: performance.now() - stepStarted }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      result = { stepId: step.id, action: step.action, parties: [], passed: false, durationMs: performance.now() - stepStarted, summary: `failed: ${message}`, error: message }
    }
    results.push(result)
    onEvent({ type: 'step-finished', scenarioId: scenario.id, variantId, format, result })
    if (!result.passed) break
  }
  return {
    scenarioId: scenario.id,
    variantId,
    format,
    description: variant?.description.en ?? scenario.name.en,
    passed: results.every((r) => r.passed) && results.length === stepsFor(scenario, variant).length,
    durationMs: performance.now() - started,
    steps: results,
  }
}

/** Every variant of every scenario in every format the variant applies to. */
export async function runAll(endpoints: Endpoints, scenarios: Scenario[], formats: CredentialFormat[], onEvent?: (event: RunEvent) => void): Promise<VariantResult[]> {
  const results: VariantResult[] = []
  for (const scenario of scenarios) {
    for (const variant of [undefined, ...scenario.variants]) {
      for (const format of formats.filter((f) => !variant?.formats || variant.formats.includes(f))) {
        results.push(await runVariant(endpoints, scenario, variant, format, onEvent))
      }
    }
  }
  return results
}
