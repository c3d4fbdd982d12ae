import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { VariantResult } from './runner'

export interface RunReport {
  startedAt: string
  finishedAt: string
  passed: number
  failed: number
  results: VariantResult[]
}

export function summarize(results: VariantResult[], startedAt: Date): RunReport {
  const passed = results.filter((r) => r.passed).length
  return { startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), passed, failed: results.length - passed, results }
}

const pad = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width))

/** One line per scenario variant and format: what was expected, what happened, and why. */
export function formatText(report: RunReport): string {
  const lines = [`${pad('scenario', 20)} ${pad('variant', 22)} ${pad('format', 12)} ${pad('result', 6)} ${pad('time', 8)} outcome`]
  for (const r of report.results) {
    const decisive = r.steps.filter((s) => s.action === 'present').at(-1) ?? r.steps.at(-1)
    const outcome = decisive?.decision
      ? `${decisive.decision.outcome}${decisive.decision.failedChecks.length ? ` [${decisive.decision.failedChecks.join(', ')}]` : ''}`
      : (decisive?.summary ?? '')
    lines.push(`${pad(r.scenarioId, 20)} ${pad(r.variantId, 22)} ${pad(r.format, 12)} ${pad(r.passed ? 'PASS' : 'FAIL', 6)} ${pad(`${Math.round(r.durationMs)}ms`, 8)} ${outcome}`)
    if (!r.passed) for (const s of r.steps.filter((step) => !step.passed)) lines.push(`    ✗ ${s.stepId}: ${s.summary}`)
  }
  lines.push('', `${report.passed} passed, ${report.failed} failed`)
  return lines.join('\n')
}

const xml = (text: string) => text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!)

/** JUnit XML, one test case per scenario variant and format, for CI systems. */
export function formatJunit(report: RunReport): string {
  const cases = report.results.map((r) => {
    const name = `${r.variantId} [${r.format}]`
    const failure = r.passed ? '' : `<failure message="${xml(r.steps.find((s) => !s.passed)?.summary ?? 'incomplete')}"/>`
    return `  <testcase classname="${xml(r.scenarioId)}" name="${xml(name)}" time="${(r.durationMs / 1000).toFixed(3)}">${failure}</testcase>`
  })
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="interop-lab" tests="${report.results.length}" failures="${report.failed}">\n${cases.join('\n')}\n</testsuite>\n`
}

export function writeReports(report: RunReport, dir: string): string[] {
  mkdirSync(dir, { recursive: true })
  const files = [join(dir, 'latest.json'), join(dir, 'latest.junit.xml')]
  writeFileSync(files[0], JSON.stringify(report, null, 2))
  writeFileSync(files[1], formatJunit(report))
  return files
}
