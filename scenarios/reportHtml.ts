import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ReportedResult, RunReport, StepTiming } from './report'
import { describeFailure } from './runner'
import { type Column, gridOf, rowKey, uniqueBy } from './reportGrid'
import { loadScenarios } from './scenario'

type Messages = Record<string, string>
type Language = 'en' | 'fr'

/** The report's own texts in English and French (scenarios/reportHtml.i18n.json). */
const CATALOGUE = JSON.parse(readFileSync(join(import.meta.dirname, 'reportHtml.i18n.json'), 'utf8')) as Record<Language, Messages>

const html = (text: string) => text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!)

const STYLE = `
body{font:13px/1.35 system-ui,-apple-system,"Segoe UI",sans-serif;margin:.8rem 1.2rem;color:#1b1f24;background:#fff}
h1{font-size:1.25rem;margin:0}h2{font-size:1.05rem;margin:1rem 0 .3rem}
header{display:flex;gap:1rem;align-items:baseline;flex-wrap:wrap}
.summary{display:flex;gap:.5rem;margin:0}.summary span{padding:.1rem .5rem;border-radius:4px;font-weight:600}
.lang button{font:inherit;border:1px solid #57606a;background:#fff;color:#1b1f24;border-radius:4px;padding:.1rem .5rem;cursor:pointer}
.lang button[aria-pressed=true]{background:#1d3557;color:#fff}
button:focus-visible,select:focus-visible,a:focus-visible,summary:focus-visible{outline:3px solid #0550ae;outline-offset:1px}
.filters{display:flex;gap:.8rem;flex-wrap:wrap;margin:.4rem 0;border:0;padding:0}.filters label{display:flex;gap:.3rem;align-items:center}
select{font:inherit}
table{border-collapse:collapse;margin:.3rem 0}th,td{border:1px solid #d0d7de;padding:.15rem .4rem;vertical-align:top;text-align:left}
thead th{background:#f6f8fa;font-weight:600}thead code{font-weight:400}
tr.group th{background:#e8eef7;text-align:left}
th[scope=row]{font-weight:500;max-width:16rem}
td.cell{white-space:nowrap;min-width:5.5rem}
td.pass{background:#dafbe1;color:#0f5323}td.fail{background:#ffebe9;color:#86061d}td.na{background:#f6f8fa;color:#57606a}
.glyph{font-weight:700;display:inline-block;width:1.1em}
details .why{white-space:normal;max-width:22rem;font-size:.85rem;color:#1b1f24}summary{cursor:pointer}
.count-pass{background:#dafbe1;color:#0f5323}.count-fail{background:#ffebe9;color:#86061d}.count-na{background:#f6f8fa;color:#57606a}
a{color:#0550ae}.muted{color:#57606a}code{font-size:.9em}
.notes{margin:.2rem 0;padding-left:1.5rem}.notes li{margin:.1rem 0}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`

/** Switches the language and applies the filters; the page works (in English, unfiltered) without it. */
const SCRIPT = `
const messages = JSON.parse(document.getElementById('messages').textContent)
function setLanguage(language) {
  const m = messages[language]
  document.documentElement.lang = language
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = m[el.dataset.t] ?? el.textContent
  for (const el of document.querySelectorAll('[data-t-title]')) el.title = m[el.dataset.tTitle] ?? el.title
  const number = new Intl.NumberFormat(language === 'fr' ? 'fr-CA' : 'en-CA', { minimumFractionDigits: 1, maximumFractionDigits: 1 })
  for (const el of document.querySelectorAll('[data-ms]')) el.textContent = number.format(Number(el.dataset.ms) / 1000) + ' s'
  for (const b of document.querySelectorAll('[data-language]')) b.setAttribute('aria-pressed', String(b.dataset.language === language))
  document.title = m.title
}
function applyFilters() {
  const value = (name) => document.getElementById('filter-' + name)?.value ?? ''
  const [scenario, variant, protocol, format, implementation] = ['scenario', 'variant', 'protocol', 'format', 'implementation'].map(value)
  for (const el of document.querySelectorAll('[data-col]')) el.hidden = Boolean((protocol && el.dataset.protocol !== protocol) || (format && el.dataset.format !== format))
  for (const body of document.querySelectorAll('tbody[data-scenario]')) body.hidden = Boolean(scenario && body.dataset.scenario !== scenario)
  for (const row of document.querySelectorAll('tr[data-variant]')) {
    const implemented = !implementation || [...row.querySelectorAll('td[data-impl]')].some((td) => td.dataset.impl.split('|').includes(implementation))
    row.hidden = Boolean((variant && row.dataset.variant !== variant) || !implemented)
  }
}
for (const b of document.querySelectorAll('[data-language]')) b.addEventListener('click', () => setLanguage(b.dataset.language))
for (const s of document.querySelectorAll('.filters select')) s.addEventListener('change', applyFilters)
`

