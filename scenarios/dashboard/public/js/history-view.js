// @ts-check
/** @typedef {import('../../pageTypes').PastRun} PastRun */
/** @typedef {import('../../pageTypes').RunDiff} RunDiff */
/** @typedef {import('../../pageTypes').CellChange} CellChange */
import { api, messageOf } from './api.js'
import { fill, h, mark, targetValue } from './dom.js'
import { formatDate, t } from './i18n.js'

/** @type {CellChange['kind'][]} */
const KINDS = ['regressed', 'fixed', 'changed', 'added', 'removed']

const status = (/** @type {string | undefined} */ value) => t(`history.status.${value ?? 'none'}`)

/** @param {PastRun} run */
function runLabel(run) {
  return `${formatDate(run.startedAt)} — ${t('history.counts', { ...run })}`
}

/** @param {CellChange} change */
function changeItem(change) {
  return h(
    'li',
    { class: `change ${change.kind}`, dataset: { kind: change.kind, variant: change.variantId, format: change.format, protocol: change.protocol } },
    h('strong', {}, `${change.scenarioId} / ${change.variantId}`),
    ' · ',
    h('code', {}, `${change.protocol} ${change.format}`),
    ' · ',
    `${status(change.before)} → ${status(change.after)}`,
    change.reason ? h('div', { class: 'change-reason' }, change.reason) : null,
  )
}

/**
 * Past runs (their evidence bundles) and what changed between two of them, regressions first.
 * @param {HTMLElement} root
 */
export function createHistoryView(root) {
  /** @type {PastRun[] | undefined} */
  let runs
  /** @type {RunDiff | undefined} */
  let diff
  /** @type {string | undefined} */
  let problem
  /** @type {string | undefined} */
  let from
  /** @type {string | undefined} */
  let to

  /** @param {PastRun[]} runs */
  function compareForm(runs) {
    /**
     * @param {string} id
     * @param {string} label
     * @param {string | undefined} selected
     * @param {(event: Event) => void} onchange
     */
    const choice = (id, label, selected, onchange) =>
      h(
        'label',
        { class: 'field' },
        h('span', {}, label),
        h(
          'select',
          { id, onchange },
          runs.map((run) => h('option', { value: run.runId, selected: run.runId === selected }, runLabel(run))),
        ),
      )
    return h(
      'form',
      {
        class: 'history-compare',
        onsubmit: (/** @type {SubmitEvent} */ event) => {
          event.preventDefault()
          compare()
        },
      },
      choice('history-from', t('history.from'), from, (event) => (from = targetValue(event))),
      choice('history-to', t('history.to'), to, (event) => (to = targetValue(event))),
      h('button', { type: 'submit', class: 'primary' }, t('history.compare')),
    )
  }

  /**
   * @param {PastRun[]} runs
   * @param {RunDiff | undefined} diff
   */
  function diffSection(runs, diff) {
    if (!diff) return null
    const name = (/** @type {string} */ runId) => formatDate(runs.find((r) => r.runId === runId)?.startedAt ?? runId)
    const groups = KINDS.map((kind) => /** @type {const} */ ([kind, diff.changes.filter((c) => c.kind === kind)])).filter(([, changes]) => changes.length)
    return h(
      'section',
      { class: 'history-diff', 'aria-labelledby': 'history-diff-title' },
      h('h3', { id: 'history-diff-title' }, t('history.diffTitle', { from: name(diff.from), to: name(diff.to) })),
      groups.length
        ? groups.map(([kind, changes]) => [h('h4', {}, `${t(`history.kind.${kind}`)} (${changes.length})`), h('ul', { class: 'changes' }, changes.map(changeItem))])
        : h('p', { class: 'muted' }, t('history.noChange')),
    )
  }

  /** @param {PastRun[]} runs */
  function runTable(runs) {
    return h(
      'table',
      { class: 'data history-runs' },
      h('caption', { class: 'sr-only' }, t('history.title')),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['history.run', 'history.result', 'history.evidence'].map((key) => h('th', { scope: 'col' }, t(key))),
        ),
      ),
      h(
        'tbody',
        {},
        runs.map((run) =>
          h(
            'tr',
            { dataset: { run: run.runId } },
            h('th', { scope: 'row' }, formatDate(run.startedAt), h('div', { class: 'muted small' }, h('code', {}, run.runId))),
            h('td', {}, mark(run.failed === 0, t(run.failed === 0 ? 'mark.passed' : 'mark.failed')), ' ', t('history.counts', { ...run })),
            h(
              'td',
              { class: 'evidence' },
              mark(run.verified, t(run.verified ? 'history.verified' : 'history.notVerified', { ...run })),
              ' ',
              t(run.verified ? 'history.verified' : 'history.notVerified', { ...run }),
            ),
          ),
        ),
      ),
    )
  }

  function render() {
    const head = h('div', { class: 'report-head' }, h('h2', {}, t('history.title')), h('button', { class: 'secondary', onclick: load }, t('common.refresh')))
    if (problem) return fill(root, h('section', { class: 'panel' }, head, h('p', { class: 'error-line', role: 'alert' }, problem)))
    if (!runs) return fill(root, h('section', { class: 'panel' }, head, h('p', { class: 'muted' }, t('common.loading'))))
    if (!runs.length) return fill(root, h('section', { class: 'panel' }, head, h('p', { class: 'muted' }, t('history.none'))))
    fill(root, h('section', { class: 'panel' }, head, diffSection(runs, diff), runs.length > 1 ? compareForm(runs) : h('p', { class: 'muted' }, t('history.onlyOne')), runTable(runs)))
  }

  async function compare() {
    problem = undefined
    try {
      diff = from && to ? await api('GET', `/api/history/diff?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`) : undefined
    } catch (error) {
      problem = messageOf(error)
    }
    render()
  }

  async function load() {
    problem = undefined
    try {
      /** @type {PastRun[]} */
      const listed = (await api('GET', '/api/history')).runs
      runs = listed
      // newest against the one before it: what the last run changed
      ;[to, from] = [listed[0]?.runId, listed[1]?.runId]
      if (listed.length > 1) return compare()
      diff = undefined
    } catch (error) {
      problem = messageOf(error)
    }
    render()
  }

  document.addEventListener('languagechange', render)
  return { show: load }
}
