import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { CredentialFormat } from '../common/credentialTypes'
import type { Protocol } from '../common/protocols'
import type { PartyCapabilities } from './capabilities'
import { formatHtml } from './reportHtml'
import { describeFailure, type VariantResult } from './runner'

/** Mean and worst round trip of one kind of step (issue: offer to credential stored; present: request to decision). */
export interface StepTiming {
  count: number
  meanMs: number
  maxMs: number
}

export interface TimingRow {
  protocol: Protocol
  format: CredentialFormat
  issue?: StepTiming
  present?: StepTiming
}

export interface RunReport {
  startedAt: string
  finishedAt: string
  passed: number
  failed: number
  unsupported: number
  /** The services the run targeted. */
  endpoints?: { issuer: string; wallet: string; verifier: string }
  capabilities?: PartyCapabilities
  timings: TimingRow[]
  results: VariantResult[]
}

function timing(durations: number[]): StepTiming | undefined {
  if (!durations.length) return undefined
  return { count: durations.length, meanMs: Math.round(durations.reduce((a, b) => a + b, 0) / durations.length), maxMs: Math.round(Math.max(...durations)) }
}

/** Issue and present round trips per protocol and format, from the steps that succeeded. */
export function timingsOf(results: VariantResult[]): TimingRow[] {
  const rows = new Map<string, TimingRow & { issues: number[]; presents: number[] }>()
  for (const result of results.filter((r) => r.status !== 'unsupported')) {
    const key = `${result.protocol} ${result.format}`
    const row = rows.get(key) ?? { protocol: result.protocol, format: result.format, issues: [], presents: [] }
    for (const step of result.steps.filter((s) => s.passed)) {
      if (step.action === 'issue' || step.action === 'register') row.issues.push(step.durationMs)
      if (step.action === 'present') row.presents.push(step.durationMs)
    }
    rows.set(key, row)
  }
  return [...rows.values()].map(({ issues, presents, ...row }) => ({ ...row, issue: timing(issues), present: timing(presents) }))
}

export function summarize(
  results: VariantResult[],
  startedAt: Date,
  context: { endpoints?: { issuer: string; wallet: string; verifier: string }; capabilities?: PartyCapabilities } = {},
): RunReport {
  const count = (status: VariantResult['status']) => results.filter((r) => (r.status ?? (r.passed ? 'pass' : 'fail')) === status).length
  return {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    passed: count('pass'),
    failed: count('fail'),
    unsupported: count('unsupported'),
    ...(context.endpoints ? { endpoints: { issuer: context.endpoints.issuer, wallet: context.endpoints.wallet, verifier: context.endpoints.verifier } } : {}),
    ...(context.capabilities ? { capabilities: context.capabilities } : {}),
    timings: timingsOf(results),
    results,
  }
}

const pad = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width))

/** One line per scenario variant, protocol and format that ran: what was expected, what happened, and why. */
export function formatText(report: RunReport): string {
  const lines = [`${pad('scenario', 20)} ${pad('variant', 22)} ${pad('protocol', 8)} ${pad('format', 12)} ${pad('result', 6)} ${pad('time', 8)} outcome`]
  for (const r of report.results.filter((result) => result.status !== 'unsupported')) {
    const decisive = r.steps.filter((s) => s.action === 'present').at(-1) ?? r.steps.at(-1)
    const outcome = decisive?.decision
      ? `${decisive.decision.outcome}${decisive.decision.failedChecks.length ? ` [${decisive.decision.failedChecks.join(', ')}]` : ''}`
      : (decisive?.summary ?? '')
    lines.push(`${pad(r.scenarioId, 20)} ${pad(r.variantId, 22)} ${pad(r.protocol, 8)} ${pad(r.format, 12)} ${pad(r.status.toUpperCase(), 6)} ${pad(`${Math.round(r.durationMs)}ms`, 8)} ${outcome}`)
    if (r.status === 'fail') lines.push(`    ✗ ${describeFailure(r)}`)
  }
  lines.push('', `${report.passed} passed, ${report.failed} failed, ${report.unsupported} unsupported (not run)`)
  // a combination no party pair could run at all, with why; a single variant left out is in the JSON and HTML reports
  const combinations = new Map<string, RunReport['results']>()
  for (const r of report.results) combinations.set(`${r.protocol} ${r.format}`, [...(combinations.get(`${r.protocol} ${r.format}`) ?? []), r])
  for (const [combination, rows] of combinations) {
    if (rows.every((r) => r.status === 'unsupported')) lines.push(`  not run: ${pad(combination, 20)} ${rows.find((r) => r.failure?.reason)?.failure?.reason ?? ''}`)
  }
  for (const t of report.timings) {
    const show = (label: string, s?: StepTiming) => (s ? `${label} mean ${s.meanMs} ms (max ${s.maxMs}, n=${s.count})` : `${label} -`)
    lines.push(`  ${pad(`${t.protocol} ${t.format}`, 22)} ${show('issue', t.issue)}; ${show('present', t.present)}`)
  }
  return lines.join('\n')
}

const xml = (text: string) => text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!)

/** JUnit XML, one test case per scenario variant, protocol and format; an unsupported combination is skipped. */
export function formatJunit(report: RunReport): string {
  const cases = report.results.map((r) => {
    const name = `${r.variantId} [${r.protocol} ${r.format}]`
    const body =
      r.status === 'pass'
        ? ''
        : r.status === 'unsupported'
          ? `<skipped message="${xml(`unsupported: ${r.failure?.reason ?? ''}`)}"/>`
          : `<failure message="${xml(describeFailure(r) || 'incomplete')}"/>`
    return `  <testcase classname="${xml(r.scenarioId)}" name="${xml(name)}" time="${(r.durationMs / 1000).toFixed(3)}">${body}</testcase>`
  })
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="interop-lab" tests="${report.results.length}" failures="${report.failed}" skipped="${report.unsupported}">\n${cases.join('\n')}\n</testsuite>\n`
}

/** latest.json, latest.junit.xml and latest.html in `dir`. */
export function writeReports(report: RunReport, dir: string): string[] {
  mkdirSync(dir, { recursive: true })
  const files = [join(dir, 'latest.json'), join(dir, 'latest.junit.xml'), join(dir, 'latest.html')]
  writeFileSync(files[0], JSON.stringify(report, null, 2))
  writeFileSync(files[1], formatJunit(report))
  writeFileSync(files[2], formatHtml(report))
  return files
}
