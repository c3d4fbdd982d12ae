import type { ReportedResult, RunReport } from './report'

/** The layout both the text and the HTML report draw: variants down, the protocol/format combinations run across. */
export interface Column {
  key: string
  protocol: string
  format: string
}

export interface Grid {
  /** Combinations at least one cell ran. */
  columns: Column[]
  /** Combinations no cell ran, each with the reason most of its cells give (a variant's own reach is said on its row). */
  folded: { column: Column; reason: string }[]
  /** One result per scenario variant (per variant and implementations when the run crossed several), in report order. */
  rows: ReportedResult[]
  /** A row's key, for `find` and the notes. */
  keyOf(row: ReportedResult): string
  /** Who played a row when the run crossed several implementations (`issuer · wallet · verifier`), else ''. */
  crossingOf(row: ReportedResult): string
  find(row: string, column: Column): ReportedResult | undefined
  /** Each not-run cell's reason, numbered once and placed on its row, its column or the cell itself. */
  notes: { numbers: Map<string, number>; onColumn: Map<string, number>; onRow: Map<string, number>; onCell: Map<string, number> }
}

export const columnKey = (r: Pick<ReportedResult, 'protocol' | 'format'>) => `${r.protocol} ${r.format}`
export const rowKey = (r: Pick<ReportedResult, 'scenarioId' | 'variantId'>) => `${r.scenarioId}/${r.variantId}`
export const uniqueBy = <T>(items: T[], key: (item: T) => string) => [...new Map(items.map((item) => [key(item), item])).values()]

/** Where each not-run cell's reason is said once: on its row when the whole row shares it, else on its column, else on the cell. */
function placeNotes(rows: string[], columns: Column[], find: Grid['find'], keyOf: Grid['keyOf']): Grid['notes'] {
  const numbers = new Map<string, number>()
  const number = (reason: string) => numbers.get(reason) ?? numbers.set(reason, numbers.size + 1).get(reason)!
  const onColumn = new Map<string, number>()
  const onRow = new Map<string, number>()
  const onCell = new Map<string, number>()
  const covered = new Set<ReportedResult>()
  const sharedReason = (cells: ReportedResult[]) => {
    const reasons = new Set(cells.map((c) => c.failure?.reason ?? ''))
    return cells.length > 1 && reasons.size === 1 ? [...reasons][0] : undefined
  }
  for (const row of rows) {
    const cells = columns.flatMap((column) => find(row, column) ?? []).filter((r) => r.status === 'unsupported')
    const reason = sharedReason(cells)
    if (reason === undefined) continue
    onRow.set(row, number(reason))
    for (const cell of cells) covered.add(cell)
  }
  for (const column of columns) {
    const cells = rows.flatMap((row) => find(row, column) ?? []).filter((r) => r.status === 'unsupported' && !covered.has(r))
    const reason = sharedReason(cells)
    if (reason !== undefined) onColumn.set(column.key, number(reason))
    else for (const cell of cells) onCell.set(`${keyOf(cell)} ${columnKey(cell)}`, number(cell.failure?.reason ?? ''))
  }
  return { numbers, onColumn, onRow, onCell }
}

export function gridOf(report: RunReport): Grid {
  const all = report.results
  const allColumns = uniqueBy(all, columnKey).map((r): Column => ({ key: columnKey(r), protocol: r.protocol, format: r.format }))
  const columns = allColumns.filter((c) => all.some((r) => columnKey(r) === c.key && r.status !== 'unsupported'))
  const folded = allColumns
    .filter((c) => !columns.includes(c))
    .map((column) => {
      const reasons = all.filter((r) => columnKey(r) === column.key).map((r) => r.failure?.reason ?? '')
      const count = (reason: string) => reasons.filter((r) => r === reason).length
      return { column, reason: reasons.toSorted((a, b) => count(b) - count(a))[0] }
    })
  const who = (r: ReportedResult) => (r.implementations ? `${r.implementations.issuer} · ${r.implementations.wallet} · ${r.implementations.verifier}` : '')
  const crossed = new Set(all.map(who)).size > 1
  const crossingOf = (r: ReportedResult) => (crossed ? who(r) : '')
  const keyOf = (r: ReportedResult) => (crossed ? `${rowKey(r)} ${who(r)}` : rowKey(r))
  const rows = uniqueBy(all, keyOf)
  const byCell = new Map(all.map((r) => [`${keyOf(r)} ${columnKey(r)}`, r]))
  const find = (row: string, column: Column) => byCell.get(`${row} ${column.key}`)
  return { columns, folded, rows, keyOf, crossingOf, find, notes: placeNotes(rows.map(keyOf), columns, find, keyOf) }
}
