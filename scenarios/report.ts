import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { CredentialFormat } from '@interop-lab/common/credentialTypes'
import type { MatrixProtocol } from '@interop-lab/common/protocols'
import type { Decision, PresentationOutcome, TraceStep } from '@interop-lab/contracts'
import { type PartyCapabilities, ROLES } from './capabilities'
import { formatHtml } from './reportHtml'
import { columnKey, gridOf, rowKey, uniqueBy } from './reportGrid'
import { describeFailure, type StepResult, type VariantResult } from './runner'

/** Mean and worst round trip of one kind of step (issue: offer to credential stored; present: request to decision). */
export interface StepTiming {
  count: number
  meanMs: number
  maxMs: number
}

export interface TimingRow {
  protocol: MatrixProtocol
  format: CredentialFormat
  issue?: StepTiming
  present?: StepTiming
}

/**
 * A decision as reports keep it: the verdict and every check's message, and which claims were disclosed but not
 * their values (personal data: names, dates of birth, social insurance numbers).
 */
export interface ReportedDecision extends Pick<Decision, 'outcome' | 'reasons' | 'failedChecks' | 'engineError' | 'evaluatedAt'> {
  trace: Pick<TraceStep, 'check' | 'subject' | 'passed' | 'message'>[]
  /** Per credential query, the names of the claims disclosed. */
  disclosedClaims: Record<string, string[]>
}

/**
 * A step as reports keep it. Never its offer or request links: an offer URI leads to a pre-authorized code and the
 * transaction code sits beside it, so together they mint a credential; reports are shared and published.
 */
export interface ReportedStep extends Pick<StepResult, 'stepId' | 'action' | 'parties' | 'passed' | 'durationMs' | 'summary' | 'expected' | 'error' | 'failure'> {
  decision?: ReportedDecision
  walletOutcome?: Pick<PresentationOutcome, 'submitted' | 'check' | 'error'>
}

export interface ReportedResult extends Omit<VariantResult, 'steps'> {
  steps: ReportedStep[]
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
  results: ReportedResult[]
}

/** What a report may say about a step, named field by field so that nothing new reaches a report unnoticed. */
export function reportedStep(step: StepResult | ReportedStep): ReportedStep {
  const { stepId, action, parties, passed, durationMs, summary, expected, error, failure, decision, walletOutcome } = step
  return {
    stepId,
    action,
    parties,
    passed,
    durationMs,
    summary,
    expected,
    error,
    failure,
    decision: decision && {
      outcome: decision.outcome,
      reasons: decision.reasons,
      failedChecks: decision.failedChecks,
      trace: decision.trace.map(({ check, subject, passed, message }) => ({ check, subject, passed, message })),
      disclosedClaims: 'disclosed' in decision ? Object.fromEntries(Object.entries(decision.disclosed).map(([id, claims]) => [id, Object.keys(claims)])) : decision.disclosedClaims,
      engineError: decision.engineError,
      evaluatedAt: decision.evaluatedAt,
    },
    walletOutcome: walletOutcome && { submitted: walletOutcome.submitted, check: walletOutcome.check, error: walletOutcome.error },
  }
}

/** A report with every step reduced to what reports may say (see `reportedStep`). */
export function redactReport(report: RunReport): RunReport {
  return { ...report, results: report.results.map((result) => ({ ...result, steps: result.steps.map(reportedStep) })) }
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

export function summarize(results: VariantResult[], startedAt: Date, context: { endpoints?: { issuer: string; wallet: string; verifier: string }; capabilities?: PartyCapabilities } = {}): RunReport {
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
    results: results.map((result) => ({ ...result, steps: result.steps.map(reportedStep) })),
  }
}

const pad = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width))
const noteMark = (n?: number) => (n ? ` [${n}]` : '')
const GLYPHS = { pass: '✓', fail: '✗', unsupported: '–' } as const

/** `issuer, wallet and verifier do not support ldp_vc over oid4vc` → `… do not support them`, to list such combinations once. */
const generalized = (reason: string, column: { protocol: string; format: string }) => reason.replace(` ${column.format} over ${column.protocol}`, ' them')

