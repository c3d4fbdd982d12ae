import type { MachineRecord } from './machine'
import type { QuietCheck } from './quiet'
import type { BenchRow } from './rows'
import type { BenchService } from './serviceProtocol'

/** The throughput ratio the issue asks of this tree against the earlier commit (issue #21, item 2). */
export const TARGET_RATIO = 2

/** One side's run in one round: its rows, and how busy the machine was when it started. */
export interface SideRun {
  rows: BenchRow[]
  loadavgAtStart: MachineRecord['loadavgAtStart']
  seconds: number
  quiet?: QuietCheck
}

/** One round of `--against`: the other commit's bench, then this tree's, with the same settings. */
export interface Round {
  theirs: SideRun
  ours: SideRun
}

/** A row's robust figures on one side: medians over the rounds. */
export interface SideFigures {
  throughput: number
  p50Ms?: number
  /** CPU ms per operation in each service process, and over all of them (the median of each round's sum). */
  cpuMsPerOp: Partial<Record<BenchService, number>>
  cpuMsPerOpTotal?: number
}

/** A row of this tree next to the same row (name and clients) of the other commit, over every round. */
export interface RowComparison {
  name: string
  concurrency?: number
  theirs?: SideFigures
  ours?: SideFigures
  /** Median throughput here ÷ median throughput there. */
  throughputRatio?: number
  /** The lowest and highest of the rounds' own ratios (round i here ÷ round i there). */
  throughputRatioRange?: [number, number]
  p50Ratio?: number
  /** Total CPU per operation there ÷ here: above 1, this tree spends less CPU on an operation. */
  cpuRatio?: number
  /** Whether the ratio of medians reaches TARGET_RATIO. */
  targetMet?: boolean
  /** Why there is no ratio: a side failed in a round, or lacks the row. */
  missing?: string
}

