import type { CredentialFormat } from '@interop-lab/common/credentialTypes'
import type { Ed25519Rates } from './ed25519'
import type { LoadResult, Phases } from './load'
import type { BenchService } from './serviceProtocol'

/** A target from the project's performance goals, and whether this row meets it. */
export interface TargetCheck {
  text: string
  met: boolean
  /** For a throughput target: the operations per second it asks for. */
  perSecond?: number
}

/** One line of the bench table. */
export interface BenchRow {
  section: string
  name: string
  concurrency?: number
  /** Operations that succeeded… */
  ops?: number
  /** …of those started (the same when absent). */
  attempted?: number
  /** Why the row has no figures: some of its operations failed or did not complete. A failed row is never a time. */
  failure?: string
  throughput?: number
  p50Ms?: number
  p99Ms?: number
  /** Signatures made and checked per operation, over every service process. */
  signsPerOp?: number
  verifiesPerOp?: number
  /** The most operations per second the machine's cores could do on signatures alone (raw node:crypto rates). */
  signatureCeiling?: number
  /** CPU milliseconds each service process spent per operation. */
  cpuMsPerOp?: Partial<Record<BenchService, number>>
  phases?: Phases
  target?: TargetCheck
  /** With `--against`: the other commit's row (same clients) to compare with when it has none of this name. */
  comparesWith?: string
  note?: string
  firstError?: string
}

export interface BenchOptions {
  quick: boolean
  /** Seconds and operations one load measurement may take. */
  maxSeconds: number
  maxOps: number
  concurrencies: number[]
  /** Credential formats the issuance and verification rows cover. */
  formats: CredentialFormat[]
  log: (line: string) => void
}

export interface BenchContext extends BenchOptions {
  rates: Ed25519Rates
}

/** The row of a load: its figures when every operation it started succeeded, otherwise failed with the count. */
export function rowFromLoad(section: string, name: string, result: LoadResult): BenchRow {
  const row: BenchRow = { section, name, concurrency: result.concurrency, ops: result.ops, attempted: result.attempted, firstError: result.firstError }
  const failure = failureOf(result.ops, result.attempted, result.firstError)
  if (failure) return { ...row, failure }
  return { ...row, throughput: result.throughput, p50Ms: result.p50Ms, p99Ms: result.p99Ms, phases: result.phases }
}

/** Why `succeeded` of `attempted` operations cannot stand as a measurement, or undefined when they all succeeded. */
export function failureOf(succeeded: number, attempted: number, firstError?: string): string | undefined {
  if (attempted === 0) return 'no operation ran'
  if (succeeded === attempted) return undefined
  return `${attempted - succeeded} of ${attempted} operations failed or did not complete${firstError ? `; first error: ${firstError}` : ''}`
}

/** `412/412`: operations that succeeded of those started. */
export const successCount = (row: BenchRow) => (row.ops === undefined ? '' : `${row.ops}/${row.attempted ?? row.ops}`)