const implementationsOf = (r: ReportedResult) => [...new Set(Object.values(r.implementations ?? {}))]
const text = (key: string) => `<span data-t="${html(key)}">${html(CATALOGUE.en[key] ?? key)}</span>`
/** A protocol column's name in the page's language (the `haip` column: HAIP 1.0), or its id when the catalogue has none. */
const protocolName = (protocol: string) => (CATALOGUE.en[`protocol.${protocol}`] ? text(`protocol.${protocol}`) : html(protocol))
const seconds = (ms: number) => `<span data-ms="${Math.round(ms)}">${(ms / 1000).toFixed(1)} s</span>`

const noteLink = (n?: number) => (n ? ` <sup><a href="#note-${n}"><span class="sr" data-t="note">${CATALOGUE.en.note}</span>${n}</a></sup>` : '')

function decisiveOutcome(result: ReportedResult): string {
  const decision = (result.steps.filter((s) => s.action === 'present').at(-1) ?? result.steps.at(-1))?.decision
  return decision ? `${decision.outcome}${decision.failedChecks.length ? ` [${decision.failedChecks.join(', ')}]` : ''}` : ''
}

function cell(result: ReportedResult | undefined, column: Column, note?: number): string {
  const where = `data-col="${html(column.key)}" data-protocol="${html(column.protocol)}" data-format="${html(column.format)}"`
  if (!result || result.status === 'unsupported') {
    return `<td class="cell na" ${where}><span class="glyph" aria-hidden="true">–</span>${text('unsupported').replace('<span', '<span class="sr"')}${noteLink(note)}</td>`
  }
  const implementations = implementationsOf(result)
  const who = Object.entries(result.implementations ?? {})
    .map(([role, name]) => `${role}: ${name}`)
    .join(' · ')
  const attributes = `${where} data-impl="${html(implementations.join('|'))}" title="${html([decisiveOutcome(result), who].filter(Boolean).join(' — '))}"`
  const label = text(result.status).replace('<span', '<span class="sr"')
  if (result.status === 'pass') return `<td class="cell pass" ${attributes}><span class="glyph" aria-hidden="true">✓</span>${label} ${seconds(result.durationMs)}</td>`
  return `<td class="cell fail" ${attributes}><details><summary><span class="glyph" aria-hidden="true">✗</span>${label} ${seconds(result.durationMs)}</summary><div class="why">${html(describeFailure(result))}</div></details></td>`
}

const timing = (t?: StepTiming) => (t ? `${t.meanMs} ms <span class="muted">(max ${t.maxMs}, n=${t.count})</span>` : '<span class="muted">–</span>')

function select(name: string, values: { value: string; label: string; key?: string }[]): string {
  if (values.length < 2) return ''
  const options = values.map((v) => `<option value="${html(v.value)}"${v.key ? ` data-t="${html(v.key)}"` : ''}>${html(v.label)}</option>`).join('')
  return `<label>${text(`filter.${name}`)} <select id="filter-${name}"><option value="" data-t="filter.all">${CATALOGUE.en['filter.all']}</option>${options}</select></label>`
}

