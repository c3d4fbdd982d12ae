// @ts-check
/** @typedef {import('../../pageTypes').Catalog} Catalog */
/** @typedef {import('../../pageTypes').VariantView} VariantView */
/** @typedef {import('../../pageTypes').PageRun} PageRun */
import { api, messageOf } from './api.js'
import { fill, h, targetValue } from './dom.js'
import { pick, t } from './i18n.js'
import { namer } from './names.js'
import { partiesOf, stepCard, verdict } from './timeline.js'

/**
 * The pilot runner: pick a scenario, a variant and a format, run it, and watch the exchange step by step.
 * @param {HTMLElement} root
 * @param {Catalog} catalog
 */
export function createRunView(root, catalog) {
  /** @type {{ scenarioId: string | undefined, variantId: string, format: Catalog['formats'][number] | undefined, run: PageRun | undefined, message: string | undefined }} */
  const state = {
    scenarioId: catalog.scenarios[0]?.id,
    variantId: 'baseline',
    format: catalog.formats[0],
    run: undefined,
    message: undefined,
  }
  const scenario = () => catalog.scenarios.find((s) => s.id === state.scenarioId)
  const variant = () => scenario()?.variants.find((v) => v.id === state.variantId)
  const names = () => namer(catalog, scenario())
  const running = () => state.run?.status === 'running'
  /** @returns {import('../../pageTypes').StepView} */
  const stepState = (/** @type {string} */ stepId) => state.run?.steps[stepId] ?? { state: 'pending' }

  const controls = h('section', { class: 'panel controls', 'aria-labelledby': 'run-controls-title' })
  const timeline = h('section', { class: 'panel timeline-panel', 'aria-live': 'polite' })
  fill(root, h('div', { class: 'run-layout' }, controls, timeline))

  /** @param {Partial<Pick<typeof state, 'scenarioId' | 'variantId' | 'format'>>} patch */
  function choose(patch) {
    if (running()) return
    Object.assign(state, patch, { run: undefined, message: undefined })
    const formats = variant()?.formats ?? []
    if (!state.format || !formats.includes(state.format)) state.format = formats[0]
    render()
  }

  /** @param {Pick<VariantView, 'id' | 'description'>} v */
  function variantLabel(v) {
    return v.id === 'baseline' ? t('variant.baseline') : pick(v.description)
  }

  function renderControls() {
    const current = scenario()
    const n = names()
    const activeStep = current?.variants.find((v) => v.id === state.variantId)?.steps.find((s) => stepState(s.id).state === 'running')
    const active = new Set(activeStep ? partiesOf(activeStep) : [])
    const tookPart = new Set((variant()?.steps ?? []).filter((s) => stepState(s.id).state === 'done').flatMap(partiesOf))
    fill(
      controls,
      h('h2', { id: 'run-controls-title' }, t('run.title')),
      h('label', { class: 'field-label', for: 'scenario-select' }, t('run.scenario')),
      h(
        'select',
        { id: 'scenario-select', disabled: running(), onchange: (/** @type {Event} */ e) => choose({ scenarioId: targetValue(e), variantId: 'baseline' }) },
        catalog.scenarios.map((s) => h('option', { value: s.id, selected: s.id === state.scenarioId }, pick(s.name))),
      ),
      h('p', { class: 'muted small' }, pick(current?.description)),
      h(
        'fieldset',
        { class: 'variants' },
        h('legend', { class: 'field-label' }, t('run.variant')),
        (current?.variants ?? []).map((v) =>
          h(
            'label',
            { class: `variant-option ${v.id === state.variantId ? 'selected' : ''}`, dataset: { variant: v.id } },
            h('input', { type: 'radio', name: 'variant', value: v.id, checked: v.id === state.variantId, disabled: running(), onchange: () => choose({ variantId: v.id }) }),
            h(
              'span',
              { class: 'variant-text' },
              h('span', { class: 'variant-name' }, variantLabel(v)),
              v.id === 'baseline' ? h('span', { class: 'muted small' }, t('variant.baseline.description')) : null,
            ),
          ),
        ),
      ),
      h(
        'fieldset',
        { class: 'formats' },
        h('legend', { class: 'field-label' }, t('run.format')),
        catalog.formats.map((format) =>
          h(
            'label',
            { class: 'format-option' },
            h('input', {
              type: 'radio',
              name: 'format',
              value: format,
              checked: format === state.format,
              disabled: running() || !variant()?.formats.includes(format),
              onchange: () => choose({ format }),
            }),
            h('span', {}, n.format(format)),
          ),
        ),
      ),
      h('div', { class: 'field-label' }, t('run.parties')),
      h(
        'ul',
        { class: 'parties' },
        Object.entries(current?.parties ?? {}).map(([key, party]) =>
          h(
            'li',
            { class: `party role-${party.role} ${active.has(key) ? 'active' : ''} ${tookPart.has(key) ? 'took-part' : ''}`, dataset: { party: key } },
            h('span', { class: 'party-role' }, t(`role.${party.role}`)),
            h('span', { class: 'party-name' }, pick(party.name)),
          ),
        ),
      ),
      h('button', { class: 'primary run-button', id: 'run-button', disabled: running() || !state.format, onclick: start }, running() ? t('run.running') : t('run.start')),
      state.message ? h('p', { class: 'error-line', role: 'alert' }, state.message) : null,
    )
  }

  /**
   * @param {VariantView['steps'][number]} step
   * @param {number} index
   */
  function card(step, index) {
    return stepCard(step, index, stepState(step.id), names())
  }

  function renderTimeline() {
    const steps = variant()?.steps ?? []
    fill(
      timeline,
      h(
        'div',
        { class: 'timeline-head' },
        h('h2', {}, t('timeline.title')),
        h('p', { class: 'muted' }, `${pick(scenario()?.name)} — ${variantLabel(variant() ?? { id: 'baseline' })} — ${names().format(state.format)}`),
      ),
      state.run ? verdict(state.run) : h('p', { class: 'muted hint' }, t('timeline.hint')),
      h('ol', { class: 'timeline' }, steps.map(card)),
    )
  }

  /** Re-draws only the step that changed, so QR codes and open details elsewhere stay put. */
  /** @param {string} stepId */
  function renderStep(stepId) {
    const steps = variant()?.steps ?? []
    const index = steps.findIndex((s) => s.id === stepId)
    const existing = timeline.querySelector(`li.step[data-step-id="${CSS.escape(stepId)}"]`)
    if (index >= 0 && existing) existing.replaceWith(card(steps[index], index))
    renderControls()
  }

  function render() {
    renderControls()
    renderTimeline()
  }

  async function start() {
    state.message = undefined
    try {
      const { runId } = await api('POST', '/api/runs', { scenarioId: state.scenarioId, variantId: state.variantId, format: state.format })
      state.run = { id: runId, status: 'running', steps: {} }
      render()
      follow(runId)
    } catch (error) {
      state.message = messageOf(error)
      renderControls()
    }
  }

  /** @param {string} runId */
  function follow(runId) {
    const events = new EventSource(`/api/runs/${encodeURIComponent(runId)}/events`)
    /** The run this view follows, unless another has replaced it since. */
    const mine = () => (state.run?.id === runId ? state.run : undefined)
    events.addEventListener('step-started', (e) => {
      const { step } = JSON.parse(e.data)
      const run = mine()
      if (!run) return
      run.steps[step.id] = { state: 'running' }
      renderStep(step.id)
    })
    events.addEventListener('step-finished', (e) => {
      const { result } = JSON.parse(e.data)
      const run = mine()
      if (!run) return
      run.steps[result.stepId] = { state: 'done', result }
      renderStep(result.stepId)
    })
    /** @param {Partial<PageRun>} patch */
    const finish = (patch) => {
      events.close()
      const run = mine()
      if (!run) return
      Object.assign(run, patch)
      render()
    }
    events.addEventListener('done', (e) => finish({ status: 'finished', result: JSON.parse(e.data) }))
    events.addEventListener('failed', (e) => finish({ status: 'failed', error: JSON.parse(e.data).message }))
    events.onerror = () => {
      // the stream dropped before the end: catch up from the run's record, and follow again while it runs
      events.close()
      api('GET', `/api/runs/${encodeURIComponent(runId)}`)
        .then((/** @type {import('../../pageTypes').RunRecord} */ record) => {
          const run = mine()
          if (!run) return
          for (const result of record.steps) run.steps[result.stepId] = { state: 'done', result }
          if (record.status === 'running') setTimeout(() => follow(runId), 1000)
          else finish({ status: record.status, result: record.result, error: record.error })
        })
        .catch((error) => finish({ status: 'failed', error: messageOf(error) }))
    }
  }

  document.addEventListener('languagechange', render)
  render()
  return {}
}
