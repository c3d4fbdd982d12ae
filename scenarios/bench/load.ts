/** Milliseconds spent in each named phase of one operation (for a timing breakdown). */
export type Phases = Record<string, number>

export interface LoadOptions {
  /** Clients running operations back to back; client `i` always uses the same holder. */
  concurrency: number
  /** The run stops after this many operations… */
  maxOps: number
  /** …or after this long, whichever comes first. */
  maxSeconds: number
  /** Operations per client run before measuring (connections, JIT, caches). */
  warmupPerClient?: number
  /** An operation still running after this long counts as not completed (default OPERATION_TIMEOUT_MS). */
  operationTimeoutMs?: number
}

export const OPERATION_TIMEOUT_MS = 30_000

export interface LoadResult {
  concurrency: number
  /** Operations started, and those that succeeded (the latencies are theirs). */
  attempted: number
  ops: number
  firstError?: string
  seconds: number
  /** Successful operations per second. */
  throughput: number
  p50Ms: number
  p99Ms: number
  /** Mean milliseconds per phase, over successful operations. */
  phases: Phases
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}

export const timed = async <T>(phases: Phases, name: string, work: () => Promise<T>): Promise<T> => {
  const started = performance.now()
  try {
    return await work()
  } finally {
    phases[name] = (phases[name] ?? 0) + performance.now() - started
  }
}

/** `work`, or an error once it has run `ms` without completing (the work itself is left to finish on its own). */
async function withinTime(ms: number, work: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the operation did not complete within ${ms / 1000} s`)), ms)
  })
  try {
    await Promise.race([work, late])
  } finally {
    clearTimeout(timer)
  }
}

/** Runs `operation` from `concurrency` clients until the operation or time budget is spent; measures each call. */
export async function runLoad(options: LoadOptions, operation: (client: number, phases: Phases) => Promise<void>): Promise<LoadResult> {
  const warmup = options.warmupPerClient ?? 1
  const timeoutMs = options.operationTimeoutMs ?? OPERATION_TIMEOUT_MS
  await Promise.all(
    Array.from({ length: options.concurrency }, async (_, client) => {
      // a failing operation shows in the measured run's errors
      for (let i = 0; i < warmup; i++) await withinTime(timeoutMs, operation(client, {})).catch(() => undefined)
    }),
  )

  const latencies: number[] = []
  const phaseTotals: Phases = {}
  let started = 0
  let firstError: string | undefined
  const begin = performance.now()
  const deadline = begin + options.maxSeconds * 1000
  await Promise.all(
    Array.from({ length: options.concurrency }, async (_, client) => {
      while (started < options.maxOps && performance.now() < deadline) {
        started++
        const phases: Phases = {}
        const opStarted = performance.now()
        try {
          await withinTime(timeoutMs, operation(client, phases))
          latencies.push(performance.now() - opStarted)
          for (const [name, ms] of Object.entries(phases)) phaseTotals[name] = (phaseTotals[name] ?? 0) + ms
        } catch (error) {
          firstError ??= error instanceof Error ? error.message : String(error)
        }
      }
    }),
  )
  const seconds = (performance.now() - begin) / 1000
  latencies.sort((a, b) => a - b)
  const phases = Object.fromEntries(Object.entries(phaseTotals).map(([name, total]) => [name, total / Math.max(1, latencies.length)]))
  return {
    concurrency: options.concurrency,
    attempted: started,
    ops: latencies.length,
    firstError,
    seconds,
    throughput: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    phases,
  }
}