/** What `reports/bench.json` keeps of an `--against` run. */
export interface AgainstComparison {
  ref: string
  commit: string
  /** Load averages and durations of each side in each round, in the order they ran. */
  rounds: { theirs: Omit<SideRun, 'rows'>; ours: Omit<SideRun, 'rows'> }[]
  rows: RowComparison[]
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

const sameRow = (row: BenchRow) => (other: BenchRow) => other.name === row.name && other.concurrency === row.concurrency

/** The other commit's row for `row`: the same name and clients, or the row it names in `comparesWith` (a row the other commit cannot measure). */
function counterpart(row: BenchRow, theirs: BenchRow[]): BenchRow | undefined {
  return theirs.find(sameRow(row)) ?? (row.comparesWith ? theirs.find(sameRow({ ...row, name: row.comparesWith })) : undefined)
}

/** Why a row failed; an older bench marked no failures, only counted `errors`. */
function failureIn(row: BenchRow): string | undefined {
  const errors = (row as { errors?: number }).errors
  return row.failure ?? (errors ? `${errors} errors` : undefined)
}

const cpuTotal = (row: BenchRow) => {
  const values = Object.values(row.cpuMsPerOp ?? {}) as number[]
  return values.length ? values.reduce((sum, ms) => sum + ms, 0) : undefined
}

function figures(rows: BenchRow[]): SideFigures {
  const defined = (values: (number | undefined)[]) => values.filter((v): v is number => v !== undefined)
  const services = [...new Set(rows.flatMap((r) => Object.keys(r.cpuMsPerOp ?? {})))] as BenchService[]
  const p50s = defined(rows.map((r) => r.p50Ms))
  const totals = defined(rows.map(cpuTotal))
  return {
    throughput: median(rows.map((r) => r.throughput!)),
    p50Ms: p50s.length ? median(p50s) : undefined,
    cpuMsPerOp: Object.fromEntries(services.map((service) => [service, median(defined(rows.map((r) => r.cpuMsPerOp?.[service])))])),
    cpuMsPerOpTotal: totals.length === rows.length ? median(totals) : undefined,
  }
}

/**
 * Each row of this tree against the other commit over the rounds: the median of each side, the ratio of the medians and
 * the spread of the rounds' own ratios. A row that failed in any round on either side has no ratio.
 */
export function compareRounds(rounds: Round[]): RowComparison[] {
  const names = rounds.flatMap((round) => round.ours.rows).filter((row, i, all) => all.findIndex(sameRow(row)) === i)
  return names.map((row) => {
    const base = { name: row.name, concurrency: row.concurrency }
    const pairs = rounds.map((round, i) => ({ round: i + 1, ours: round.ours.rows.find(sameRow(row)), theirs: counterpart(row, round.theirs.rows) }))
    if (pairs.every((p) => !p.theirs)) return { ...base, missing: 'not measured by the other commit' }
    for (const { round, ours, theirs } of pairs) {
      const failedHere = ours ? failureIn(ours) : 'not measured'
      if (failedHere) return { ...base, missing: `failed here in round ${round}: ${failedHere}` }
      const failedThere = theirs ? failureIn(theirs) : 'not measured'
      if (failedThere) return { ...base, missing: `failed there in round ${round}: ${failedThere}` }
    }
    // a row timed, not counted per second (a pilot's median, a status check): nothing to divide
    if (pairs.some((p) => p.ours!.throughput === undefined || p.theirs!.throughput === undefined)) return { ...base, missing: 'no throughput on both sides' }
    const ours = figures(pairs.map((p) => p.ours!))
    const theirs = figures(pairs.map((p) => p.theirs!))
    const roundRatios = pairs.map((p) => p.ours!.throughput! / p.theirs!.throughput!)
    const throughputRatio = ours.throughput / theirs.throughput
    return {
      ...base,
      theirs,
      ours,
      throughputRatio,
      throughputRatioRange: [Math.min(...roundRatios), Math.max(...roundRatios)],
      p50Ratio: ours.p50Ms && theirs.p50Ms ? ours.p50Ms / theirs.p50Ms : undefined,
      cpuRatio: ours.cpuMsPerOpTotal && theirs.cpuMsPerOpTotal ? theirs.cpuMsPerOpTotal / ours.cpuMsPerOpTotal : undefined,
      targetMet: throughputRatio >= TARGET_RATIO,
    }
  })
}

/**
 * The rows this tree's report keeps: per row, the round's row whose throughput is nearest the median of the rounds
 * (a failed round's row wins: a row that failed once is failed).
 */
export function medianRows(runs: BenchRow[][]): BenchRow[] {
  const names = runs.flat().filter((row, i, all) => all.findIndex(sameRow(row)) === i)
  return names.map((row) => {
    const measured = runs.flatMap((rows) => rows.filter(sameRow(row)))
    const failed = measured.find((r) => r.failure)
    if (failed) return failed
    const middle = median(measured.map((r) => r.throughput ?? 0))
    return measured.reduce((best, r) => (Math.abs((r.throughput ?? 0) - middle) < Math.abs((best.throughput ?? 0) - middle) ? r : best))
  })
}

const times = (ratio: number) => `×${ratio.toFixed(2)}`
const ms = (value?: number) => (value === undefined ? '?' : value.toFixed(1))
const label = (row: { name: string; concurrency?: number }) => `${row.name}${row.concurrency ? ` c=${row.concurrency}` : ''}`

function formatRow(row: RowComparison): string {
  if (row.missing || !row.ours || !row.theirs || row.throughputRatio === undefined) return `  ${label(row)}: no ratio (${row.missing})`
  const [low, high] = row.throughputRatioRange!
  const services = (Object.keys(row.ours.cpuMsPerOp) as BenchService[]).map((s) => `${s} ${ms(row.theirs!.cpuMsPerOp[s])} → ${ms(row.ours!.cpuMsPerOp[s])}`)
  return [
    `  ${label(row)}: throughput ${row.theirs.throughput.toFixed(1)} → ${row.ours.throughput.toFixed(1)}/s ${times(row.throughputRatio)} (rounds ${times(low)}–${times(high)})` +
      `${row.p50Ratio ? `, p50 ${times(row.p50Ratio)}` : ''}`,
    `      CPU ms/op ${ms(row.theirs.cpuMsPerOpTotal)} → ${ms(row.ours.cpuMsPerOpTotal)}${row.cpuRatio ? ` (${times(row.cpuRatio)} less)` : ''}: ${services.join(', ')}`,
  ].join('\n')
}

/** Whether each row reaches TARGET_RATIO, said plainly from the medians, with how far the rounds agree. */
function formatVerdict(row: RowComparison): string {
  if (row.throughputRatio === undefined) return `  ${label(row)}: ×${TARGET_RATIO} not measured (${row.missing})`
  const [low, high] = row.throughputRatioRange!
  const agreement = low >= TARGET_RATIO ? 'in every round' : high < TARGET_RATIO ? 'in no round' : `in some rounds only (${times(low)}–${times(high)})`
  const cpu = row.cpuRatio ? `; CPU per operation ${times(row.cpuRatio)} less (${row.cpuRatio >= TARGET_RATIO ? 'halved' : 'not halved'})` : ''
  return `  ${label(row)}: ×${TARGET_RATIO} throughput ${row.targetMet ? 'MET' : 'NOT MET'} (${times(row.throughputRatio)}, ${agreement})${cpu}`
}

export function formatComparison(comparison: AgainstComparison): string {
  const them = `${comparison.ref} (${comparison.commit.slice(0, 10)})`
  const load = (side: Omit<SideRun, 'rows'>) => `${side.loadavgAtStart[0]} (${side.seconds.toFixed(0)} s)`
  return [
    `This tree against ${them}: ${comparison.rounds.length} round(s), the two benches one after the other, in alternating order (the other commit's first in odd rounds), same settings, same machine.`,
    `Load average (1 min) at the start of each side: ${comparison.rounds.map((r, i) => `round ${i + 1}: ${comparison.ref} ${load(r.theirs)}, this tree ${load(r.ours)}`).join('; ')}`,
    'Per row: median throughput there → here and the ratio of the medians (the rounds’ own ratios: lowest–highest); median CPU ms per operation over every service process, there → here, and by service.',
    ...comparison.rows.map(formatRow),
    '',
    `Against ${them}, the ×${TARGET_RATIO} throughput of issue #21 (from the medians; CPU per operation, less sensitive to the machine's load, beside it):`,
    ...comparison.rows.map(formatVerdict),
  ].join('\n')
}

/** The comparison as a README table under the bench table: per row the medians, the ratios and whether ×2 is met. */
export function comparisonTable(comparison: AgainstComparison): string {
  const lines = [
    `Against ${comparison.ref} (${comparison.commit.slice(0, 10)}), ${comparison.rounds.length} interleaved rounds; load average (1 min) at each side's start ` +
      `${comparison.rounds.map((r) => `${r.theirs.loadavgAtStart[0]} / ${r.ours.loadavgAtStart[0]}`).join(', ')}; medians over the rounds:`,
    '',
    `| measurement | clients | throughput there → here | ratio (rounds) | CPU ms/op there → here | ×${TARGET_RATIO} |`,
    '|---|---|---|---|---|---|',
  ]
  for (const row of comparison.rows) {
    if (!row.ours || !row.theirs || row.throughputRatio === undefined) {
      lines.push(`| ${row.name} | ${row.concurrency ?? ''} | no ratio: ${row.missing} | | | not measured |`)
      continue
    }
    const [low, high] = row.throughputRatioRange!
    const cpu = `${ms(row.theirs.cpuMsPerOpTotal)} → ${ms(row.ours.cpuMsPerOpTotal)}${row.cpuRatio ? ` (${times(row.cpuRatio)} less)` : ''}`
    lines.push(
      `| ${row.name} | ${row.concurrency ?? ''} | ${row.theirs.throughput.toFixed(1)} → ${row.ours.throughput.toFixed(1)}/s | ${times(row.throughputRatio)} (${times(low)}–${times(high)}) | ${cpu} | ${row.targetMet ? (low >= TARGET_RATIO ? 'met' : 'met, not in every round') : '**not met**'} |`,
    )
  }
  return lines.join('\n')
}
