import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { CREDENTIAL_FORMATS } from '@interop-lab/common/credentialTypes'
import { type Capabilities, HAIP, MATRIX_PROTOCOLS } from '@interop-lab/common/protocols'
import { recordEvidence } from './evidence/bundle'
import { ALL_COMBINATIONS, runMatrix } from './matrix'
import { consoleProgress } from './progress'
import { formatText, summarize, writeReports } from './report'
import { hostedIssuers, withHostedIssuers } from './hostedIssuers'
import { loadScenarios } from './scenario'
import { walletConformanceCommand } from './mallory/command'
import { startMallory } from './mallory/service'
import { malloryVerifier } from './drivers/malloryVerifier'
import { loadTargetsFile, startTargets, type TargetsFile } from './targets'

const USAGE = `Usage: npm start -- [options]   (npm run pilots: the same, exiting when the run ends)

  --scenario <id>        run only this scenario (repeatable): business-banking, death-notification
  --protocol <name>      only this protocol stack (repeatable): ${MATRIX_PROTOCOLS.join(', ')}
  --format <name>        only this credential format (repeatable): ${CREDENTIAL_FORMATS.join(', ')}
  --issuer-url <url>     run against another jurisdiction's issuer service instead of the local one
  --verifier-url <url>   … verifier service
  --wallet-url <url>     … wallet service
  --targets <file>       a jurisdiction's deployed parties (JSON; see scenarios/targets.example.json): each role it
                         names is driven by its driver, the lab plays the others; not with --*-url
  --conformance wallet   instead of the pilots, test the run's wallet (the lab's, or the targets file's) against
                         Mallory's issuer and verifier: one row per case, pass = the wallet refused; exit 1 otherwise
  --admin-api-key <key>  the key for issuance and admin APIs (default: INTEROP_ADMIN_API_KEY)
  --port-base <port>     trust registry port; issuer +100, wallet +200, verifier +300, dashboard +400 (default 4100)
  --data-dir <dir>       where SQLite files and keys live (default ./data)
  --reports-dir <dir>    where latest.json, latest.junit.xml and latest.html go (default ./reports)
  --dashboard-url <url>  where people open the dashboard behind a proxy (default DASHBOARD_PUBLIC_URL): its host is accepted, the printed link uses it
  --anoncreds-material <dir>  import AnonCreds issuer material (<issuer key>.json files) instead of generating it
  --once                 exit after the run instead of keeping the dashboard up (waits for AnonCreds definitions still generating)
  --verbose              print every step as it ends (by default a progress line, then the table)
  --help                 this text`

const OPTIONS = {
  help: { type: 'boolean', default: false },
  once: { type: 'boolean', default: false },
  verbose: { type: 'boolean', default: false },
  'data-dir': { type: 'string', default: './data' },
  'reports-dir': { type: 'string', default: './reports' },
  'dashboard-url': { type: 'string' },
  'port-base': { type: 'string', default: '4100' },
  scenario: { type: 'string', multiple: true },
  protocol: { type: 'string', multiple: true },
  format: { type: 'string', multiple: true },
  'issuer-url': { type: 'string' },
  'verifier-url': { type: 'string' },
  'wallet-url': { type: 'string' },
  targets: { type: 'string' },
  conformance: { type: 'string' },
  'admin-api-key': { type: 'string' },
  'anoncreds-material': { type: 'string' },
} as const

