import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { CREDENTIAL_FORMATS } from '../common/credentialTypes'
import { type Capabilities, PROTOCOLS } from '../common/protocols'
import { ALL_COMBINATIONS, runMatrix } from './matrix'
import { formatText, summarize, writeReports } from './report'
import { loadScenarios } from './scenario'
import { startTargets } from './targets'

const USAGE = `Usage: npm start -- [options]   (npm run pilots: the same, exiting when the run ends)

  --scenario <id>        run only this scenario (repeatable): business-banking, death-notification
  --protocol <name>      only this protocol stack (repeatable): ${PROTOCOLS.join(', ')}
  --format <name>        only this credential format (repeatable): ${CREDENTIAL_FORMATS.join(', ')}
  --issuer-url <url>     run against another jurisdiction's issuer service instead of the local one
  --verifier-url <url>   … verifier service
  --wallet-url <url>     … wallet service
  --admin-api-key <key>  the key for issuance and admin APIs (default: INTEROP_ADMIN_API_KEY)
  --port-base <port>     trust registry port; issuer +100, wallet +200, verifier +300, dashboard +400 (default 4100)
  --data-dir <dir>       where SQLite files and keys live (default ./data)
  --reports-dir <dir>    where latest.json, latest.junit.xml and latest.html go (default ./reports)
  --anoncreds-material <dir>  import AnonCreds issuer material (<issuer key>.json files) instead of generating it
  --once                 exit after the run instead of keeping the dashboard up (waits for AnonCreds definitions still generating)
  --help                 this text`

const OPTIONS = {
  help: { type: 'boolean', default: false },
  once: { type: 'boolean', default: false },
  'data-dir': { type: 'string', default: './data' },
  'reports-dir': { type: 'string', default: './reports' },
  'port-base': { type: 'string', default: '4100' },
  scenario: { type: 'string', multiple: true },
  protocol: { type: 'string', multiple: true },
  format: { type: 'string', multiple: true },
  'issuer-url': { type: 'string' },
  'verifier-url': { type: 'string' },
  'wallet-url': { type: 'string' },
  'admin-api-key': { type: 'string' },
  'anoncreds-material': { type: 'string' },
} as const

function parseCommandLine() {
  try {
    return parseArgs({ options: OPTIONS }).values
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`)
    process.exit(2)
  }
}

/**
 * A run that ends with a verdict waits for the issuer's AnonCreds credential definitions (generated once per data
 * directory, about a minute each), saying how far they are; the dashboard mode starts at once and shows the
 * AnonCreds cells as unsupported, with the same progress, until they are ready.
 */
async function waitForAnonCreds(issuerUrl: string): Promise<void> {
  let last = ''
  for (;;) {
    const { pending } = (await (await fetch(`${issuerUrl}/capabilities`)).json()) as Capabilities
    if (!pending?.anoncreds || pending.anoncreds.includes('generation failed')) return
    if (pending.anoncreds !== last) console.log(`  … ${pending.anoncreds}`)
    last = pending.anoncreds
    await new Promise((resolve) => setTimeout(resolve, 2000))
  }
}

const values = parseCommandLine()
if (values.help) {
  console.log(USAGE)
  process.exit(0)
}

const unknown = (values.protocol ?? []).filter((p) => !(PROTOCOLS as readonly string[]).includes(p)).concat((values.format ?? []).filter((f) => !(CREDENTIAL_FORMATS as readonly string[]).includes(f)))
if (unknown.length) {
  console.error(`Unknown protocol or format: ${unknown.join(', ')} (protocols: ${PROTOCOLS.join(', ')}; formats: ${CREDENTIAL_FORMATS.join(', ')})`)
  process.exit(2)
}

const known = loadScenarios()
const unknownScenarios = (values.scenario ?? []).filter((id) => !known.some((s) => s.id === id))
if (unknownScenarios.length) {
  console.error(`Unknown scenario: ${unknownScenarios.join(', ')} (scenarios: ${known.map((s) => s.id).join(', ')})`)
  process.exit(2)
}

const base = Number(values['port-base'])
if (!Number.isInteger(base) || base < 1 || base > 65535 - 400) {
  console.error(`--port-base must be a port number from 1 to ${65535 - 400}, not ${JSON.stringify(values['port-base'])}`)
  process.exit(2)
}
const started = new Date()
const withoutSlash = (url?: string) => url?.replace(/\/+$/, '')
const remote = { issuer: withoutSlash(values['issuer-url']), verifier: withoutSlash(values['verifier-url']), wallet: withoutSlash(values['wallet-url']) }
console.log('Interop Lab: starting the services this run needs…')
const targets = await startTargets({
  dataDir: resolve(values['data-dir']),
  ports: { trustRegistry: base, issuer: base + 100, wallet: base + 200, verifier: base + 300, dashboard: base + 400 },
  reportsDir: resolve(values['reports-dir']),
  adminApiKey: values['admin-api-key'] ?? process.env.INTEROP_ADMIN_API_KEY,
  anonCredsMaterialDir: values['anoncreds-material'] ? resolve(values['anoncreds-material']) : undefined,
  remote,
})
for (const role of ['issuer', 'wallet', 'verifier'] as const) console.log(`  ${role.padEnd(9)} ${targets.endpoints[role]}${targets.local[role] ? '' : '  (remote)'}`)
for (const warning of targets.warnings) console.log(`  ! ${warning}`)

const scenarios = known.filter((s) => !values.scenario?.length || values.scenario.includes(s.id))
const combinations = ALL_COMBINATIONS.filter((c) => (!values.protocol?.length || values.protocol.includes(c.protocol)) && (!values.format?.length || values.format.includes(c.format)))
if (values.once && combinations.some((c) => c.format === 'anoncreds')) await waitForAnonCreds(targets.endpoints.issuer)
console.log(`\nRunning ${scenarios.map((s) => s.id).join(', ')} over ${combinations.map((c) => `${c.protocol}/${c.format}`).join(', ')}…`)
const { capabilities, results } = await runMatrix(targets.endpoints, scenarios, {
  combinations,
  onEvent: (event) => {
    if (event.type === 'step-finished') {
      console.log(`  ${event.result.passed ? '✓' : '✗'} ${event.scenarioId}/${event.variantId} [${event.protocol} ${event.format}] ${event.result.stepId}: ${event.result.summary.split('\n')[0]}`)
    }
  },
})
const report = summarize(results, started, { endpoints: targets.endpoints, capabilities })
console.log(`\n${formatText(report)}`)
const files = writeReports(report, resolve(values['reports-dir']))
console.log(`\nReports: ${files.join(', ')}`)
if (targets.dashboardUrl) console.log(`Dashboard: ${targets.dashboardUrl}`)

const exitCode = report.failed ? 1 : 0

if (values.once || !targets.dashboardUrl) {
  await targets.close()
  process.exit(exitCode)
}
console.log('Services keep running for the dashboard; press Ctrl-C to stop.')
const stop = () => void targets.close().then(() => process.exit(exitCode))
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
