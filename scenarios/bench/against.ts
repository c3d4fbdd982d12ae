import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEMO_MATERIAL_DIR } from '@interop-lab/issuer/anoncreds/material'
import type { BenchRow } from './rows'

const REPO = join(import.meta.dirname, '..', '..')

/** The rows of another commit's bench, run with the same settings on the same machine. */
export interface AgainstRun {
  ref: string
  commit: string
  rows: BenchRow[]
}

const run = (command: string, args: string[], cwd: string) => execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim()

/**
 * Runs the bench of `ref` with `args`: its tree is exported (git archive: the repository's state is left as it is)
 * into a temporary directory and installed from its own lockfile — the installed packages are reused when the
 * lockfile is the same as this tree's. Its issuer imports the DEMO-ONLY AnonCreds material, as this tree's does,
 * so neither side generates credential definitions while measured.
 */
export async function benchAgainst(ref: string, args: { quick: boolean; only?: string[]; concurrency?: string[] }, log: (line: string) => void): Promise<AgainstRun> {
  const commit = run('git', ['rev-parse', '--verify', `${ref}^{commit}`], REPO)
  const dir = mkdtempSync(join(tmpdir(), 'interop-bench-ref-'))
  try {
    log(`Against ${ref} (${commit.slice(0, 10)}): exporting its tree to ${dir}`)
    const tarFile = join(dir, '.tree.tar')
    run('git', ['archive', '--format=tar', '-o', tarFile, commit], REPO)
    run('tar', ['-xf', tarFile, '-C', dir], REPO)
    if (readFileSync(join(dir, 'package-lock.json'), 'utf8') === readFileSync(join(REPO, 'package-lock.json'), 'utf8')) {
      symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir')
    } else {
      log(`  its lockfile differs: npm ci in ${dir} (a few minutes)`)
      run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], dir)
      run('npm', ['rebuild', 'better-sqlite3'], dir)
    }
    const reportsDir = join(dir, '.bench-reports')
    // an older bench has no --concurrency (it then measures every number of clients; only the matching rows compare)
    const benchSource = readFileSync(join(dir, 'scenarios', 'bench.ts'), 'utf8')
    const knowsConcurrency = benchSource.includes("concurrency: { type: 'string'")
    // nor a section added since (such as workers): its rows are then only this tree's
    const sections = (args.only ?? []).filter((section) => benchSource.includes(`'${section}'`))
    if (args.only?.length && !sections.length) throw new Error(`The bench of ${ref} has none of the sections ${args.only.join(', ')}: nothing to compare`)
    const argv = [...(args.quick ? ['--quick'] : []), ...sections.flatMap((section) => ['--only', section]), ...(knowsConcurrency ? (args.concurrency ?? []).flatMap((c) => ['--concurrency', c]) : [])]
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'scenarios/bench.ts', ...argv, '--reports-dir', reportsDir], {
        cwd: dir,
        env: { ...process.env, INTEROP_ANONCREDS_MATERIAL_DIR: DEMO_MATERIAL_DIR },
        stdio: ['ignore', 'inherit', 'inherit'],
      })
      child.once('error', reject)
      child.once('exit', resolve)
    })
    if (code !== 0) throw new Error(`The bench of ${ref} (${commit.slice(0, 10)}) exited with code ${code}`)
    const { rows } = JSON.parse(readFileSync(join(reportsDir, 'bench.json'), 'utf8')) as { rows: BenchRow[] }
    return { ref, commit, rows }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** A row of this run next to the same row (name and clients) of the other: throughput and p50 ratios. */
export interface RowRatio {
  name: string
  concurrency?: number
  throughputRatio?: number
  p50Ratio?: number
  /** Why there is no ratio: a side failed or lacks the row. */
  missing?: string
}

export function compareRows(ours: BenchRow[], theirs: BenchRow[]): RowRatio[] {
  return ours.map((row) => {
    const sameRow = (name: string) => theirs.find((t) => t.name === name && t.concurrency === row.concurrency)
    const other = sameRow(row.name) ?? (row.comparesWith ? sameRow(row.comparesWith) : undefined)
    const base = { name: row.name, concurrency: row.concurrency }
    if (!other) return { ...base, missing: 'not measured by the other commit' }
    // an older bench marked no failures: a row with errors there is not a time either
    const otherFailed = other.failure ?? ((other as { errors?: number }).errors ? `${(other as { errors?: number }).errors} errors` : undefined)
    if (row.failure || otherFailed) return { ...base, missing: `failed ${row.failure ? 'here' : 'there'}: ${row.failure ?? otherFailed}` }
    return {
      ...base,
      throughputRatio: row.throughput && other.throughput ? row.throughput / other.throughput : undefined,
      p50Ratio: row.p50Ms && other.p50Ms ? row.p50Ms / other.p50Ms : undefined,
    }
  })
}

export function formatRatios(against: AgainstRun, ratios: RowRatio[]): string {
  const lines = ratios.map((r) => {
    const label = `${r.name}${r.concurrency ? ` c=${r.concurrency}` : ''}`
    if (r.missing) return `  ${label}: no ratio (${r.missing})`
    const parts = [r.throughputRatio && `throughput ×${r.throughputRatio.toFixed(2)}`, r.p50Ratio && `p50 ×${r.p50Ratio.toFixed(2)}`].filter(Boolean)
    return `  ${label}: ${parts.join(', ')}`
  })
  return [`This tree against ${against.ref} (${against.commit.slice(0, 10)}), same settings, same machine (above 1 = more throughput, longer p50):`, ...lines].join('\n')
}