/**
 * The matrix as a grid: scenario variants down, the protocol/format combinations some cell ran across, one glyph and
 * time per cell. Why a cell did not run is a numbered note said once on its row, column or cell; combinations no cell
 * ran are folded into one footnote line; then each failure's step, party and reason, once, with the cells it broke.
 */
export function formatText(report: RunReport): string {
  const { columns, folded, rows, keyOf, crossingOf, find, notes } = gridOf(report)
  const label = (row: RunReport['results'][number]) => `  ${[row.variantId, crossingOf(row)].filter(Boolean).join(' · ')}${noteMark(notes.onRow.get(keyOf(row)))}`
  const labelWidth = Math.max(...rows.map((row) => label(row).length), ...rows.map((row) => row.scenarioId.length)) + 2
  const cellText = (row: string, column: (typeof columns)[number]) => {
    const result = find(row, column)
    if (!result || result.status === 'unsupported') return `–${noteMark(notes.onCell.get(`${row} ${column.key}`))}`
    return `${GLYPHS[result.status]} ${(result.durationMs / 1000).toFixed(1)} s`
  }
  const headers = columns.map((column) => ({ protocol: column.protocol, format: `${column.format}${noteMark(notes.onColumn.get(column.key))}` }))
  const widths = columns.map((column, i) => Math.max(headers[i].protocol.length, headers[i].format.length, ...rows.map((row) => cellText(keyOf(row), column).length)) + 2)
  const line = (first: string, cells: string[]) => `${first.padEnd(labelWidth)}${cells.map((cell, i) => cell.padEnd(widths[i])).join('')}`.trimEnd()

  const lines = [
    line(
      '',
      headers.map((h) => h.protocol),
    ),
    line(
      '',
      headers.map((h) => h.format),
    ),
  ]
  for (const scenario of uniqueBy(rows, (row) => row.scenarioId)) {
    lines.push(scenario.scenarioId)
    for (const row of rows.filter((r) => r.scenarioId === scenario.scenarioId))
      lines.push(
        line(
          label(row),
          columns.map((column) => cellText(keyOf(row), column)),
        ),
      )
  }
  lines.push('', `${report.passed} passed, ${report.failed} failed, ${report.unsupported} unsupported (not run)`)
  for (const [reason, n] of notes.numbers) lines.push(`  [${n}] ${reason}`)
  if (folded.length) {
    const reasons = [...new Set(folded.map(({ column, reason }) => generalized(reason, column)))]
    const listed = reasons.map(
      (reason) =>
        `${folded
          .filter(({ column, reason: r }) => generalized(r, column) === reason)
          .map(({ column }) => column.key)
          .join(', ')} (${reason})`,
    )
    lines.push(`  – not shown, no cell could run: ${listed.join('; ')}`)
  }
  // who played every cell when not the lab alone (a run crossing several implementations says it on each row)
  const players = report.results.find((r) => r.implementations)?.implementations
  if (players && rows.length && !crossingOf(rows[0]) && Object.values(players).some((name) => name !== 'lab'))
    lines.push(`  issuer ${players.issuer} · wallet ${players.wallet} · verifier ${players.verifier}`)
  // a failure's reason once, then the cells it broke
  const failed = report.results.filter((result) => result.status === 'fail')
  for (const reason of new Set(failed.map(describeFailure))) {
    lines.push(
      `  ✗ ${reason}`,
      `      in ${failed
        .filter((r) => describeFailure(r) === reason)
        .map((r) => [rowKey(r), columnKey(r), crossingOf(r)].filter(Boolean).join(' '))
        .join(', ')}`,
    )
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
    // which implementation played each role (older reports have none)
    const implementations = r.implementations ? `<properties>${ROLES.map((role) => `<property name="${role}-implementation" value="${xml(r.implementations[role])}"/>`).join('')}</properties>` : ''
    return `  <testcase classname="${xml(r.scenarioId)}" name="${xml(name)}" time="${(r.durationMs / 1000).toFixed(3)}">${body}${implementations}</testcase>`
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
