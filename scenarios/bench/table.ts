import type { Ed25519Rates } from './ed25519'
import { type BenchRow, successCount } from './rows'

const number = (value: number | undefined, digits = 1) => (value === undefined || Number.isNaN(value) ? '' : value >= 1000 ? Math.round(value).toLocaleString('en-CA') : value.toFixed(digits))

const COLUMNS: { title: string; cell: (row: BenchRow) => string; right?: boolean }[] = [
  { title: 'measurement', cell: (r) => r.name },
  { title: 'conc', cell: (r) => (r.concurrency === undefined ? '' : String(r.concurrency)), right: true },
  { title: 'ok/ops', cell: successCount, right: true },
  { title: 'ops/s', cell: (r) => (r.failure ? 'FAILED' : number(r.throughput)), right: true },
  { title: 'p50 ms', cell: (r) => number(r.p50Ms, 2), right: true },
  { title: 'p99 ms', cell: (r) => number(r.p99Ms, 2), right: true },
  { title: 'sign+verify/op', cell: (r) => (r.signsPerOp === undefined ? '' : `${number(r.signsPerOp)}+${number(r.verifiesPerOp)}`), right: true },
  { title: 'Ed25519 bound/s', cell: (r) => number(r.signatureCeiling, 0), right: true },
  { title: '% of bound', cell: (r) => (r.signatureCeiling && r.throughput ? `${((100 * r.throughput) / r.signatureCeiling).toFixed(1)}%` : ''), right: true },
  { title: 'target', cell: (r) => (r.target ? `${r.target.met ? 'met' : 'MISSED'} ${r.target.text}` : '') },
]

/** The bench's results as a fixed-width table, one block per section. */
export function formatTable(rows: BenchRow[], rates: Ed25519Rates): string {
  const cells = rows.map((row) => COLUMNS.map((c) => c.cell(row)))
  const widths = COLUMNS.map((c, i) => Math.max(c.title.length, ...cells.map((line) => line[i].length)))
  const line = (values: string[]) =>
    values
      .map((v, i) => (COLUMNS[i].right ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd()
  const out = [
    `Raw node:crypto Ed25519 on one core: sign ${number(rates.signPerSecond, 0)}/s, verify ${number(rates.verifyPerSecond, 0)}/s ` +
      `(sign with a JWK import per call, as Credo's Node KMS does: ${number(rates.signWithJwkImportPerSecond, 0)}/s); ` +
      `ES256 sign ${number(rates.es256.signPerSecond, 0)}/s, verify ${number(rates.es256.verifyPerSecond, 0)}/s; ${rates.cores} cores.`,
    `"Ed25519 bound/s" = ${rates.cores} cores / (signs/op ÷ sign rate + verifies/op ÷ verify rate): what signatures alone would allow.`,
    '',
    line(COLUMNS.map((c) => c.title)),
    line(widths.map((w) => '-'.repeat(w))),
  ]
  let section: string | undefined
  rows.forEach((row, i) => {
    if (row.section !== section) {
      section = row.section
      out.push(`[${section}]`)
    }
    out.push(line(cells[i]))
    if (row.failure) out.push(`    FAILED: ${row.failure}`)
    if (row.note) out.push(`    ${row.note}`)
  })
  return out.join('\n')
}

/** Where the time of each operation went: mean ms per phase and CPU ms per service process. */
export function formatBreakdown(rows: BenchRow[]): string {
  const out: string[] = []
  for (const row of rows) {
    const phases = Object.entries(row.phases ?? {}).map(([name, ms]) => `${name} ${ms.toFixed(1)}`)
    const cpu = Object.entries(row.cpuMsPerOp ?? {}).map(([service, ms]) => `${service} ${(ms ?? 0).toFixed(2)}`)
    if (!phases.length && !cpu.length) continue
    out.push(`${row.name}${row.concurrency ? ` c=${row.concurrency}` : ''}: ${phases.length ? `phases ms ${phases.join(', ')}` : ''}${cpu.length ? `; CPU ms/op ${cpu.join(', ')}` : ''}`)
  }
  return out.join('\n')
}
