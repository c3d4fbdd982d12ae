import type { CredentialFormat } from '@interop-lab/common/credentialTypes'
import { type MatrixProtocol, protocolOf, formatLimit } from '@interop-lab/common/protocols'
import { specVersionMismatch } from '@interop-lab/common/specVersions'
import { holdLabClocks } from './clocks'
import { labParties } from './drivers/lab'
import type { MalloryVerifierDriver } from './drivers/malloryVerifier'
import type { RegistryAccess } from './registryChanges'
import { withPeerReason } from './drivers/peerReasons'
import type { Parties, Role } from './drivers/types'
import { type Scenario, type ScenarioStep, stepsFor, type Variant } from './scenario'
import { type Endpoints, PartyError, type RunContext, runStep, type StepFailure, type StepResult } from './steps'

export type { Endpoints, StepFailure, StepResult } from './steps'

/** `unsupported`: some party does not speak this protocol and format, so the variant was not run. */
export type RowStatus = 'pass' | 'fail' | 'unsupported'

/** Who plays each role in a variant (party keys from the scenario). */
export interface RowParties {
  issuer: string
  wallet: string
  verifier: string
}

/** Which implementation played each role (`lab`, `lab@<url>`, `oid4vci-http@<target>`). */
export type RowImplementations = Record<Role, string>

export interface VariantResult {
  scenarioId: string
  variantId: string
  format: CredentialFormat
  protocol: MatrixProtocol
  description: string
  status: RowStatus
  passed: boolean
  parties: RowParties
  implementations: RowImplementations
  /** The first failing step, who it is down to and why (or why the row is unsupported). */
  failure?: { stepId?: string; role?: StepFailure['role']; party?: string; reason: string }
  durationMs: number
  steps: StepResult[]
}

export type RunEvent =
  | { type: 'step-started'; scenarioId: string; variantId: string; format: CredentialFormat; protocol: MatrixProtocol; step: ScenarioStep }
  | { type: 'step-finished'; scenarioId: string; variantId: string; format: CredentialFormat; protocol: MatrixProtocol; result: StepResult }
  /** From the matrix: how many cells will run, then each cell as it starts and ends. */
  | { type: 'matrix-planned'; cells: number }
  | { type: 'cell-started'; scenarioId: string; variantId: string; format: CredentialFormat; protocol: MatrixProtocol }
  | { type: 'cell-finished'; scenarioId: string; variantId: string; format: CredentialFormat; protocol: MatrixProtocol; result: VariantResult }

const unique = (values: string[]) => [...new Set(values)].join(', ')

/** The issuers, holders and verifiers the variant's steps involve. */
export function partiesOf(steps: ScenarioStep[]): RowParties {
  return {
    issuer: unique(steps.flatMap((s) => (s.action === 'issue' ? [s.issuer] : s.action === 'register' ? [s.registrar] : []))),
    wallet: unique(steps.flatMap((s) => (s.action === 'issue' || s.action === 'register' || s.action === 'present' ? [s.holder] : []))),
    verifier: unique(steps.flatMap((s) => (s.action === 'present' ? [s.verifier] : []))),
  }
}

/** Who a failed step is down to: the party its driver call was made for, or the runner itself. */
function failureOfError(error: unknown): StepFailure {
  const message = error instanceof Error ? error.message : String(error)
  const mismatch = specVersionMismatch(message)
  const reason = mismatch ? `spec-version (${mismatch}): ${message}` : withPeerReason(message)
  return error instanceof PartyError ? { role: error.role, party: error.party, reason } : { role: 'registry', party: 'runner', reason }
}

/** The drivers for a run: given, or the lab's own services at these endpoints. */
export const partiesFor = (target: Endpoints | Parties): Parties => (typeof target.issuer === 'string' ? labParties(target as Endpoints) : (target as Parties))

export const implementationsOf = (parties: Parties): RowImplementations => ({
  issuer: parties.issuer.implementation,
  wallet: parties.wallet.implementation,
  verifier: parties.verifier.implementation,
})

/**
 * What a run may use besides the parties: the trust registry the variant's registry steps may change (each change is
 * undone when the variant ends), and Mallory's verifier, which makes the requests of present steps with a `requestCase`.
 */
export interface RunAids {
  registry?: RegistryAccess
  mallory?: MalloryVerifierDriver
}

/**
 * Runs one variant (or the scenario itself) in one protocol and format, step by step, each through the parties'
 * drivers over real HTTP (`target`: the drivers, or the endpoints of the lab's own services).
 */
