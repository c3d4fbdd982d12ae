import type { CredentialFormat } from '../../common/credentialTypes'
import type { Ed25519Rates } from './ed25519'
import type { LoadResult, Phases } from './load'
import type { BenchService } from './serviceProtocol'

/** A target from the project's performance goals, and whether this row meets it. */
export interface TargetCheck {
  text: string
  met: boolean
}

/** One line of the bench table. */
export interface BenchRow {
  section: string
  name: string
  concurrency?: number
  ops?: number
  errors?: number
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

export const rowFromLoad = (section: string, name: string, result: LoadResult): BenchRow => ({
  section,
  name,
  concurrency: result.concurrency,
  ops: result.ops,
  errors: result.errors,
  throughput: result.throughput,
  p50Ms: result.p50Ms,
  p99Ms: result.p99Ms,
  phases: result.phases,
  firstError: result.firstError,
})
