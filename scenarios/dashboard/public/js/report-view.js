import { api } from './api.js'
import { fill, h, mark } from './dom.js'
import { formatDate, formatDuration, pick, t } from './i18n.js'
import { checkLabel } from './trace.js'


/** The step that decides a variant: its last presentation, or its last step when it never got there. */
const decisiveStep = (result) => result.steps.filter((s) => s.action === 'present').at(-1) ?? result.steps.at(-1)

/** `variant` is the catalog's, to tell a format the variant does not apply to from one this run skipped. */
function cell(result, variant, format) {
  if (!result) return h('td', { class: 'na' }, t(variant && !variant.formats.includes(format) ? 'report.notApplicable' : 'report.notRun'))
  const step = decisiveStep(result)
  const decision = step?.decision
  const outcome = decision
    ? [t(`outcome.${decision.outcome}`), decision.failedChecks.length ? ` (${decision.failedChecks.map((c) => checkLabel(c)).join(', ')})` : '']
    : []
  const reason = !result.passed ? result.steps.find((s) => !s.passed)?.summary : decision?.reasons[0]
  return h(
    'td',
    { class: `result ${result.passed ? 'pass' : 'fail'}`, dataset: { variant: result.variantId, format: result.format } },
    h('div', { class: 'result-head' }, mark(result.passed, t(result.passed ? 'mark.passed' : 'mark.failed')), h('strong', {}, t(result.passed ? 'report.pass' : 'report.fail'))),
    outcome.length ? h('div', { class: 'result-outcome' }, outcome) : null,
    reason ? h('div', { class: 'result-reason', title: reason }, reason) : null,
    h('div', { class: 'muted small' }, formatDuration(result.durationMs)),
  )
}

/** The latest full run (reports/latest.json) as a matrix: scenario × variant × format → pass or fail, and why. */
export function createReportView(root, catalog) {
  let report
  let problem

  const variantOf = (scenarioId, variantId) => catalog.scenarios.find((s) => s.id === scenarioId)?.variants.find((v) => v.id === variantId)
  const variantName = (scenarioId, variantId) => (variantId === 'baseline' ? t('variant.baseline') : pick(variantOf(scenarioId, variantId)?.description) || variantId)

  function render() {
    const head = h('div', { class: 'report-head' }, h('h2', {}, t('report.title')), h('button', { class: 'secondary', onclick: load }, t('common.refresh')))
    if (problem) return fill(root, h('section', { class: 'panel' }, head, h('p', { class: 'muted' }, problem)))
    if (!report) return fill(root, h('section', { class: 'panel' }, head, h('p', { class: 'muted' }, t('common.loading'))))
    const rows = new Map()
    // the matrix also lists protocol/format combinations not run (status 'unsupported'): show what ran
    for (const result of report.results.filter((r) => r.status !== 'unsupported')) {
      const key = `${result.scenarioId}/${result.variantId}`
      rows.set(key, { ...(rows.get(key) ?? { scenarioId: result.scenarioId, variantId: result.variantId }), [result.format]: result })
    }
    const scenarioIds = [...new Set(report.results.map((r) => r.scenarioId))]
    fill(
      root,
      h(
        'section',
        { class: 'panel' },
        head,
        h('p', { class: 'report-summary' },
          t('report.summary', { date: formatDate(report.finishedAt), passed: report.passed, failed: report.failed }),
          ' ',
          mark(report.failed === 0, t(report.failed === 0 ? 'mark.passed' : 'mark.failed')),
        ),
        scenarioIds.map((scenarioId) =>
          h(
            'table',
            { class: 'matrix', dataset: { scenario: scenarioId } },
            h('caption', {}, pick(catalog.scenarios.find((s) => s.id === scenarioId)?.name) || scenarioId),
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('report.variant')), catalog.formats.map((f) => h('th', { scope: 'col' }, t(`format.${f}`))))),
            h(
              'tbody',
              {},
              [...rows.values()]
                .filter((row) => row.scenarioId === scenarioId)
                .map((row) => h('tr', {}, h('th', { scope: 'row' }, variantName(scenarioId, row.variantId)), catalog.formats.map((f) => cell(row[f], variantOf(scenarioId, row.variantId), f)))),
            ),
          ),
        ),
      ),
    )
  }

  async function load() {
    problem = undefined
    try {
      report = await api('GET', '/api/report')
    } catch (error) {
      report = undefined
      problem = error.status === 404 ? t('report.none') : error.message
    }
    render()
  }

  document.addEventListener('languagechange', render)
  return { show: load }
}