/** Scenario names and variant descriptions in both languages, from the scenario files (the report keeps English only). */
function scenarioMessages(report: RunReport): Record<Language, Messages> {
  const messages: Record<Language, Messages> = { en: {}, fr: {} }
  const scenarios = loadScenarios()
  for (const r of report.results) {
    const scenario = scenarios.find((s) => s.id === r.scenarioId)
    const variant = scenario?.variants.find((v) => v.id === r.variantId)
    for (const language of ['en', 'fr'] as const) {
      messages[language][`scenario:${r.scenarioId}`] = scenario?.name[language] ?? r.scenarioId
      messages[language][`variant:${rowKey(r)}`] = r.variantId === 'baseline' ? CATALOGUE[language].baseline : r.variantId.replaceAll('-', ' ')
      messages[language][`description:${rowKey(r)}`] = (r.variantId === 'baseline' ? scenario?.description?.[language] : variant?.description[language]) ?? r.description
    }
  }
  return messages
}

/**
 * A self-contained HTML report (inline CSS and script, no external assets), in English and French: a compact grid of
 * scenario variants against the protocol/format combinations some party supports, one glyph and time per cell, the
 * reason for a failure in the cell (open it) and the reason a cell did not run said once, on its column, row or cell;
 * combinations nobody supports are folded into one footnote. Filterable by scenario, variant, protocol, format and
 * implementation.
 */
