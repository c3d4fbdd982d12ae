import { readFileSync, writeFileSync } from 'node:fs'
import { type AgainstComparison, comparisonTable } from './comparison'
import { type Ed25519Rates, signatureCeiling } from './ed25519'
import type { MachineRecord } from './machine'
import type { QuietCheck } from './quiet'
import { type BenchRow, successCount } from './rows'

/** What `reports/bench.json` holds: the rows, and what they depend on. */
export interface BenchReport {
  at: string
  quick: boolean
  seconds: number
  machine: MachineRecord
  quiet: QuietCheck
  rates: Ed25519Rates
  rows: BenchRow[]
  summary: TargetSummary[]
  /** `--against <ref>`: the same rows measured on that commit in interleaved rounds, as ratios of medians. */
  against?: AgainstComparison
}

/** A throughput target against the best row of its measurement, and against the signature floors of the same run. */
export interface TargetSummary {
  measurement: string
  targetPerSecond: number
  /** The row with the highest throughput among those that did not fail; absent when every row failed. */
  best?: {
    concurrency: number
    throughput: number
    ok: string
    met: boolean
    /** What signatures alone would allow on this machine's cores, were they Ed25519 (as made) or ES256. */
    ed25519FloorPerSecond?: number
    es256FloorPerSecond?: number
  }
  /** The rows of this measurement that failed, and why. */
  failed: string[]
}

const finite = (value: number) => (Number.isFinite(value) ? value : undefined)

export function summarize(rows: BenchRow[], rates: Ed25519Rates): TargetSummary[] {
  const names = [...new Set(rows.filter((r) => r.target?.perSecond).map((r) => r.name))]
  return names.map((name) => {
    const group = rows.filter((r) => r.name === name)
    const targetPerSecond = group.find((r) => r.target?.perSecond)!.target!.perSecond!
    const [top] = group.filter((r) => !r.failure && r.throughput !== undefined).sort((a, b) => b.throughput! - a.throughput!)
    const floor = (signRates: { signPerSecond: number; verifyPerSecond: number }) => finite(signatureCeiling({ ...signRates, cores: rates.cores }, top.signsPerOp ?? 0, top.verifiesPerOp ?? 0))
    return {
      measurement: name,
      targetPerSecond,
      best: top && {
        concurrency: top.concurrency ?? 1,
        throughput: top.throughput!,
        ok: successCount(top),
        met: top.throughput! >= targetPerSecond,
        ed25519FloorPerSecond: floor(rates),
        es256FloorPerSecond: floor(rates.es256),
      },
      failed: group.filter((r) => r.failure).map((r) => `${r.concurrency ?? 1} clients: ${r.failure}`),
    }
  })
}

const whole = (value: number) => Math.round(value).toLocaleString('en-CA')
const share = (part: number, of?: number) => (of ? `${((100 * part) / of).toFixed(1)}%` : 'n/a')

/** One line per throughput target: the figure, the target, the signature floors; failed rows under it. */
export function formatSummary(summary: TargetSummary[]): string {
  return summary
    .flatMap((s) => {
      const target = `target ≥ ${s.targetPerSecond}/s`
      const head = s.best
        ? `${s.measurement}: ${whole(s.best.throughput)}/s with ${s.best.concurrency} clients (${s.best.ok} ok) — ${target} ${s.best.met ? 'met' : 'MISSED'} ` +
          `(${share(s.best.throughput, s.targetPerSecond)} of it); signature floor Ed25519 ${s.best.ed25519FloorPerSecond ? whole(s.best.ed25519FloorPerSecond) : 'n/a'}/s ` +
          `(${share(s.best.throughput, s.best.ed25519FloorPerSecond)} of it), ES256 ${s.best.es256FloorPerSecond ? whole(s.best.es256FloorPerSecond) : 'n/a'}/s (${share(s.best.throughput, s.best.es256FloorPerSecond)})`
        : `${s.measurement}: FAILED with every number of clients — ${target} not measured`
      return [head, ...s.failed.map((f) => `    FAILED ${f}`)]
    })
    .join('\n')
}

const README_BEGIN = '<!-- bench:begin -->'
const README_END = '<!-- bench:end -->'

/** The README's bench table, made from a report: per measurement its best row, failures said, targets compared. */
export function readmeTable(report: BenchReport): string {
  const { machine, rates } = report
  const load = (l?: number[]) => (l ? l[0].toFixed(2) : '?')
  const intro =
    `${report.quick ? 'Quick' : 'Full'} run of ${report.at.slice(0, 10)} on ${machine.cores} cores (${machine.cpuModel}), Node ${machine.node}, commit ` +
    `${machine.commit.slice(0, 10)}${machine.uncommittedChanges ? ' with uncommitted changes' : ''}; load average ${load(machine.loadavgAtStart)} at start, ` +
    `${load(machine.loadavgAtEnd)} at end. One core: Ed25519 ${whole(rates.signPerSecond)} signs/s, ${whole(rates.verifyPerSecond)} verifies/s; ` +
    `ES256 ${whole(rates.es256.signPerSecond)} signs/s, ${whole(rates.es256.verifyPerSecond)} verifies/s. ` +
    `Background wait before the clock: ${report.quiet.anonCredsWaitSeconds} s. Each figure is the best over the numbers of clients tried.`
  const lines = ['| measurement | clients | ok | result | target |', '|---|---|---|---|---|']
  for (const name of new Set(report.rows.map((r) => r.name))) {
    const group = report.rows.filter((r) => r.name === name)
    const measured = group.filter((r) => !r.failure)
    const best = measured.filter((r) => r.throughput !== undefined).sort((a, b) => b.throughput! - a.throughput!)[0] ?? measured[0]
    const failed = group.length - measured.length
    const failedNote = failed ? ` (**failed** with ${failed} of ${group.length} client counts)` : ''
    if (!best) {
      const first = group[0]
      lines.push(`| ${name} | ${first.concurrency ?? ''} | ${successCount(first)} | **failed**: ${first.failure ?? first.note ?? ''} | ${first.target?.text ?? '—'} |`)
      continue
    }
    const latency = best.p50Ms === undefined ? '' : `p50 ${best.p50Ms.toFixed(1)} ms, p99 ${best.p99Ms?.toFixed(1)} ms`
    const result = [best.throughput === undefined ? '' : `${whole(best.throughput)}/s`, latency].filter(Boolean).join(', ') || (best.note ?? '')
    const target = best.target ? `${best.target.text}: ${best.target.met ? 'met' : '**missed**'}` : '—'
    lines.push(`| ${name} | ${best.concurrency ?? ''} | ${successCount(best)} | ${result}${failedNote} | ${target} |`)
  }
  return [intro, '', ...lines, ...(report.against ? ['', comparisonTable(report.against)] : [])].join('\n')
}

/** Rewrites the README's bench table (between its markers) from a report. */
export function updateReadme(readmeFile: string, report: BenchReport): void {
  const text = readFileSync(readmeFile, 'utf8')
  const begin = text.indexOf(README_BEGIN)
  const end = text.indexOf(README_END)
  if (begin < 0 || end < begin) throw new Error(`${readmeFile} has no ${README_BEGIN} … ${README_END} markers around its bench table`)
  const generated = `${README_BEGIN}\n<!-- generated by \`npm run bench -- --readme\` from reports/bench.json: do not edit by hand -->\n${readmeTable(report)}\n`
  writeFileSync(readmeFile, text.slice(0, begin) + generated + text.slice(end))
}
