import type { RunReport, StepTiming } from './report'
import { describeFailure, type VariantResult } from './runner'

const html = (text: string) => text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!)

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1b1f24;background:#fff}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:2rem 0 .5rem}
.summary{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}.summary span{padding:.35rem .7rem;border-radius:4px;font-weight:600}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #d0d7de;padding:.4rem .5rem;vertical-align:top;text-align:left}
th{background:#f6f8fa}td.pass{background:#dafbe1}td.fail{background:#ffebe9}td.unsupported{background:#f6f8fa;color:#57606a}
.tag{font-weight:700;text-transform:uppercase;font-size:.75rem;letter-spacing:.03em}.why{display:block;font-size:.8rem;font-weight:400;margin-top:.2rem;word-break:break-word}
.pass .tag{color:#116329}.fail .tag{color:#a40e26}.unsupported .tag{color:#57606a}
.count-pass{background:#dafbe1;color:#116329}.count-fail{background:#ffebe9;color:#a40e26}.count-unsupported{background:#f6f8fa;color:#57606a}
code{font-size:.85em}.muted{color:#57606a}
`

function cell(result: VariantResult | undefined): string {
  if (!result) return '<td class="unsupported"><span class="tag">not run</span></td>'
  const detail =
    result.status === 'pass'
      ? `${Math.round(result.durationMs)} ms`
      : result.status === 'unsupported'
        ? (result.failure?.reason ?? '')
        : describeFailure(result)
  return `<td class="${result.status}"><span class="tag">${result.status}</span><span class="why">${html(detail)}</span></td>`
}

const timing = (t?: StepTiming) => (t ? `${t.meanMs} ms <span class="muted">(max ${t.maxMs}, n=${t.count})</span>` : '<span class="muted">–</span>')

/**
 * A self-contained HTML report (inline CSS, no external assets): the interoperability matrix of
 * scenario variants against protocol and format, each cell pass / fail / unsupported with its reason.
 */
export function formatHtml(report: RunReport): string {
  const columns = [...new Map(report.results.map((r) => [`${r.protocol} ${r.format}`, { protocol: r.protocol, format: r.format }])).values()]
  const rows = [...new Map(report.results.map((r) => [`${r.scenarioId}/${r.variantId}`, r])).values()]
  const find = (row: VariantResult, column: { protocol: string; format: string }) =>
    report.results.find((r) => r.scenarioId === row.scenarioId && r.variantId === row.variantId && r.protocol === column.protocol && r.format === column.format)
  const matrix = rows
    .map(
      (row) =>
        `<tr><th scope="row">${html(row.scenarioId)}<br><code>${html(row.variantId)}</code><span class="why muted">${html(row.description)}</span></th>` +
        `<td>${html(row.parties.issuer)}</td><td>${html(row.parties.wallet)}</td><td>${html(row.parties.verifier)}</td>` +
        columns.map((column) => cell(find(row, column))).join('') +
        '</tr>',
    )
    .join('\n')
  const failures = report.results.filter((r) => r.status === 'fail')
  const endpoints = report.endpoints
    ? `<p class="muted">Issuer <code>${html(report.endpoints.issuer)}</code> · wallet <code>${html(report.endpoints.wallet)}</code> · verifier <code>${html(report.endpoints.verifier)}</code></p>`
    : ''
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Interop Lab – interoperability matrix</title><style>${STYLE}</style></head>
<body>
<h1>Interop Lab – interoperability matrix</h1>
<p class="muted">Run ${html(report.startedAt)} → ${html(report.finishedAt)}</p>
${endpoints}
<div class="summary"><span class="count-pass">${report.passed} pass</span><span class="count-fail">${report.failed} fail</span><span class="count-unsupported">${report.unsupported} unsupported</span></div>
<h2>Matrix</h2>
<table><thead><tr><th scope="col">Scenario / variant</th><th scope="col">Issuer</th><th scope="col">Wallet</th><th scope="col">Verifier</th>${columns
    .map((c) => `<th scope="col">${html(c.protocol)}<br><code>${html(c.format)}</code></th>`)
    .join('')}</tr></thead>
<tbody>
${matrix}
</tbody></table>
<h2>Failures</h2>
${
  failures.length
    ? `<table><thead><tr><th scope="col">Row</th><th scope="col">Step</th><th scope="col">Party</th><th scope="col">Reason</th></tr></thead><tbody>${failures
        .map(
          (r) =>
            `<tr><td>${html(`${r.scenarioId}/${r.variantId} [${r.protocol} ${r.format}]`)}</td><td>${html(r.failure?.stepId ?? '')}</td><td>${html([r.failure?.role, r.failure?.party].filter(Boolean).join(' '))}</td><td>${html(r.failure?.reason ?? '')}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '<p>None.</p>'
}
<h2>Round trips</h2>
<table><thead><tr><th scope="col">Protocol</th><th scope="col">Format</th><th scope="col">Issue (offer → credential stored)</th><th scope="col">Present (request → decision)</th></tr></thead><tbody>
${report.timings.map((t) => `<tr><td>${html(t.protocol)}</td><td><code>${html(t.format)}</code></td><td>${timing(t.issue)}</td><td>${timing(t.present)}</td></tr>`).join('\n')}
</tbody></table>
</body></html>
`
}