export function formatHtml(report: RunReport): string {
  const all = report.results
  const { columns, folded, rows, keyOf, crossingOf, find, notes } = gridOf(report)
  const messages = scenarioMessages(report)
  const t = (key: string) => `<span data-t="${html(key)}">${html(messages.en[key] ?? key)}</span>`

  const header = `<tr><th scope="col">${text('variant')}</th>${columns
    .map(
      (c) =>
        `<th scope="col" data-col="${html(c.key)}" data-protocol="${html(c.protocol)}" data-format="${html(c.format)}">${protocolName(c.protocol)}<br><code>${html(c.format)}</code>${noteLink(notes.onColumn.get(c.key))}</th>`,
    )
    .join('')}</tr>`
  const bodies = uniqueBy(rows, (r) => r.scenarioId)
    .map((scenario) => {
      const lines = rows
        .filter((r) => r.scenarioId === scenario.scenarioId)
        .map((row) => {
          const key = rowKey(row)
          const line = keyOf(row)
          const cells = columns.map((c) => cell(find(line, c), c, notes.onCell.get(`${line} ${c.key}`))).join('')
          const crossing = crossingOf(row) ? `<br><small class="muted">${html(crossingOf(row))}</small>` : ''
          return `<tr data-variant="${html(row.variantId)}"><th scope="row" data-t-title="description:${html(key)}" title="${html(messages.en[`description:${key}`])}">${t(`variant:${key}`)}${noteLink(notes.onRow.get(line))}${crossing}</th>${cells}</tr>`
        })
      return `<tbody data-scenario="${html(scenario.scenarioId)}"><tr class="group"><th scope="rowgroup" colspan="${columns.length + 1}">${t(`scenario:${scenario.scenarioId}`)}</th></tr>${lines.join('')}</tbody>`
    })
    .join('\n')
  const foldedReasons = folded.map(({ column, reason }) => `<li><code>${html(column.protocol)} ${html(column.format)}</code>: ${html(reason)}</li>`)
  const noteItems = [...notes.numbers].map(([reason, n]) => `<li id="note-${n}" value="${n}">${html(reason)}</li>`).join('')
  const failures = all.filter((r) => r.status === 'fail')
  const implementations = [...new Set(all.flatMap(implementationsOf))]
  const endpoints = report.endpoints
    ? `<p class="muted">${text('role.issuer')} <code>${html(report.endpoints.issuer)}</code> · ${text('role.wallet')} <code>${html(report.endpoints.wallet)}</code> · ${text('role.verifier')} <code>${html(report.endpoints.verifier)}</code></p>`
    : ''
  const json = JSON.stringify({ en: { ...CATALOGUE.en, ...messages.en }, fr: { ...CATALOGUE.fr, ...messages.fr } }).replace(/</g, '\\u003c')

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${html(CATALOGUE.en.title)}</title><style>${STYLE}</style></head>
<body>
<header><h1>${text('title')}</h1>
<p class="summary"><span class="count-pass">✓ ${report.passed} ${text('passed')}</span><span class="count-fail">✗ ${report.failed} ${text('failed')}</span><span class="count-na">– ${report.unsupported} ${text('notRun')}</span></p>
<div class="lang" role="group" aria-label="Language / Langue"><button type="button" data-language="en" lang="en" aria-pressed="true">English</button> <button type="button" data-language="fr" lang="fr" aria-pressed="false">Français</button></div>
</header>
<main>
<p class="muted">${text('run')} ${html(report.startedAt)} → ${html(report.finishedAt)}</p>
${endpoints}
<h2 id="matrix-title">${text('matrix')}</h2>
<div class="filters" role="group" aria-labelledby="matrix-title">
${select(
  'scenario',
  uniqueBy(rows, (r) => r.scenarioId).map((r) => ({ value: r.scenarioId, label: messages.en[`scenario:${r.scenarioId}`], key: `scenario:${r.scenarioId}` })),
)}
${select(
  'variant',
  [...new Set(rows.map((r) => r.variantId))].map((v) => ({ value: v, label: v })),
)}
${select(
  'protocol',
  [...new Set(columns.map((c) => c.protocol))].map((p) => ({ value: p, label: CATALOGUE.en[`protocol.${p}`] ?? p, key: `protocol.${p}` })),
)}
${select(
  'format',
  [...new Set(columns.map((c) => c.format))].map((f) => ({ value: f, label: f })),
)}
${select(
  'implementation',
  implementations.map((i) => ({ value: i, label: i })),
)}
</div>
<table class="matrix" aria-labelledby="matrix-title"><thead>${header}</thead>
${bodies}
</table>
<p class="muted">${text('legend')}</p>
<h2>${text('notes')}</h2>
${noteItems ? `<ol class="notes">${noteItems}</ol>` : ''}
<p id="folded">${folded.length ? `${text('folded')}</p><ul class="notes">${foldedReasons.join('')}</ul>` : `${text('noneFolded')}</p>`}
<h2>${text('failures')}</h2>
${
  failures.length
    ? `<table><thead><tr><th scope="col">${text('failure.row')}</th><th scope="col">${text('failure.step')}</th><th scope="col">${text('failure.party')}</th><th scope="col">${text('failure.reason')}</th></tr></thead><tbody>${failures
        .map(
          (r) =>
            `<tr><td>${html(`${rowKey(r)} [${r.protocol} ${r.format}]`)}</td><td>${html(r.failure?.stepId ?? '')}</td><td>${html([r.failure?.role, r.failure?.party].filter(Boolean).join(' '))}</td><td>${html(r.failure?.reason ?? '')}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : `<p>${text('failures.none')}</p>`
}
<h2>${text('timings')}</h2>
<table><thead><tr><th scope="col">${text('filter.protocol')}</th><th scope="col">${text('filter.format')}</th><th scope="col">${text('timing.issue')}</th><th scope="col">${text('timing.present')}</th></tr></thead><tbody>
${report.timings.map((row) => `<tr><td>${html(row.protocol)}</td><td><code>${html(row.format)}</code></td><td>${timing(row.issue)}</td><td>${timing(row.present)}</td></tr>`).join('\n')}
</tbody></table>
</main>
<script type="application/json" id="messages">${json}</script>
<script type="module">${SCRIPT}</script>
</body></html>
`
}
