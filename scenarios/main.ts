import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { CREDENTIAL_FORMATS } from '../common/credentialTypes'
import { formatText, summarize, writeReports } from './report'
import { runAll } from './runner'
import { loadScenarios } from './scenario'
import { startStack } from './stack'

const { values } = parseArgs({
  options: {
    once: { type: 'boolean', default: false },
    'data-dir': { type: 'string', default: './data' },
    'reports-dir': { type: 'string', default: './reports' },
    'port-base': { type: 'string', default: '4100' },
    scenario: { type: 'string', multiple: true },
  },
})

const base = Number(values['port-base'])
const started = new Date()
console.log('Interop Lab: starting the trust registry, issuer, verifier and wallet simulator…')
const stack = await startStack({
  dataDir: resolve(values['data-dir']),
  ports: { trustRegistry: base, issuer: base + 100, wallet: base + 200, verifier: base + 300, dashboard: base + 400 },
  reportsDir: resolve(values['reports-dir']),
})
console.log(`  trust registry  ${stack.trustRegistry.url}`)
console.log(`  issuer          ${stack.issuer.url}  (${stack.issuer.jurisdictions.length} jurisdictions)`)
console.log(`  wallet-sim      ${stack.wallet.url}`)
console.log(`  verifier        ${stack.verifier.url}`)
console.log(`  trust registry bindings: ${stack.onboarding.bound.length} issuers bound, not registered: ${stack.onboarding.unknown.join(', ') || 'none'}`)

const scenarios = loadScenarios().filter((s) => !values.scenario?.length || values.scenario.includes(s.id))
console.log(`\nRunning ${scenarios.map((s) => s.id).join(', ')} in ${CREDENTIAL_FORMATS.join(', ')}…`)
const results = await runAll(stack.endpoints, scenarios, [...CREDENTIAL_FORMATS], (event) => {
  if (event.type === 'step-finished') {
    console.log(`  ${event.result.passed ? '✓' : '✗'} ${event.scenarioId}/${event.variantId} [${event.format}] ${event.result.stepId}: ${event.result.summary.split('\n')[0]}`)
  }
})
const report = summarize(results, started)
console.log(`\n${formatText(report)}`)
const files = writeReports(report, resolve(values['reports-dir']))
console.log(`\nReports: ${files.join(', ')}`)
console.log(`Dashboard: ${stack.dashboardUrl}`)

if (values.once) {
  await stack.close()
  process.exit(report.failed ? 1 : 0)
}
console.log('Services keep running for the dashboard; press Ctrl-C to stop.')
const stop = () => void stack.close().then(() => process.exit(report.failed ? 1 : 0))
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
