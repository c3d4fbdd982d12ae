import type { CredentialFormat } from '../common/credentialTypes'
import { type Protocol, protocolOf, formatLimit } from '../common/protocols'
import { specVersionMismatch } from '../common/specVersions'
import { ServiceCallError } from './client'
import { type Scenario, type ScenarioStep, stepsFor, type Variant } from './scenario'
import { type Endpoints, type RunContext, runStep, type StepFailure, type StepResult } from './steps'

export type { Endpoints, StepFailure, StepResult } from './steps'

/** `unsupported`: some party does not speak this protocol and format, so the variant was not run. */
export type RowStatus = 'pass' | 'fail' | 'unsupported'

/** Who plays each role in a variant (party keys from the scenario). */
export interface RowParties {
  issuer: string
  wallet: string
  verifier: string
}

export interface VariantResult {
  scenarioId: string
  variantId: string
  format: CredentialFormat
  protocol: Protocol
  description: string
  status: RowStatus
  passed: boolean
  parties: RowParties
  /** The first failing step, who it is down to and why (or why the row is unsupported). */
  failure?: { stepId?: string; role?: StepFailure['role']; party?: string; reason: string }
  durationMs: number
  steps: StepResult[]
}

export type RunEvent =
  | { type: 'step-started'; scenarioId: string; variantId: string; format: CredentialFormat; protocol: Protocol; step: ScenarioStep }
  | { type: 'step-finished'; scenarioId: string; variantId: string; format: CredentialFormat; protocol: Protocol; result: StepResult }

const unique = (values: string[]) => [...new Set(values)].join(', ')

/** The issuers, holders and verifiers the variant's steps involve. */
export function partiesOf(steps: ScenarioStep[]): RowParties {
  return {
    issuer: unique(steps.flatMap((s) => (s.action === 'issue' ? [s.issuer] : s.action === 'register' ? [s.registrar] : []))),
    wallet: unique(steps.flatMap((s) => (s.action === 'issue' || s.action === 'register' || s.action === 'present' ? [s.holder] : []))),
    verifier: unique(steps.flatMap((s) => (s.action === 'present' ? [s.verifier] : []))),
  }
}

/** Which party a failed call to a service is down to: the step's party in that service's role. */
function failureOfError(endpoints: Endpoints, step: ScenarioStep, error: unknown): StepFailure {
  const message = error instanceof Error ? error.message : String(error)
  const mismatch = specVersionMismatch(message)
  const reason = mismatch ? `spec-version (${mismatch}): ${message}` : message
  const url = error instanceof ServiceCallError ? error.url : ''
  const role = url.startsWith(endpoints.wallet) ? 'wallet' : url.startsWith(endpoints.verifier) ? 'verifier' : url.startsWith(endpoints.issuer) ? 'issuer' : undefined
  const party =
    role === 'wallet' && 'holder' in step
      ? step.holder
      : role === 'verifier' && step.action === 'present'
        ? step.verifier
        : role === 'issuer'
          ? step.action === 'issue'
            ? step.issuer
            : step.action === 'certify'
              ? step.certifier
              : 'registrar' in step
                ? step.registrar
                : 'issuer'
          : (role ?? 'runner')
  return { role: role ?? 'registry', party, reason }
}

/** Runs one variant (or the scenario itself) in one protocol and format, step by step, each over real HTTP. */
export async function runVariant(
  endpoints: Endpoints,
  scenario: Scenario,
  variant: Variant | undefined,
  format: CredentialFormat,
  onEvent: (event: RunEvent) => void = () => {},
  protocol: Protocol = protocolOf(format),
): Promise<VariantResult> {
  const started = performance.now()
  const variantId = variant?.id ?? 'baseline'
  const steps = stepsFor(scenario, variant)
  const holders = Object.entries(scenario.parties).filter(([, p]) => p.role === 'holder').map(([key]) => key)
  const context: RunContext = { endpoints, format, protocol }
  const results: StepResult[] = []
  try {
    // every run starts from empty wallets, so a credential from an earlier run cannot answer for this one
    for (const holder of holders) await fetch(`${endpoints.wallet}/personas/${holder}/credentials`, { method: 'DELETE' })
  } catch (error) {
    results.push({ stepId: 'reset-wallet', action: 'wait', parties: holders, passed: false, durationMs: 0, summary: `failed: the wallet at ${endpoints.wallet} could not be reached`, failure: { role: 'wallet', party: holders.join(', '), reason: `The wallet could not be reached: ${String(error)}` } })
  }
  for (const step of results.length ? [] : steps) {
    onEvent({ type: 'step-started', scenarioId: scenario.id, variantId, format, protocol, step })
    const stepStarted = performance.now()
    let result: StepResult
    const limit = step.action === 'present' ? formatLimit(format, step.expect.failedCheck) : undefined
    if (limit && step.action === 'present') {
      // a step that shows what the format cannot (a revoked credential's rejection, without revocation): shown, not run
      result = { stepId: step.id, action: step.action, parties: [step.holder, step.verifier], passed: true, durationMs: 0, summary: `not applicable to ${format}: ${limit}` }
      results.push(result)
      onEvent({ type: 'step-finished', scenarioId: scenario.id, variantId, format, protocol, result })
      continue
    }
    try {
      result = { ...(await runStep(context, step)), durationMs: performance.now() - stepStarted }
    } catch (error) {
      const failure = failureOfError(endpoints, step, error)
      result = { stepId: step.id, action: step.action, parties: [], passed: false, durationMs: performance.now() - stepStarted, summary: `failed: ${failure.reason}`, error: failure.reason, failure }
    }
    results.push(result)
    onEvent({ type: 'step-finished', scenarioId: scenario.id, variantId, format, protocol, result })
    if (!result.passed) break
  }
  const passed = results.length === steps.length && results.every((r) => r.passed)
  const failed = results.find((r) => !r.passed)
  return {
    scenarioId: scenario.id,
    variantId,
    format,
    protocol,
    description: variant?.description.en ?? scenario.name.en,
    status: passed ? 'pass' : 'fail',
    passed,
    parties: partiesOf(steps),
    failure: failed ? { stepId: failed.stepId, role: failed.failure?.role, party: failed.failure?.party, reason: failed.failure?.reason ?? failed.summary } : undefined,
    durationMs: performance.now() - started,
    steps: results,
  }
}

/** Where a row broke, for people: `step (role party): reason`, or why it was not run. */
export function describeFailure(result: VariantResult): string {
  const failure = result.failure
  if (!failure) return ''
  const where = [failure.stepId, failure.party ? `(${[failure.role, failure.party].filter(Boolean).join(' ')})` : undefined].filter(Boolean).join(' ')
  return where ? `${where}: ${failure.reason}` : failure.reason
}

/** A row for a combination that was not run, and why. */
export function unsupportedRow(scenario: Scenario, variant: Variant | undefined, format: CredentialFormat, protocol: Protocol, reason: string): VariantResult {
  return {
    scenarioId: scenario.id,
    variantId: variant?.id ?? 'baseline',
    format,
    protocol,
    description: variant?.description.en ?? scenario.name.en,
    status: 'unsupported',
    passed: false,
    parties: partiesOf(stepsFor(scenario, variant)),
    failure: { reason },
    durationMs: 0,
    steps: [],
  }
}

/** Every variant of every scenario in every format the variant applies to, each over the format's protocol. */
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
