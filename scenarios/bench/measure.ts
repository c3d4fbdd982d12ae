import type { StackStats } from './benchStack'
import { signatureCeiling } from './ed25519'
import { type LoadOptions, type Phases, runLoad } from './load'
import { type BenchContext, type BenchRow, rowFromLoad, successCount } from './rows'
import type { BenchService } from './serviceProtocol'

/** The processes whose CPU and signatures count toward a measurement. */
export interface StatsSource {
  stats(): Promise<Partial<StackStats>>
}

/** What the service processes spent between two snapshots, per operation. */
export function costPerOp(
  before: Partial<StackStats>,
  after: Partial<StackStats>,
  ops: number,
  context: BenchContext,
): Pick<BenchRow, 'signsPerOp' | 'verifiesPerOp' | 'signatureCeiling' | 'cpuMsPerOp'> {
  const deltas = (Object.keys(after) as BenchService[]).flatMap((service) => {
    const [from, to] = [before[service], after[service]]
    return from && to ? [{ service, sign: to.signatures.sign - from.signatures.sign, verify: to.signatures.verify - from.signatures.verify, cpuMs: to.cpuMs - from.cpuMs }] : []
  })
  const per = (value: number) => value / Math.max(1, ops)
  const signsPerOp = per(deltas.reduce((sum, d) => sum + d.sign, 0))
  const verifiesPerOp = per(deltas.reduce((sum, d) => sum + d.verify, 0))
  return {
    signsPerOp,
    verifiesPerOp,
    signatureCeiling: signatureCeiling(context.rates, signsPerOp, verifiesPerOp),
    cpuMsPerOp: Object.fromEntries(deltas.map((d) => [d.service, per(d.cpuMs)])),
  }
}

/** Runs a load against the stack and returns its row, with the signatures and CPU the services spent on it. */
export async function measureLoad(
  stack: StatsSource,
  context: BenchContext,
  label: { section: string; name: string },
  load: Omit<LoadOptions, 'maxOps' | 'maxSeconds'> & Partial<Pick<LoadOptions, 'maxOps' | 'maxSeconds'>>,
  operation: (client: number, phases: Phases) => Promise<void>,
): Promise<BenchRow> {
  const options: LoadOptions = { maxOps: context.maxOps, maxSeconds: context.maxSeconds, ...load }
  // warm up outside the counted window, then count only the measured operations
  await runLoad({ ...options, maxOps: 0 }, operation)
  const before = await stack.stats()
  const result = await runLoad({ ...options, warmupPerClient: 0 }, operation)
  const after = await stack.stats()
  const row = rowFromLoad(label.section, label.name, result)
  const ok = `${successCount(row)} ok`
  if (row.failure) {
    context.log(`  ${label.name} c=${result.concurrency}: FAILED (${ok}): ${row.failure}`)
    return row
  }
  context.log(`  ${label.name} c=${result.concurrency}: ${result.throughput.toFixed(1)}/s p50 ${result.p50Ms.toFixed(1)} ms p99 ${result.p99Ms.toFixed(1)} ms (${ok})`)
  return { ...row, ...costPerOp(before, after, result.ops, context) }
}
