// @ts-check
/** @typedef {import('../../pageTypes').LoadReport} LoadReport */
/** @typedef {LoadReport['samples'][number]} Sample */
import { ApiError, api, messageOf } from './api.js'
import { fill, h, mark } from './dom.js'
import { formatDate, t } from './i18n.js'

const SVG = 'http://www.w3.org/2000/svg'
const WIDTH = 720
const HEIGHT = 260
const MARGIN = { left: 56, right: 12, top: 12, bottom: 36 }

/**
 * @param {string} tag
 * @param {Record<string, string | number>} [attributes]
 * @param {...(Node | string)} children
 */
function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag)
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value))
  for (const child of children) element.append(typeof child === 'string' ? document.createTextNode(child) : child)
  return element
}

/** How an arrival ended, as the chart colours it: right verdict, wrong verdict, or an error. */
/** @param {Sample} sample */
function kindOf(sample) {
  if (sample.end !== 'accepted' && sample.end !== 'rejected') return 'error'
  return (sample.forged ? sample.end === 'rejected' : sample.end === 'accepted') ? (sample.forged ? 'forgery-refused' : 'honest') : 'wrong'
}

/** 1, 2 or 5 × a power of ten: the tick step that gives about `count` ticks over `max`. */
/**
 * @param {number} max
 * @param {number} count
 */
function tickStep(max, count) {
  const raw = max / count
  const power = 10 ** Math.floor(Math.log10(raw))
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= raw) ?? raw
}

/** Latency (from when each arrival was due) over the run's time, one dot per arrival; errors sit on the axis. */
/** @param {LoadReport} report */
function latencyChart(report) {
  const samples = report.samples
  const maxX = Math.max(report.settings.durationSeconds, ...samples.map((s) => s.at))
  const maxY = Math.max(1, ...samples.map((s) => s.ms)) * 1.05
  const x = (/** @type {number} */ seconds) => MARGIN.left + (seconds / maxX) * (WIDTH - MARGIN.left - MARGIN.right)
  const y = (/** @type {number} */ ms) => HEIGHT - MARGIN.bottom - (ms / maxY) * (HEIGHT - MARGIN.top - MARGIN.bottom)
  const ticks = (/** @type {number} */ max, /** @type {number} */ count) => Array.from({ length: Math.floor(max / tickStep(max, count)) + 1 }, (_, i) => i * tickStep(max, count))
  const grid = [
    ...ticks(maxY, 5).map((ms) =>
      svg('g', {}, svg('line', { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(ms), y2: y(ms), class: 'grid' }), svg('text', { x: MARGIN.left - 6, y: y(ms) + 4, 'text-anchor': 'end' }, `${ms}`)),
    ),
    ...ticks(maxX, 8).map((s) => svg('text', { x: x(s), y: HEIGHT - MARGIN.bottom + 16, 'text-anchor': 'middle' }, `${s}`)),
    svg('text', { x: (WIDTH + MARGIN.left) / 2, y: HEIGHT - 4, 'text-anchor': 'middle' }, t('load.axisTime')),
    svg('text', { x: 12, y: HEIGHT / 2, 'text-anchor': 'middle', transform: `rotate(-90 12 ${HEIGHT / 2})` }, t('load.axisLatency')),
  ]
  const p95 = report.latencyMs && svg('line', { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(report.latencyMs.p95), y2: y(report.latencyMs.p95), class: 'p95' })
  const dots = samples.map((s) => {
    const kind = kindOf(s)
    return svg(
      'circle',
      { cx: x(s.at), cy: kind === 'error' ? y(0) : y(s.ms), r: kind === 'honest' ? 3 : 4, class: `dot ${kind}` },
      svg('title', {}, `${s.at} s: ${s.ms} ms, ${s.forged ? t('load.forged') : t('load.honest')}, ${s.end}`),
    )
  })
  return svg(
    'svg',
    { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'load-chart', role: 'img', 'aria-label': t('load.chartLabel', { n: samples.length, p95: report.latencyMs?.p95 ?? '—' }) },
    ...grid,
    ...(p95 ? [p95] : []),
    ...dots,
  )
}

const legend = () =>
  h(
    'ul',
    { class: 'load-legend' },
    ['honest', 'forgery-refused', 'wrong', 'error'].map((kind) => h('li', {}, h('span', { class: `swatch ${kind}`, 'aria-hidden': 'true' }), t(`load.legend.${kind}`))),
    h('li', {}, h('span', { class: 'swatch p95', 'aria-hidden': 'true' }), 'p95'),
  )

/** @param {LoadReport} report */
function summary(report) {
  const { correctness: c, latencyMs: l, settings: s } = report
  const errors = Object.entries(report.errors)
  return [
    h(
      'p',
      {},
      mark(report.passed, report.passed ? t('mark.passed') : t('mark.failed')),
      ' ',
      h('strong', {}, `${report.role} ${report.target.implementation}`),
      ` — ${report.target.url} · ${report.format} · ${report.subject} · ${formatDate(report.at)}`,
    ),
    h('p', {}, t('load.settings', { rate: s.rate, duration: s.durationSeconds, inFlight: s.maxInFlight, share: Math.round(s.forgeryShare * 100) })),
    h('p', {}, t('load.result', { verdicts: report.verdicts, arrivals: report.arrivals, throughput: report.throughput }), l ? ` · p50 ${l.p50} ms · p95 ${l.p95} ms · p99 ${l.p99} ms` : ''),
    h('p', {}, t('load.correctness', { honest: c.honest.accepted, honestRejected: c.honest.rejected, refused: c.forged.rejected, accepted: c.forged.accepted })),
    errors.length
      ? h(
          'ul',
          { class: 'load-errors' },
          errors.map(([kind, e]) => h('li', {}, h('code', {}, kind), ` ×${e.count}: ${e.first}`)),
        )
      : null,
    report.failures.length
      ? h(
          'ul',
          { class: 'load-failures', role: 'alert' },
          report.failures.map((f) => h('li', {}, f)),
        )
      : null,
  ]
}

/** The latest `npm run load`: its figures, its verdicts' correctness and latency over time. */
/** @param {HTMLElement} root */
export function createLoadView(root) {
  async function show() {
    fill(root, h('p', { class: 'muted' }, t('common.loading')))
    try {
      const report = await api('GET', '/api/load')
      fill(root, h('section', { class: 'panel' }, h('h2', {}, t('load.title')), ...summary(report), latencyChart(report), legend()))
    } catch (error) {
      fill(root, h('section', { class: 'panel' }, h('h2', {}, t('load.title')), h('p', { class: 'muted' }, error instanceof ApiError && error.status === 404 ? t('load.none') : messageOf(error))))
    }
  }
  return { show }
}
