import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ConformanceRow } from './conformance'

/** A wallet conformance run as written to `<reports-dir>/wallet-conformance.{json,junit.xml}`. */
export interface ConformanceReport {
  kind: 'wallet-conformance'
  wallet: string
  startedAt: string
  finishedAt: string
  passed: number
  failed: number
  rows: ConformanceRow[]
}

export function conformanceReport(wallet: string, rows: ConformanceRow[], startedAt: Date): ConformanceReport {
  const passed = rows.filter((row) => row.outcome === 'pass').length
  return { kind: 'wallet-conformance', wallet, startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), passed, failed: rows.length - passed, rows }
}

export function formatConformanceText(report: ConformanceReport): string {
  const width = Math.max(...report.rows.map((row) => row.id.length)) + 2
  const lines = [`Wallet conformance of ${report.wallet}: ${report.passed} passed, ${report.failed} failed (pass = the wallet refused Mallory; the control request: it answered)`]
  for (const row of report.rows) {
    lines.push(`  ${row.outcome === 'pass' ? '✓' : '✗'} ${row.id.padEnd(width)}${row.observed.padEnd(9)} ${row.title}`)
    lines.push(`      ${row.clause}`)
    if (row.reason) lines.push(`      wallet: ${row.reason.split('\n')[0]}`)
  }
  return lines.join('\n')
}

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

export function formatConformanceJunit(report: ConformanceReport): string {
  const cases = report.rows.map((row) => {
    const name = `${row.id}: ${row.title}`
    const properties = `<properties><property name="clause" value="${xml(row.clause)}"/><property name="observed" value="${row.observed}"/><property name="wallet-implementation" value="${xml(row.wallet)}"/></properties>`
    const failure = row.outcome === 'fail' ? `<failure message="${xml(row.reason ?? row.observed)}">${xml(`${row.clause}\n${row.reason ?? ''}`)}</failure>` : ''
    const output = row.reason ? `<system-out>${xml(row.reason)}</system-out>` : ''
    return `    <testcase classname="wallet-conformance.${row.mallory}" name="${xml(name)}" time="${(row.durationMs / 1000).toFixed(3)}">${properties}${failure}${output}</testcase>`
  })
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="wallet-conformance" tests="${report.rows.length}" failures="${report.failed}">
  <testsuite name="wallet conformance: ${xml(report.wallet)}" tests="${report.rows.length}" failures="${report.failed}" timestamp="${report.startedAt}">
${cases.join('\n')}
  </testsuite>
</testsuites>
`
}

export function writeConformanceReports(report: ConformanceReport, dir: string): string[] {
  mkdirSync(dir, { recursive: true })
  const files = [
    [join(dir, 'wallet-conformance.json'), `${JSON.stringify(report, null, 2)}\n`],
    [join(dir, 'wallet-conformance.junit.xml'), formatConformanceJunit(report)],
  ]
  for (const [file, text] of files) writeFileSync(file, text)
  return files.map(([file]) => file)
}
