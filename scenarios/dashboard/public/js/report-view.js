// @ts-check
/** @typedef {import('../../pageTypes').ReportedResult} Result */
/** @typedef {{ key: string, protocol: string, format: string }} Column */
import { ApiError, api, messageOf } from './api.js'
import { fill, h, mark } from './dom.js'
import { formatDate, formatDuration, pick, t } from './i18n.js'
import { checkLabel } from './trace.js'

const columnKey = (/** @type {{ protocol: string, format: string }} */ r) => `${r.protocol} ${r.format}`
const rowKey = (/** @type {Result} */ r) => `${r.scenarioId}/${r.variantId}`
/**
 * @template T
 * @param {T[]} items
 * @param {(item: T) => string} key
 * @returns {T[]}
 */
const uniqueBy = (items, key) => [...new Map(items.map((item) => [key(item), item])).values()]

/** The step that decides a variant: its last presentation, or its last step when it never got there. */
const decisiveStep = (/** @type {Result} */ result) => result.steps.filter((s) => s.action === 'present').at(-1) ?? result.steps.at(-1)

/**
 * The same layout as the HTML report (scenarios/reportGrid.ts): the combinations some cell ran as columns, the rest
 * folded into one footnote, and each not-run reason numbered once on its row, its column or its cell.
 * @param {Result[]} results
 */
function gridOf(results) {
  const columns = uniqueBy(results, columnKey)
    .filter((c) => results.some((r) => columnKey(r) === columnKey(c) && r.status !== 'unsupported'))
    .map((r) => ({ key: columnKey(r), protocol: r.protocol, format: r.format }))
  const folded = uniqueBy(results, columnKey).filter((r) => !columns.some((c) => c.key === columnKey(r)))
  // a run crossing several implementations of a role gives each crossing its own row
  const who = (/** @type {Result} */ r) => (r.implementations ? `${r.implementations.issuer} · ${r.implementations.wallet} · ${r.implementations.verifier}` : '')
  const crossed = new Set(results.map(who)).size > 1
  const crossingOf = (/** @type {Result} */ r) => (crossed ? who(r) : '')
  const keyOf = (/** @type {Result} */ r) => (crossed ? `${rowKey(r)} ${who(r)}` : rowKey(r))
  const rows = uniqueBy(results, keyOf)
  const byCell = new Map(results.map((r) => [`${keyOf(r)} ${columnKey(r)}`, r]))
  const find = (/** @type {Result} */ row, /** @type {Column} */ column) => byCell.get(`${keyOf(row)} ${column.key}`)
  /** @type {Map<string, number>} */
  const numbers = new Map()
  const number = (/** @type {string} */ reason) => numbers.get(reason) ?? numbers.set(reason, numbers.size + 1).size
  /** @type {Map<string, number>} */
  const onRow = new Map()
  /** @type {Map<string, number>} */
  const onColumn = new Map()
  /** @type {Map<string, number>} */
  const onCell = new Map()
  /** @type {Set<Result>} */
  const covered = new Set()
  const sharedReason = (/** @type {Result[]} */ cells) => {
    const reasons = new Set(cells.map((c) => c.failure?.reason ?? ''))
    return cells.length > 1 && reasons.size === 1 ? [...reasons][0] : undefined
  }
  for (const row of rows) {
    const cells = columns.flatMap((c) => find(row, c) ?? []).filter((r) => r.status === 'unsupported')
    const reason = sharedReason(cells)
    if (reason === undefined) continue
    onRow.set(keyOf(row), number(reason))
    for (const cell of cells) covered.add(cell)
  }
  for (const column of columns) {
    const cells = rows.flatMap((row) => find(row, column) ?? []).filter((r) => r.status === 'unsupported' && !covered.has(r))
    const reason = sharedReason(cells)
    if (reason !== undefined) onColumn.set(column.key, number(reason))
    else for (const cell of cells) onCell.set(`${keyOf(cell)} ${columnKey(cell)}`, number(cell.failure?.reason ?? ''))
  }
  return { columns, folded, rows, keyOf, crossingOf, find, notes: { numbers, onRow, onColumn, onCell } }
}

const noteLink = (/** @type {number | undefined} */ n) => (n ? h('sup', {}, h('a', { href: `#report-note-${n}`, 'aria-label': t('report.noteNumber', { n }) }, String(n))) : null)

/** @param {Result} result */
function outcomeOf(result) {
  const decision = decisiveStep(result)?.decision
  if (!decision) return ''
  return `${t(`outcome.${decision.outcome}`)}${decision.failedChecks.length ? ` (${decision.failedChecks.map((c) => checkLabel(c)).join(', ')})` : ''}`
}

/** One glyph and the variant's time; the outcome for screen readers and on hover; a failure opens to its reason. */
/**
 * @param {Result | undefined} result
 * @param {Result} row
 * @param {Column} column
 * @param {number | undefined} note
 */
