import { type ApiDescription, apiDocsOperations, openApiDocument } from '@interop-lab/contracts'
import type { Express } from 'express'

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** The docs page: every operation with its access, from the same description as the OpenAPI document; no script, no outside assets. */
function docsPage(api: ApiDescription): string {
  const rows = [...api.operations, ...apiDocsOperations]
    .map(
      (op) =>
        `<tr><td><code>${op.method.toUpperCase()}</code></td><td><code>${escapeHtml(op.path)}</code></td><td>${escapeHtml(op.summary)}</td><td>${op.admin ? 'admin API key' : `open: ${escapeHtml(op.openBecause)}`}</td></tr>`,
    )
    .join('\n')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(api.title)}: API</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:75rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ccc;padding:.4rem;text-align:left;vertical-align:top}</style></head>
<body><h1>${escapeHtml(api.title)}</h1><p>${escapeHtml(api.description)}</p>
<p>Schemas, answers and errors (RFC 9457 problem details): <a href="openapi.json">openapi.json</a> (OpenAPI 3.1). Protocol endpoints (OID4VCI, OID4VP, DIDComm) follow their specifications.</p>
<table><thead><tr><th>method</th><th>path</th><th>what</th><th>access</th></tr></thead><tbody>
${rows}
</tbody></table></body></html>`
}

/** `GET /openapi.json` and `GET /docs`, generated from the service's contract once, when it starts. */
export function serveApiDocs(app: Express, api: ApiDescription, publicUrl?: string): void {
  const document = JSON.stringify(openApiDocument(api, publicUrl))
  const page = docsPage(api)
  app.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(document)
  })
  app.get('/docs', (_req, res) => {
    res.set('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'").type('html').send(page)
  })
}
