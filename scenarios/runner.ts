import type { CredentialFormat } from '../common/credentialTypes'
import { type Scenario, type ScenarioStep, stepsFor, type Variant } from './scenario'
import { type Endpoints, type RunContext, runStep, type StepResult } from './steps'

export type { Endpoints, StepResult } from './steps'

export interface VariantResult {
  scenarioId: string
  variantId: string
  format: CredentialFormat
  description: string
  passed: boolean
  durationMs: number
  steps: StepResult[]
}

export type RunEvent =
  | { type: 'step-started'; scenarioId: string; variantId: string; format: CredentialFormat; step: ScenarioStep }
  | { type: 'step-finished'; scenarioId: string; variantId: string; format: CredentialFormat; result: StepResult }

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
  const steps = stepsFor(scenario, variant)
  const holders = Object.entries(scenario.parties).filter(([, p]) => p.role === 'holder').map(([key]) => key)
  // every run starts from empty wallets, so a credential from an earlier run cannot answer for this one
  for (const holder of holders) await fetch(`${endpoints.wallet}/personas/${holder}/credentials`, { method: 'DELETE' })

  const context: RunContext = { endpoints, format }
  const results: StepResult[] = []
  for (const step of steps) {
    onEvent({ type: 'step-started', scenarioId: scenario.id, variantId, format, step })
    const stepStarted = performance.now()
    let result: StepResult
    try {
      result = { ...(await runStep(context, step)), durationMs: performance.now() - stepStarted }
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
    passed: results.length === steps.length && results.every((r) => r.passed),
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