function cell(result, row, column, note) {
  const where = { variant: row.variantId, protocol: column.protocol, format: column.format }
  if (!result || result.status === 'unsupported') {
    return h('td', { class: 'cell na', dataset: where }, h('span', { 'aria-hidden': 'true' }, '–'), h('span', { class: 'sr-only' }, t('report.notRun')), noteLink(note))
  }
  const passed = result.status === 'pass'
  const outcome = outcomeOf(result)
  const head = [
    mark(passed, t(passed ? 'mark.passed' : 'mark.failed')),
    ' ',
    h('span', { class: 'time' }, formatDuration(result.durationMs)),
    outcome ? h('span', { class: 'sr-only' }, outcome) : null,
  ]
  if (passed) return h('td', { class: 'cell result pass', title: outcome, dataset: where }, head)
  const step = result.steps.find((s) => !s.passed)
  const reason = [result.failure?.stepId, result.failure?.reason ?? step?.summary].filter(Boolean).join(': ')
  return h('td', { class: 'cell result fail', title: outcome, dataset: where }, h('details', {}, h('summary', {}, head), h('div', { class: 'result-reason' }, reason)))
}

/** The latest full run (reports/latest.json) at a glance: scenario variants × the protocol/format combinations run. */
/**
 * @param {HTMLElement} root
 * @param {import('../../pageTypes').Catalog} catalog
 */
export function createReportView(root, catalog) {
  /** @type {import('../../pageTypes').RunReport | undefined} */
  let report
  /** @type {string | undefined} */
  let problem

  const variantOf = (/** @type {string} */ scenarioId, /** @type {string} */ variantId) => catalog.scenarios.find((s) => s.id === scenarioId)?.variants.find((v) => v.id === variantId)
  const variantName = (/** @type {string} */ scenarioId, /** @type {string} */ variantId) =>
    variantId === 'baseline' ? t('variant.baseline') : pick(variantOf(scenarioId, variantId)?.description) || variantId

  function render() {
    const head = h('div', { class: 'report-head' }, h('h2', { id: 'report-title' }, t('report.title')), h('button', { class: 'secondary', onclick: load }, t('common.refresh')))
    if (problem) return fill(root, h('section', { class: 'panel' }, head, h('p', { class: 'muted' }, problem)))
    if (!report) return fill(root, h('section', { class: 'panel' }, head, h('p', { class: 'muted' }, t('common.loading'))))
    const { columns, folded, rows, keyOf, crossingOf, find, notes } = gridOf(report.results)
    const header = h(
      'tr',
      {},
      h('th', { scope: 'col' }, t('report.variant')),
      columns.map((c) =>
        h(
          'th',
          { scope: 'col', dataset: { protocol: c.protocol, format: c.format } },
          t(`protocol.${c.protocol}`),
          h('br'),
          h('code', { title: t(`format.${c.format}`) }, c.format),
          noteLink(notes.onColumn.get(c.key)),
        ),
      ),
    )
    const bodies = uniqueBy(rows, (r) => r.scenarioId).map(({ scenarioId }) =>
      h(
        'tbody',
        { dataset: { scenario: scenarioId } },
        h('tr', { class: 'group' }, h('th', { scope: 'rowgroup', colspan: columns.length + 1 }, pick(catalog.scenarios.find((s) => s.id === scenarioId)?.name) || scenarioId)),
        rows
          .filter((row) => row.scenarioId === scenarioId)
          .map((row) =>
            h(
              'tr',
              { dataset: { variant: row.variantId } },
              h(
                'th',
                { scope: 'row' },
                variantName(scenarioId, row.variantId),
                noteLink(notes.onRow.get(keyOf(row))),
                crossingOf(row) ? [h('br'), h('small', { class: 'muted' }, crossingOf(row))] : null,
              ),
              columns.map((c) => cell(find(row, c), row, c, notes.onCell.get(`${keyOf(row)} ${c.key}`))),
            ),
          ),
      ),
    )
    fill(
      root,
      h(
        'section',
        { class: 'panel' },
        head,
        h(
          'p',
          { class: 'report-summary' },
          t('report.summary', { date: formatDate(report.finishedAt), passed: report.passed, failed: report.failed, unsupported: report.unsupported }),
          ' ',
          mark(report.failed === 0, t(report.failed === 0 ? 'mark.passed' : 'mark.failed')),
        ),
        h('table', { class: 'matrix compact', 'aria-labelledby': 'report-title' }, h('thead', {}, header), bodies),
        h('p', { class: 'muted small' }, t('report.legend')),
        notes.numbers.size
          ? h(
              'section',
              { class: 'report-notes' },
              h('h3', {}, t('report.notes')),
              h(
                'ol',
                {},
                [...notes.numbers].map(([reason, n]) => h('li', { id: `report-note-${n}`, value: n }, reason)),
              ),
            )
          : null,
        folded.length ? h('p', { class: 'report-folded muted' }, t('report.folded', { combinations: folded.map((r) => `${t(`protocol.${r.protocol}`)} ${r.format}`).join(', ') })) : null,
      ),
    )
  }

  async function load() {
    problem = undefined
    try {
      report = await api('GET', '/api/report')
    } catch (error) {
      report = undefined
      problem = error instanceof ApiError && error.status === 404 ? t('report.none') : messageOf(error)
    }
    render()
  }

  document.addEventListener('languagechange', render)
  return { show: load }
}