function parseCommandLine() {
  try {
    return parseArgs({ options: OPTIONS, strict: true, allowPositionals: false }).values
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

const unknown = (values.protocol ?? [])
  .filter((p) => !(MATRIX_PROTOCOLS as readonly string[]).includes(p))
  .concat((values.format ?? []).filter((f) => !(CREDENTIAL_FORMATS as readonly string[]).includes(f)))
if (unknown.length) {
  console.error(`Unknown protocol or format: ${unknown.join(', ')} (protocols: ${MATRIX_PROTOCOLS.join(', ')}; formats: ${CREDENTIAL_FORMATS.join(', ')})`)
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
const dashboardPublicUrl = values['dashboard-url'] ?? process.env.DASHBOARD_PUBLIC_URL
if (dashboardPublicUrl && !(URL.canParse(dashboardPublicUrl) && /^https?:$/.test(new URL(dashboardPublicUrl).protocol))) {
  console.error(`--dashboard-url (or DASHBOARD_PUBLIC_URL) must be an http(s) address such as https://lab.example, not ${JSON.stringify(dashboardPublicUrl)}`)
  process.exit(2)
}
if (values.targets && (values['issuer-url'] || values['verifier-url'] || values['wallet-url'])) {
  console.error('--targets names every remote party itself: leave out --issuer-url, --verifier-url and --wallet-url')
  process.exit(2)
}
if (values.conformance !== undefined && values.conformance !== 'wallet') {
  console.error(`--conformance takes the role under test: wallet (not ${JSON.stringify(values.conformance)})`)
  process.exit(2)
}
let targetsFile: TargetsFile | undefined
try {
  targetsFile = values.targets ? loadTargetsFile(resolve(values.targets)) : undefined
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error))
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
  dashboardPublicUrl,
  adminApiKey: values['admin-api-key'] ?? process.env.INTEROP_ADMIN_API_KEY,
  anonCredsMaterialDir: values['anoncreds-material'] ? resolve(values['anoncreds-material']) : undefined,
  remote,
  file: targetsFile,
  // a wallet under conformance test asks the trust registry about each issuer (off for the pilots: see wallet-sim/main.ts)
  walletTrustRegistry: values.conformance === 'wallet',
}).catch((error: unknown) => {
  // a party that cannot be started (ACA-Py not installed, a port taken): said plainly, the run fails
  console.error(`\nThe run's parties could not be started: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})
for (const role of ['issuer', 'wallet', 'verifier'] as const) {
  for (const party of targets.implementations[role])
    console.log(`  ${role.padEnd(9)} ${party.url}${['lab', 'vc-api@lab'].includes(party.implementation) ? '' : '  (remote)'}  driver ${party.implementation}`)
}
for (const warning of targets.warnings) console.log(`  ! ${warning}`)
if (values.conformance === 'wallet') {
  const exitCode = await walletConformanceCommand(targets.parties, resolve(values['reports-dir']))
  await targets.close()
  process.exit(exitCode)
}

// the whole lab on this machine: every issuer it hosts takes part (an onboarded jurisdiction's too), and registry
// variants may change its registries (the federal one, which the verifier asks, and those it links to)
const wholeLab = !targetsFile && !remote.issuer && !remote.verifier && !remote.wallet
const hosted = wholeLab ? await hostedIssuers(targets.endpoints.issuer) : []
const scenarios = known.filter((s) => !values.scenario?.length || values.scenario.includes(s.id)).map((s) => withHostedIssuers(s, hosted))
const combinations = ALL_COMBINATIONS.filter((c) => (!values.protocol?.length || values.protocol.includes(c.protocol)) && (!values.format?.length || values.format.includes(c.format)))
if (values.once && targets.local.issuer && combinations.some((c) => c.format === 'anoncreds')) await waitForAnonCreds(targets.endpoints.issuer)
console.log(`\nRunning ${scenarios.map((s) => s.id).join(', ')} over ${combinations.map((c) => `${c.protocol}/${c.format}`).join(', ')}…`)
// the haip column's negatives have Mallory's verifier make the requests the wallet must refuse; it listens on this
// machine's loopback, so only with the lab's local wallet (elsewhere those cells are not run, saying so)
const mallory = targets.local.wallet && combinations.some((c) => c.protocol === HAIP) ? await startMallory() : undefined
const progress = consoleProgress(process.stdout)
// the lab's own parties take two scenarios side by side; another implementation gets one cell at a time
const labOnly = Object.values(targets.implementations).every((parties) => parties.every((party) => party.implementation.startsWith('lab')))
const { capabilities, described, results } = await runMatrix(targets.implementations, scenarios, {
  combinations,
  lanes: labOnly ? 2 : 1,
  registry: wholeLab && targets.trustRegistryUrl ? { url: targets.trustRegistryUrl, adminApiKey: targets.endpoints.adminApiKey } : undefined,
  mallory: mallory && malloryVerifier(mallory.url),
  onEvent: (event) => {
    if (event.type === 'matrix-planned') progress.planned(event.cells)
    if (event.type === 'cell-started') progress.started(event)
    if (event.type === 'cell-finished') progress.finished(event)
    if (event.type === 'step-finished' && values.verbose) {
      progress.log(`  ${event.result.passed ? '✓' : '✗'} ${event.scenarioId}/${event.variantId} [${event.protocol} ${event.format}] ${event.result.stepId}: ${event.result.summary.split('\n')[0]}`)
    }
  },
})
progress.end()
const { issuer, wallet, verifier } = targets.parties
const report = summarize(results, started, { endpoints: { issuer: issuer.url, wallet: wallet.url, verifier: verifier.url }, capabilities })
console.log(`\n${formatText(report)}`)
const files = writeReports(report, resolve(values['reports-dir']))
console.log(`\nReports: ${files.join(', ')}`)
console.log(
  `Evidence: ${(await recordEvidence({ report, reportsDir: resolve(values['reports-dir']), dataDir: resolve(values['data-dir']), local: targets.local, trustRegistryUrl: targets.trustRegistryUrl })).dir} (npm run verify-evidence -- <dir> checks it)`,
)
if (targets.dashboardUrl) console.log(`Dashboard: ${targets.dashboardUrl}\n  (this link carries the dashboard's access token for this start: share it only with people who may issue credentials)`)

// a party the targets file asked for that took part in no cell: the run says nothing about it, so it fails
const idle = targets.requested.filter(({ role, implementation }) => !results.some((r) => r.implementations[role] === implementation && r.status !== 'unsupported'))
for (const { role, name, implementation } of idle) {
  const party = described[role].find((p) => p.implementation === implementation)!
  const why = party.error ?? results.find((r) => r.implementations[role] === implementation && r.failure?.reason)?.failure?.reason ?? 'no cell applied'
  console.error(`\nTarget '${name}' (${role}, ${party.implementation} at ${party.url}) ran no cell: ${why}`)
}
const exitCode = report.failed || idle.length ? 1 : 0

await mallory?.close()
if (values.once || !targets.dashboardUrl) {
  await targets.close()
  process.exit(exitCode)
}
console.log('Services keep running for the dashboard; press Ctrl-C to stop.')
const stop = () => void targets.close().then(() => process.exit(exitCode))
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
