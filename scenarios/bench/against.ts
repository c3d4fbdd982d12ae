import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { DEMO_MATERIAL_DIR } from '@interop-lab/issuer/anoncreds/material'
import { type AgainstComparison, compareRounds, type Round, type SideRun } from './comparison'
import { loadNow } from './machine'
import type { BenchReport } from './report'

const REPO = join(import.meta.dirname, '..', '..')

/** What both sides' benches are asked: the same settings, in the flags each knows. */
export interface BenchArgs {
  quick: boolean
  only?: string[]
  concurrency?: string[]
  /** A V8 CPU profile directory: each side's run of each round profiles into its own subdirectory. */
  profile?: string
}

const run = (command: string, args: string[], cwd: string) => execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim()

interface Lockfile {
  packages: Record<string, { version?: string; link?: boolean; resolved?: string }>
}
const readLockfile = (dir: string) => JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as Lockfile

/** Whether every package `theirs` pins is installed by `ours` at the same place and version (workspace links aside). */
export function lockfileCovers(ours: Lockfile, theirs: Lockfile): boolean {
  return Object.entries(theirs.packages).every(([path, pkg]) => !path.startsWith('node_modules/') || pkg.link || ours.packages[path]?.version === pkg.version)
}

/**
 * Gives `dir` a node_modules of links to this tree's installed packages, except the workspace packages, which link to
 * `dir`'s own (an `@interop-lab/…` import there must load that commit's code, not this tree's).
 */
function linkInstalledPackages(dir: string, ours: Lockfile, theirs: Lockfile): void {
  for (const [path, pkg] of Object.entries(theirs.packages)) {
    if (!pkg.link || !pkg.resolved) continue
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    symlinkSync(join(dir, pkg.resolved), join(dir, path), 'dir')
  }
  const link = (from: string, to: string, relative: string) => {
    for (const name of readdirSync(from)) {
      const path = join(relative, name)
      if (ours.packages[path]?.link) continue
      if (!existsSync(join(to, name))) symlinkSync(join(from, name), join(to, name))
      else if (name.startsWith('@')) link(join(from, name), join(to, name), path)
    }
  }
  mkdirSync(join(dir, 'node_modules'), { recursive: true })
  link(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'node_modules')
}

/** Whether a bench's source declares the command-line option `name` (an older bench knows fewer). */
const knowsOption = (benchSource: string, name: string) => benchSource.includes(`${name}: { type:`) || benchSource.includes(`'${name}': { type:`)

/** The argv that asks the bench in `dir` for `args`, in the flags and sections it knows. */
function benchArgv(dir: string, args: BenchArgs, profileDir: string | undefined): string[] {
  const source = readFileSync(join(dir, 'scenarios', 'bench.ts'), 'utf8')
  // a section added since (such as workers) is only this tree's; an older bench without --concurrency measures every number of clients
  const sections = (args.only ?? []).filter((section) => source.includes(`'${section}'`))
  if (args.only?.length && !sections.length) throw new Error(`The bench in ${dir} has none of the sections ${args.only.join(', ')}: nothing to compare`)
  return [
    ...(args.quick ? ['--quick'] : []),
    ...sections.flatMap((section) => ['--only', section]),
    ...(knowsOption(source, 'concurrency') ? (args.concurrency ?? []).flatMap((c) => ['--concurrency', c]) : []),
    ...(profileDir && knowsOption(source, 'profile') ? ['--profile', profileDir] : []),
  ]
}

/** Runs the bench of the tree in `dir` once, in its own process, and returns its rows. */
async function runSide(dir: string, argv: string[], reportsDir: string, label: string): Promise<SideRun> {
  const loadavgAtStart = loadNow()
  const started = performance.now()
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scenarios/bench.ts', ...argv, '--reports-dir', reportsDir], {
      cwd: dir,
      // both sides' issuers import the DEMO-ONLY AnonCreds material: neither generates credential definitions while measured
      env: { ...process.env, INTEROP_ANONCREDS_MATERIAL_DIR: DEMO_MATERIAL_DIR },
      stdio: ['ignore', 'inherit', 'inherit'],
    })
    child.once('error', reject)
    child.once('exit', resolve)
  })
  if (code !== 0) throw new Error(`The bench of ${label} exited with code ${code}`)
  const report = JSON.parse(readFileSync(join(reportsDir, 'bench.json'), 'utf8')) as Pick<BenchReport, 'rows' | 'quiet'>
  return { rows: report.rows, quiet: report.quiet, loadavgAtStart, seconds: (performance.now() - started) / 1000 }
}

/**
 * Measures this tree against `ref` in `rounds` interleaved rounds (theirs then ours, ours then theirs, …), so that the machine's
 * load drifting over the run weighs on both sides. `ref`'s tree is exported once (git archive: the repository's state is
 * left as it is); this tree's installed packages are reused when they cover its lockfile, otherwise it is installed from
 * its own. Each side's bench runs in its own process with the same settings, as `npm run bench` would run it alone.
 */
export async function benchAgainst(ref: string, args: BenchArgs, rounds: number, log: (line: string) => void): Promise<{ comparison: AgainstComparison; ours: SideRun[] }> {
  const commit = run('git', ['rev-parse', '--verify', `${ref}^{commit}`], REPO)
  const dir = mkdtempSync(join(tmpdir(), 'interop-bench-ref-'))
  try {
    log(`Against ${ref} (${commit.slice(0, 10)}): exporting its tree to ${dir}`)
    const tarFile = join(dir, '.tree.tar')
    run('git', ['archive', '--format=tar', '-o', tarFile, commit], REPO)
    run('tar', ['-xf', tarFile, '-C', dir], REPO)
    const [ours, theirs] = [readLockfile(REPO), readLockfile(dir)]
    if (lockfileCovers(ours, theirs)) {
      linkInstalledPackages(dir, ours, theirs)
    } else {
      log(`  its lockfile pins packages this tree has not installed: npm ci in ${dir} (a few minutes)`)
      run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], dir)
      run('npm', ['rebuild', 'better-sqlite3'], dir)
    }
    const measured: Round[] = []
    for (let round = 1; round <= rounds; round++) {
      const profileDir = (side: string) => args.profile && join(args.profile, `${side}-round-${round}`)
      const measureTheirs = () => {
        log(`\n=== Round ${round} of ${rounds}: ${ref} (${commit.slice(0, 10)}), load average ${loadNow().join(' ')}`)
        return runSide(dir, benchArgv(dir, args, profileDir('theirs')), join(dir, `.bench-reports-${round}`), `${ref} (${commit.slice(0, 10)})`)
      }
      const measureOurs = () => {
        log(`\n=== Round ${round} of ${rounds}: this tree, load average ${loadNow().join(' ')}`)
        return runSide(REPO, benchArgv(REPO, args, profileDir('ours')), join(dir, `.bench-reports-ours-${round}`), 'this tree')
      }
      // the order alternates (theirs first in odd rounds): a load that rises or falls over the run weighs on both sides alike
      const theirsFirst = round % 2 === 1
      const first = await (theirsFirst ? measureTheirs() : measureOurs())
      const second = await (theirsFirst ? measureOurs() : measureTheirs())
      const [theirRun, ourRun] = theirsFirst ? [first, second] : [second, first]
      measured.push({ theirs: theirRun, ours: ourRun })
    }
    const withoutRows = ({ rows: _rows, ...side }: SideRun) => side
    return {
      comparison: { ref, commit, rounds: measured.map((r) => ({ theirs: withoutRows(r.theirs), ours: withoutRows(r.ours) })), rows: compareRounds(measured) },
      ours: measured.map((r) => r.ours),
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
