// @ts-check
/** @typedef {import('../../pageTypes').Decision} Decision */
/** @typedef {import('../../pageTypes').TraceStep} TraceStep */
/** @typedef {import('../../pageTypes').VerificationPolicy} Policy */
/** @typedef {import('./names.js').Names} Names */
import { h, mark } from './dom.js'
import { currentLanguage, formatDate, has, pick, t } from './i18n.js'

/**
 * What a trace step is about, in words: a credential (query id) or a policy rule (rule id).
 * @param {TraceStep} step
 * @param {Policy | undefined} policy
 * @param {Names} names
 */
function subjectName(step, policy, names) {
  if (step.check === 'policy') return pick(policy?.rules.find((r) => r.id === step.subject)?.description) || step.subject || ''
  const wanted = policy?.credentials.find((c) => c.id === step.subject)
  if (wanted) return names.credentialType(wanted.credentialType)
  return step.subject ?? t('trace.thePresentation')
}

/** What the verifier itself said about a step, in the page's language when the decision carries it (`messageFr`). */
const verifierSaid = (/** @type {TraceStep} */ step) => (currentLanguage() === 'fr' && step.messageFr) || step.message

/** A check's name, e.g. "Trust registry"; the raw name for a check this page has no words for. */
export const checkLabel = (/** @type {string} */ check) => (has(`check.${check}`) ? t(`check.${check}`) : check)

/** The plain-language sentence for one check: "The issuer's signature on Business registration is genuine." */
/**
 * @param {TraceStep} step
 * @param {Policy | undefined} policy
 * @param {Names} names
 */
export function checkSentence(step, policy, names) {
  const key = `check.${step.check}.${step.passed ? 'pass' : 'fail'}`
  if (!step.subject && has(`${key}.any`)) return t(`${key}.any`)
  return has(key) ? t(key, { subject: subjectName(step, policy, names) }) : verifierSaid(step)
}

const ANSWER_FIELDS = ['registry', 'jurisdiction', 'verdict', 'entity_name', 'entity_id', 'authority_id', 'action', 'resource', 'authorized', 'recognized', 'time_evaluated', 'message']

/**
 * @param {string} field
 * @param {any} value a field of a registry's signed answer
 */
function answerValue(field, value) {
  if (typeof value === 'boolean') return t(value ? 'common.yes' : 'common.no')
  if (field === 'entity_name') return pick(value)
  if (field === 'time_evaluated') return formatDate(value)
  return String(value)
}

/** The registry's signed answer(s) behind a trust-registry check, as facts a reader can scan. */
/** @param {any} detail the trust-registry line's detail: the signed answers, or the federation chain */
function registryAnswer(detail) {
  // a federated check's detail is the chain of signed answers, the verifier's own registry first (trust-registry/federation.ts)
  const answers = Array.isArray(detail?.chain)
    ? detail.chain.map((/** @type {any} */ link) => [link.question, link])
    : Object.entries(detail ?? {}).filter(([, value]) => value && typeof value === 'object')
  if (!answers.length) return null
  return h(
    'details',
    { class: 'registry-answer' },
    h('summary', {}, t('trace.registryAnswer')),
    answers.map((/** @type {[string, any]} */ [question, answer]) =>
      h(
        'div',
        { class: 'answer' },
        h('div', { class: 'answer-title' }, t(`trace.registry.${question}`)),
        h(
          'dl',
          {},
          ANSWER_FIELDS.filter((field) => answer[field] !== undefined && answer[field] !== null).flatMap((field) => [
            h('dt', {}, t(`trace.field.${field}`)),
            h('dd', {}, answerValue(field, answer[field])),
          ]),
        ),
      ),
    ),
    h('p', { class: 'muted small' }, t('trace.registry.signed')),
  )
}

/**
 * @param {Decision} decision
 * @param {Policy | undefined} policy
 * @param {Names} names
 */
export function traceList(decision, policy, names) {
  return h(
    'ol',
    { class: 'trace' },
    decision.trace.map((step) =>
      h(
        'li',
        { class: `trace-step ${step.passed ? 'pass' : 'fail'}`, dataset: { check: step.check } },
        mark(step.passed, t(step.passed ? 'mark.passed' : 'mark.failed')),
        h(
          'div',
          { class: 'trace-text' },
          h('span', { class: 'check-label' }, checkLabel(step.check)),
          h('span', { class: 'check-sentence' }, checkSentence(step, policy, names)),
          h('span', { class: 'check-detail' }, t('trace.verifierSaid'), ' ', verifierSaid(step)),
          step.check === 'trust-registry' ? registryAnswer(step.detail) : null,
        ),
      ),
    ),
  )
}

/** The claims the verifier received, per credential, with EN/FR claim names. */
/**
 * @param {Decision} decision
 * @param {Policy | undefined} policy
 * @param {Names} names
 * @param {string} verifierName
 */
function disclosedClaims(decision, policy, names, verifierName) {
  const entries = Object.entries(decision.disclosed ?? {})
  if (!entries.length) return null
  return h(
    'div',
    { class: 'disclosed' },
    h('h4', {}, t('decision.saw', { verifier: verifierName })),
    entries.map(([queryId, claims]) => {
      const typeId = policy?.credentials.find((c) => c.id === queryId)?.credentialType ?? queryId
      const wanted = policy?.credentials.find((c) => c.id === queryId)?.claims
      // in the order the verifier asked for them, which is the order a reader expects
      /** @type {[string, unknown][]} */
      const shown = wanted ? wanted.filter((claim) => claim in claims).map((claim) => [claim, claims[claim]]) : Object.entries(claims)
      return h(
        'table',
        { class: 'claims' },
        h('caption', {}, names.credentialType(typeId)),
        h(
          'tbody',
          {},
          shown.map(([claim, value]) => h('tr', {}, h('th', { scope: 'row' }, names.claim(typeId, claim)), h('td', {}, String(value)))),
        ),
      )
    }),
  )
}

/**
 * A verifier's decision: outcome, why, what it saw, and every check it made.
 * @param {Decision} decision
 * @param {{ policyId: string | undefined, verifierKey: string | undefined, names: Names }} context
 */
export function decisionPanel(decision, { policyId, verifierKey, names }) {
  const policy = names.policyOf(policyId)
  const verifierName = names.party(verifierKey ?? '')
  const accepted = decision.outcome === 'accepted'
  const firstFailure = decision.trace.find((step) => !step.passed)
  return h(
    'div',
    { class: `decision ${decision.outcome}` },
    h(
      'div',
      { class: 'decision-outcome' },
      mark(accepted, t(accepted ? 'mark.passed' : 'mark.failed')),
      h('span', { class: 'decision-text' }, t(`decision.${decision.outcome}`, { verifier: verifierName, policy: names.policy(policyId) })),
    ),
    firstFailure
      ? h(
          'p',
          { class: 'decision-reason' },
          h('strong', {}, t('decision.why')),
          ' ',
          `${checkLabel(firstFailure.check)} — ${checkSentence(firstFailure, policy, names)}`,
          h('br'),
          h('span', { class: 'check-detail' }, t('trace.verifierSaid'), ' ', (currentLanguage() === 'fr' && decision.reasonsFr?.[0]) || decision.reasons[0] || verifierSaid(firstFailure)),
        )
      : null,
    disclosedClaims(decision, policy, names, verifierName),
    h('h4', {}, t('decision.trace')),
    traceList(decision, policy, names),
  )
}
