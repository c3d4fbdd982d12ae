import type { Capabilities } from '@interop-lab/common/protocols'
import type { BenchStack } from './benchStack'
import type { BenchService } from './serviceProtocol'

/** How the service processes stood before the clock started. */
export interface QuietCheck {
  /** Seconds spent waiting for the issuer's AnonCreds credential definitions (0: imported, or made in an earlier run). */
  anonCredsWaitSeconds: number
  /** CPU each service process used while nothing was asked of it, in % of one core. */
  idleCpuPercent: Partial<Record<BenchService, number>>
}

/** A service using more than this while idle is doing background work that would be counted against the operations. */
export const IDLE_CPU_LIMIT_PERCENT = 10
const IDLE_SAMPLE_MS = 1000

/**
 * No background work in the service processes once the clock starts: waits until the issuer has every AnonCreds
 * credential definition (imported at start on a local lab; generated once otherwise), then checks that each process
 * is idle when no load runs.
 */
export async function waitUntilQuiet(stack: BenchStack, log: (line: string) => void): Promise<QuietCheck> {
  const started = performance.now()
  let last = ''
  for (;;) {
    const { pending } = (await (await fetch(`${stack.endpoints.issuer}/capabilities`)).json()) as Capabilities
    if (!pending?.anoncreds) break
    if (pending.anoncreds.includes('generation failed')) throw new Error(`The issuer cannot be measured: ${pending.anoncreds}`)
    if (pending.anoncreds !== last) log(`  waiting before the clock starts: ${pending.anoncreds}`)
    last = pending.anoncreds
    await new Promise((resolve) => setTimeout(resolve, 2000))
  }
  const before = await stack.stats()
  await new Promise((resolve) => setTimeout(resolve, IDLE_SAMPLE_MS))
  const after = await stack.stats()
  const idleCpuPercent = Object.fromEntries(
    (Object.keys(after) as BenchService[]).map((service) => [service, Math.round((1000 * (after[service].cpuMs - before[service].cpuMs)) / IDLE_SAMPLE_MS) / 10]),
  )
  const busy = Object.entries(idleCpuPercent).filter(([, percent]) => percent > IDLE_CPU_LIMIT_PERCENT)
  if (busy.length) log(`  ! busy while idle (background work would count against the operations): ${busy.map(([s, p]) => `${s} ${p}%`).join(', ')}`)
  return { anonCredsWaitSeconds: Math.round((performance.now() - started) / 100) / 10, idleCpuPercent }
}