export async function runVariant(
  target: Endpoints | Parties,
  scenario: Scenario,
  variant: Variant | undefined,
  format: CredentialFormat,
  onEvent: (event: RunEvent) => void = () => {},
  protocol: MatrixProtocol = protocolOf(format),
  { registry, mallory }: RunAids = {},
): Promise<VariantResult> {
  const started = performance.now()
  const variantId = variant?.id ?? 'baseline'
  const steps = stepsFor(scenario, variant)
  const holders = Object.entries(scenario.parties)
    .filter(([, p]) => p.role === 'holder')
    .map(([key]) => key)
  const parties = partiesFor(target)
  const context: RunContext = { parties, format, protocol, registry, registryChanges: [], mallory }
  const clocks = holdLabClocks()
  const results: StepResult[] = []
  try {
    // every run starts from empty wallets, so a credential from an earlier run cannot answer for this one
    await parties.wallet.reset(holders)
  } catch (error) {
    const reason = `The wallet ${parties.wallet.implementation} could not be emptied: ${error instanceof Error ? error.message : String(error)}`
    results.push({
      stepId: 'reset-wallet',
      action: 'wait',
      parties: holders,
      passed: false,
      durationMs: 0,
      summary: `failed: ${reason}`,
      failure: { role: 'wallet', party: holders.join(', '), reason },
    })
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
      const failure = failureOfError(error)
      result = { stepId: step.id, action: step.action, parties: [], passed: false, durationMs: performance.now() - stepStarted, summary: `failed: ${failure.reason}`, error: failure.reason, failure }
    }
    results.push(result)
    onEvent({ type: 'step-finished', scenarioId: scenario.id, variantId, format, protocol, result })
    if (!result.passed) break
  }
  // a registry changed for this variant is put back before the next one runs
  for (const change of context.registryChanges.reverse()) {
    await change.undo().catch((error: unknown) => {
      const reason = `The registry change could not be undone (${change.summary}): ${error instanceof Error ? error.message : String(error)}`
      results.push({
        stepId: 'undo-registry-change',
        action: 'registry',
        parties: [],
        passed: false,
        durationMs: 0,
        summary: `failed: ${reason}`,
        failure: { role: 'registry', party: 'runner', reason },
      })
    })
  }
  await clocks.release()
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
    implementations: implementationsOf(parties),
    failure: failed ? { stepId: failed.stepId, role: failed.failure?.role, party: failed.failure?.party, reason: failed.failure?.reason ?? failed.summary } : undefined,
    durationMs: performance.now() - started,
    steps: results,
  }
}

/** Where a row broke, for people: `step (role party): reason`, or why it was not run. */
export function describeFailure(result: Pick<VariantResult, 'failure'>): string {
  const failure = result.failure
  if (!failure) return ''
  const where = [failure.stepId, failure.party ? `(${[failure.role, failure.party].filter(Boolean).join(' ')})` : undefined].filter(Boolean).join(' ')
  return where ? `${where}: ${failure.reason}` : failure.reason
}

/** A row for a combination that was not run, and why. */
export function unsupportedRow(
  scenario: Scenario,
  variant: Variant | undefined,
  format: CredentialFormat,
  protocol: MatrixProtocol,
  reason: string,
  implementations: RowImplementations,
): VariantResult {
  return {
    scenarioId: scenario.id,
    variantId: variant?.id ?? 'baseline',
    format,
    protocol,
    description: variant?.description.en ?? scenario.name.en,
    status: 'unsupported',
    passed: false,
    parties: partiesOf(stepsFor(scenario, variant)),
    implementations,
    failure: { reason },
    durationMs: 0,
    steps: [],
  }
}

/** Every variant of every scenario in every format the variant applies to, each over the format's protocol. */
export async function runAll(target: Endpoints | Parties, scenarios: Scenario[], formats: CredentialFormat[], onEvent?: (event: RunEvent) => void): Promise<VariantResult[]> {
  const results: VariantResult[] = []
  const applies = (variant: Variant | undefined, format: CredentialFormat) =>
    (!variant?.formats || variant.formats.includes(format)) && (!variant?.protocols || variant.protocols.includes(protocolOf(format)))
  for (const scenario of scenarios) {
    for (const variant of [undefined, ...scenario.variants]) {
      for (const format of formats.filter((f) => applies(variant, f))) {
        results.push(await runVariant(target, scenario, variant, format, onEvent))
      }
    }
  }
  return results
}
