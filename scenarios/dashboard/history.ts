import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DomainError } from '@interop-lab/common/errors'
import { MANIFEST } from '../evidence/bundle'
import { EvidenceError, verifyEvidence } from '../evidence/verify'
import { redactReport, type ReportedResult, type RunReport } from '../report'

/** A past run as its evidence bundle tells it, and whether the bundle still verifies. */
export interface PastRun {
  runId: string
  startedAt: string
  finishedAt: string
  passed: number
  failed: number
  unsupported: number
  verified: boolean
  /** Why the bundle does not verify (the file and check), when it does not. */
  problem?: string
}

export type ChangeKind = 'regressed' | 'fixed' | 'changed' | 'added' | 'removed'

/** One cell of the matrix whose result differs between two runs. */
export interface CellChange {
  kind: ChangeKind
  scenarioId: string
  variantId: string
  protocol: string
  format: string
  before?: ReportedResult['status']
  after?: ReportedResult['status']
  /** Why the cell is as it is now (its failure or why it did not run), or why it was before when it is gone. */
  reason?: string
}

export interface RunDiff {
  from: string
  to: string
  changes: CellChange[]
}

const RUN_ID = /^[A-Za-z0-9-]{1,100}$/
/** Regressions come first: they are what a council asks about. */
const ORDER: ChangeKind[] = ['regressed', 'fixed', 'changed', 'added', 'removed']

/** The runs recorded under `<reportsDir>/evidence/`, newest first. */
export async function listPastRuns(evidenceDir: string): Promise<PastRun[]> {
  const ids = await readdir(evidenceDir).catch(() => [] as string[])
  const runs = await Promise.all(
    ids
      .filter((id) => RUN_ID.test(id))
      .map(async (runId): Promise<PastRun | undefined> => {
        const dir = join(evidenceDir, runId)
        const manifest = await readFile(join(dir, MANIFEST), 'utf8').then(
          (text) => JSON.parse(text) as { run: Omit<PastRun, 'runId' | 'verified'> },
          () => undefined,
        )
        if (!manifest) return undefined
        const problem = await verifyEvidence(dir).then(
          () => undefined,
          (error: unknown) => (error instanceof Error ? error.message : String(error)),
        )
        const { startedAt, finishedAt, passed, failed, unsupported } = manifest.run
        return { runId, startedAt, finishedAt, passed, failed, unsupported, verified: !problem, ...(problem ? { problem } : {}) }
      }),
  )
  return runs.filter((run) => run !== undefined).sort((a, b) => b.startedAt.localeCompare(a.startedAt))
}

/** Why a past run's report is not shown, by check; the HTTP edge answers it as a problem, its status from the kind. */
export type PastRunErrorCode = 'invalid_run_id' | 'unknown_run' | 'evidence_not_verified'
export class PastRunError extends DomainError<PastRunErrorCode> {}

/** A past run's report, as the reports may show it; a bundle that no longer verifies is refused. */
export async function readPastReport(evidenceDir: string, runId: string): Promise<RunReport> {
  if (!RUN_ID.test(runId)) throw new PastRunError('invalid', 'invalid_run_id', `'${runId}' is not a run id (letters, digits and dashes, as listed by GET /api/history)`)
  const dir = join(evidenceDir, runId)
  try {
    await verifyEvidence(dir)
  } catch (error) {
    if (!(error instanceof EvidenceError)) throw error
    if (error.code === 'missing_file' && error.file === MANIFEST) throw new PastRunError('not-found', 'unknown_run', `No recorded run ${runId}; GET /api/history lists them`)
    throw new PastRunError('conflict', 'evidence_not_verified', `Run ${runId}'s evidence bundle does not verify, so its report is not shown: ${error.message} [${error.code}]`)
  }
  return redactReport(JSON.parse(await readFile(join(dir, 'reports', 'latest.json'), 'utf8')) as RunReport)
}

const cellKey = (r: ReportedResult) => `${r.scenarioId}/${r.variantId} ${r.protocol} ${r.format}`

function kindOf(before?: ReportedResult, after?: ReportedResult): ChangeKind | undefined {
  if (!before) return 'added'
  if (!after) return 'removed'
  if (before.status === after.status) return undefined
  if (before.status === 'pass') return 'regressed'
  if (after.status === 'pass') return 'fixed'
  return 'changed'
}

/** Every cell whose status differs between two runs, regressions first. */
export function diffRuns(from: { runId: string; report: RunReport }, to: { runId: string; report: RunReport }): RunDiff {
  const before = new Map(from.report.results.map((r) => [cellKey(r), r]))
  const after = new Map(to.report.results.map((r) => [cellKey(r), r]))
  const changes: CellChange[] = []
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const [old, now] = [before.get(key), after.get(key)]
    const kind = kindOf(old, now)
    if (!kind) continue
    const cell = (now ?? old)!
    changes.push({
      kind,
      scenarioId: cell.scenarioId,
      variantId: cell.variantId,
      protocol: cell.protocol,
      format: cell.format,
      before: old?.status,
      after: now?.status,
      reason: cell.failure?.reason,
    })
  }
  changes.sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind))
  return { from: from.runId, to: to.runId, changes }
}
