import { CREDENTIAL_FORMATS } from '@interop-lab/common/credentialTypes'
import { runVariant } from '../runner'
import { loadScenarios } from '../scenario'
import type { BenchStack } from './benchStack'
import { percentile } from './load'
import { type BenchContext, type BenchRow, failureOf, successCount } from './rows'

export const PILOT_TARGET_MS = 1000
const SECTION = 'Pilots end to end (baseline, scenario runner over HTTP)'

/** Each pilot's baseline, end to end through the scenario runner, in each format: wall time and the slowest steps. */
export async function measurePilots(stack: BenchStack, context: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = []
  const repetitions = context.quick ? 2 : 5
  for (const scenario of loadScenarios()) {
    for (const format of CREDENTIAL_FORMATS) {
      const times: number[] = []
      const stepTotals = new Map<string, number>()
      let passed = 0
      let failure: string | undefined
      // one unmeasured run first: the stack's first use of a policy or list pays one-off costs
      for (let run = 0; run <= repetitions; run++) {
        const result = await runVariant(stack.endpoints, scenario, undefined, format)
        if (!result.passed) failure ??= result.steps.find((s) => !s.passed)?.summary ?? 'failed'
        if (run === 0) continue
        if (result.passed) passed++
        times.push(result.durationMs)
        for (const step of result.steps) stepTotals.set(step.stepId, (stepTotals.get(step.stepId) ?? 0) + step.durationMs)
      }
      const row: BenchRow = { section: SECTION, name: `${scenario.id} ${format}`, concurrency: 1, ops: passed, attempted: repetitions }
      // a run that stopped at a failing step is not a time (an AnonCreds run stopped at its first step took 5 ms)
      const rowFailure = failureOf(passed, repetitions, failure) ?? (failure && `the unmeasured first run failed: ${failure}`)
      if (rowFailure) {
        rows.push({ ...row, failure: rowFailure })
        context.log(`  ${scenario.id} ${format}: FAILED (${successCount(row)} ok): ${rowFailure}`)
        continue
      }
      times.sort((a, b) => a - b)
      const slowest = [...stepTotals]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([id, total]) => `${id} ${(total / repetitions).toFixed(0)} ms`)
      const p50 = percentile(times, 50)
      rows.push({
        ...row,
        p50Ms: p50,
        p99Ms: times[times.length - 1],
        phases: Object.fromEntries([...stepTotals].map(([id, total]) => [id, total / repetitions])),
        target: { text: `< ${PILOT_TARGET_MS} ms`, met: times[times.length - 1] < PILOT_TARGET_MS },
        note: `slowest steps: ${slowest.join(', ')}`,
      })
      context.log(`  ${scenario.id} ${format}: median ${p50.toFixed(0)} ms, max ${times[times.length - 1].toFixed(0)} ms (${successCount(row)} ok; ${slowest.join(', ')})`)
    }
  }
  return rows
}
