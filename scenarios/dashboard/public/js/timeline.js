// @ts-check
/** @typedef {import('../../pageTypes').ScenarioStep} Step */
/** @typedef {import('../../pageTypes').StepResult} StepResult */
/** @typedef {import('./names.js').Names} Names */
import { h, mark } from './dom.js'
import { formatDuration, has, t } from './i18n.js'
import { walletLink } from './links.js'
import { checkLabel, decisionPanel } from './trace.js'

/**
 * The parties a step involves, whether or not it has run.
 * @param {Step} step
 * @returns {string[]}
 */
export function partiesOf(step) {
  /** @type {Partial<Record<'certifier' | 'issuer' | 'registrar' | 'holder' | 'verifier', string>> & { programs?: string[] }} */
  const roles = /** @type {any} */ (step)
  const named = [roles.certifier, roles.issuer, roles.registrar, roles.holder, roles.verifier, ...(roles.programs ?? [])]
  return named.filter((party) => typeof party === 'string')
}

/** A notification topic in words ("death.registered"), or the topic itself when the catalog has none. */
const topicLabel = (/** @type {string} */ topic) => (has(`topic.${topic}`) ? t(`topic.${topic}`) : topic)

/**
 * @param {Step} step
 * @param {Names} names
 */
function title(step, names) {
  const party = names.party
  switch (step.action) {
    case 'issue':
      return t('step.issue', { issuer: party(step.issuer), holder: party(step.holder), type: names.credentialType(step.credentialType) })
    case 'present':
      return t('step.present', { holder: party(step.holder), verifier: party(step.verifier), policy: names.policy(step.policy) })
    case 'certify':
      return t('step.certify', { certifier: party(step.certifier), registrar: party(step.registrar) })
    case 'register':
      return t('step.register', { registrar: party(step.registrar), holder: party(step.holder) })
    case 'correct':
      return t('step.correct', { registrar: party(step.registrar) })
    case 'expect-notifications':
      return t('step.notifications', { count: step.programs.length, topic: topicLabel(step.topic) })
    case 'wait':
      return t('step.wait', { seconds: step.seconds })
    default:
      return step.id
  }
}

/**
 * @param {Step} step
 * @param {'pending' | 'running' | 'done'} state
 * @param {StepResult | undefined} result
 */
function status(step, state, result) {
  if (state === 'pending') return h('span', { class: 'status pending' }, t('status.pending'))
  if (state === 'running') return h('span', { class: 'status running' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), t('status.running'))
  if (!result) return null
  const label = !result.passed ? t('status.notExpected') : step.action === 'present' ? t('status.asExpected') : t('status.done')
  return h('span', { class: `status ${result.passed ? 'pass' : 'fail'}` }, mark(result.passed, label), label)
}

/**
 * @param {Extract<Step, { action: 'present' }>['expect']} expect
 * @param {Extract<Step, { action: 'present' }>} step
 * @param {Names} names
 */
function expectation(expect, step, names) {
  const outcome = t(`decision.${expect.outcome}`, { verifier: names.party(step.verifier), policy: names.policy(step.policy) })
  return h('p', { class: 'expectation' }, h('strong', {}, t('step.expected')), ' ', outcome, expect.failedCheck ? ` — ${t('step.expectedCheck', { check: checkLabel(expect.failedCheck) })}` : '')
}

/**
 * @param {Step} step
 * @param {StepResult | undefined} result
 * @param {Names} names
 */
function body(step, result, names) {
  /** @type {HTMLElement[]} */
  const parts = []
  if (step.action === 'present' && step.fault)
    parts.push(h('p', { class: 'fault' }, h('strong', {}, t('fault.title')), ' ', t(`fault.${step.fault.kind}`, { claim: 'claim' in step.fault ? step.fault.claim : '' })))
  if (step.action === 'present') parts.push(expectation(step.expect, step, names))
  if (!result) return parts
  if (result.links?.offerUri) parts.push(walletLink('offer', result.links.offerUri, { txCode: result.links.txCode, note: t('link.offer.usedNote') }))
  if (result.links?.requestUri) parts.push(walletLink('request', result.links.requestUri, { note: t('link.request.usedNote') }))
  if (step.action === 'issue' && result.passed) parts.push(h('p', { class: 'result-line' }, t('result.issued', { holder: names.party(step.holder), type: names.credentialType(step.credentialType) })))
  if (step.action === 'register' && result.passed) parts.push(h('p', { class: 'result-line' }, t('result.registered', { holder: names.party(step.holder) })))
  if (step.action === 'correct') parts.push(h('p', { class: 'result-line' }, h('strong', {}, t('step.reason')), ' ', step.reason))
  if (step.action === 'correct' && result.passed) parts.push(h('p', { class: 'result-line' }, t('result.corrected')))
  if (step.action === 'expect-notifications' && result.passed) parts.push(h('p', { class: 'result-line' }, t('result.notified', { topic: topicLabel(step.topic) })))
  if (step.action === 'expect-notifications' && !result.passed) parts.push(h('p', { class: 'error-line' }, result.summary))
  if (step.action === 'wait') parts.push(h('p', { class: 'result-line' }, t('result.waited', { seconds: step.seconds })))
  if (step.action === 'present' && result.decision) parts.push(decisionPanel(result.decision, { policyId: step.policy, verifierKey: step.verifier, names }))
  else if (step.action === 'present' && result.walletOutcome?.error) parts.push(h('p', { class: 'error-line' }, t('result.walletError'), ' ', result.walletOutcome.error))
  if (result.error) parts.push(h('p', { class: 'error-line' }, t('result.error'), ' ', result.error))
  return parts
}

/**
 * One step of the exchange: who, what, and — once it ran — what each party saw and decided.
 * @param {Step} step
 * @param {number} index
 * @param {import('../../pageTypes').StepView} view
 * @param {Names} names
 */
export function stepCard(step, index, view, names) {
  const { state } = view
  const result = view.state === 'done' ? view.result : undefined
  return h(
    'li',
    { class: `step ${state} ${result ? (result.passed ? 'passed' : 'failed') : ''}`, dataset: { stepId: step.id, action: step.action } },
    h('div', { class: 'step-index', 'aria-hidden': 'true' }, String(index + 1)),
    h(
      'div',
      { class: 'step-main' },
      h('div', { class: 'step-head' }, h('h3', {}, title(step, names)), status(step, state, result), result ? h('span', { class: 'duration' }, formatDuration(result.durationMs)) : null),
      h(
        'div',
        { class: 'chips' },
        partiesOf(step).map((key) => h('span', { class: `chip role-${names.roleKey(key)}` }, names.party(key))),
      ),
      body(step, result, names),
    ),
  )
}

/**
 * The run's verdict: did the pilot behave as the scenario says it should?
 * @param {import('../../pageTypes').PageRun} run
 */
export function verdict(run) {
  if (run.status === 'failed') return h('div', { class: 'verdict fail' }, mark(false, t('mark.failed')), h('span', {}, t('run.crashed', { message: run.error })))
  if (!run.result) return h('div', { class: 'verdict running' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), h('span', {}, t('run.inProgress')))
  const passed = run.result.passed
  return h(
    'div',
    { class: `verdict ${passed ? 'pass' : 'fail'}`, dataset: { verdict: passed ? 'pass' : 'fail' } },
    mark(passed, t(passed ? 'mark.passed' : 'mark.failed')),
    h('span', {}, t(passed ? 'run.verdict.pass' : 'run.verdict.fail')),
    h('span', { class: 'duration' }, formatDuration(run.result.durationMs)),
  )
}
