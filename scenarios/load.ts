import 'reflect-metadata'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { LOCAL_ADMIN_API_KEY } from '@interop-lab/common/config'
import type { CredentialFormat } from '@interop-lab/common/credentialTypes'
import { pilotCredentials } from './bench/flows'
import { describeMachine, loadNow } from './bench/machine'
import { BENCH_POLICY } from './bench/presentation'
import { startServiceProcess } from './bench/serviceProcesses'
import { labWallet } from './drivers/lab'
import type { IssuerDriver, VerifierDriver } from './drivers/types'
import { runOpenLoop } from './loadmode/openLoop'
import { ISSUANCE_FORGERY, issuanceOperation, PRESENTATION_FORGERIES, presentationOperation } from './loadmode/operations'
import { formatLoadReport, type LoadRole, summarizeLoad, writeLoadReport } from './loadmode/report'
import { driverFor, loadTargetsFile, type PartyConfig, type TargetsFile, TargetsFileError } from './targets'

const USAGE = `npm run load -- --targets <file> --role verifier|issuer --rate <per second> --duration <seconds> [options]

Drives one party of a targets file (scenarios/targets.ts) at a fixed arrival rate with the lab's wallets, and checks
every verdict: a share of the operations are forgeries (verifier: tampered credential or wrong holder key; issuer: a
wrong tx_code), and any forgery accepted makes the run fail (exit 1). Writes reports/load-<role>-<time>.json.

  --target <name>          the party to drive (default: the file's only party of that role)
  --issuer <name>          verifier runs: the issuer whose credentials the holders present (default: the file's only issuer)
  --format <format>        dc+sd-jwt or jwt_vc_json (default: the first the target speaks)
  --policy <id>            verifier runs: the policy asked for (default ${BENCH_POLICY})
  --max-in-flight <n>      operations running at once, one lab holder each; an arrival beyond is shed (default 16)
  --forgery-share <0..0.5> share of the operations that are forgeries (default 0.2)
  --timeout <seconds>      an operation with no verdict by then is an error (default 30)
  --reports-dir <dir>      default ./reports
Exit codes: 0 every verdict right; 1 a wrong verdict, or none reached; 2 a bad option or targets file.`

function usageError(message: string): never {
  console.error(`${message}\n\n${USAGE}`)
  process.exit(2)
}

const { values } = parseArgs({
  options: {
    targets: { type: 'string' },
    role: { type: 'string' },
    target: { type: 'string' },
    issuer: { type: 'string' },
    rate: { type: 'string' },
    duration: { type: 'string' },
    format: { type: 'string' },
    policy: { type: 'string', default: BENCH_POLICY },
    'max-in-flight': { type: 'string', default: '16' },
    'forgery-share': { type: 'string', default: '0.2' },
    timeout: { type: 'string', default: '30' },
    'reports-dir': { type: 'string', default: './reports' },
    help: { type: 'boolean', default: false },
  },
})
if (values.help) {
  console.log(USAGE)
  process.exit(0)
}

const numberOption = (name: string, value: string | undefined, min: number, max: number): number => {
  const number = Number(value)
  if (value === undefined || !Number.isFinite(number) || number < min || number > max) usageError(`--${name} takes a number from ${min} to ${max}, not ${value ?? '(nothing)'}`)
  return number
}
if (!values.targets) usageError('--targets <file> is required')
const role = values.role as LoadRole
if (role !== 'verifier' && role !== 'issuer') usageError(`--role takes verifier or issuer, not ${values.role ?? '(nothing)'}`)
const settings = {
  rate: numberOption('rate', values.rate, 0.1, 1000),
  durationSeconds: numberOption('duration', values.duration, 1, 3600),
  maxInFlight: Math.round(numberOption('max-in-flight', values['max-in-flight'], 1, 64)),
  forgeryShare: numberOption('forgery-share', values['forgery-share'], 0, 0.5),
  timeoutSeconds: numberOption('timeout', values.timeout, 1, 300),
}

let file: TargetsFile
try {
  file = loadTargetsFile(values.targets)
} catch (error) {
  if (error instanceof TargetsFileError) usageError(error.message)
  throw error
}

/** The party of `partyRole` named `name`, or the file's only one; it must be reachable at its own URL. */
function partyOf(partyRole: 'issuer' | 'verifier', name: string | undefined, option: string): { party: PartyConfig; where: string } {
  const candidates = file.parties.map((party, index) => ({ party, where: `parties.${index}` })).filter(({ party }) => party.role === partyRole && (!name || party.name === name))
  if (candidates.length !== 1) {
    usageError(name ? `${values.targets} names no ${partyRole} '${name}'` : `${values.targets} names ${candidates.length} ${partyRole}s: choose one with ${option} <name>`)
  }
  const [chosen] = candidates
  if (!('url' in chosen.party) || !chosen.party.url)
    usageError(`${chosen.where} (${chosen.party.name}): load mode drives parties at their own URL; a ${chosen.party.driver} party without one is not a target`)
  return chosen
}

const drive = <D>({ party, where }: { party: PartyConfig; where: string }): D => {
  try {
    return driverFor(party, process.env, where, LOCAL_ADMIN_API_KEY) as D
  } catch (error) {
    usageError(error instanceof Error ? error.message : String(error))
  }
}

const targetParty = partyOf(role, values.target, '--target')
const targetDriver = drive<IssuerDriver | VerifierDriver>(targetParty)
const issuerDriver = role === 'issuer' ? (targetDriver as IssuerDriver) : drive<IssuerDriver>(partyOf('issuer', values.issuer, '--issuer'))
const spoken = await targetDriver.describe().then(
  (capabilities) => capabilities.protocols.oid4vc ?? [],
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error))
    process.exit(1)
  },
)
const format = (values.format ?? spoken[0]) as CredentialFormat
if (!spoken.includes(format)) usageError(`${targetDriver.implementation} speaks ${spoken.join(', ') || 'no OID4VC format'} over OID4VC, not ${format}`)

const machine = describeMachine()
const dataDir = mkdtempSync(join(tmpdir(), 'interop-load-'))
// the lab's wallets in their own process, so that the arrivals keep their pace; one holder per in-flight slot
const walletProcess = await startServiceProcess({ service: 'wallet', dataDir, adminApiKey: LOCAL_ADMIN_API_KEY, benchPersonas: settings.maxInFlight })
let exitCode = 1
try {
  const wallet = labWallet(walletProcess.url, false)
  const holders = Array.from({ length: settings.maxInFlight }, (_, i) => `bench-${i + 1}`)
  const credentials = pilotCredentials()
  const operation =
    role === 'verifier'
      ? presentationOperation({ verifier: targetDriver as VerifierDriver, wallet, holders, policy: values.policy, format })
      : issuanceOperation({ issuer: issuerDriver, wallet, holders, credential: credentials[0]!, format })
  if (role === 'verifier') {
    console.log(`Equipping ${holders.length} holders with the pilot's credentials from ${issuerDriver.implementation}`)
    for (const holder of holders) for (const credential of credentials) await wallet.acceptOffer(holder, await issuerDriver.offer({ ...credential, format, protocol: 'oid4vc' }))
  }
  // before the clock: an honest operation must succeed, or the run would only measure a misconfiguration
  const first = await operation(0, false)
  if (!('verdict' in first) || first.verdict !== 'accepted') {
    throw new Error(
      `Before the load, an honest ${role === 'verifier' ? 'presentation' : 'issuance'} did not succeed: ${'verdict' in first ? `${first.verdict}: ${first.reason ?? ''}` : `${first.error}: ${first.message}`}`,
    )
  }
  console.log(`Load: ${settings.rate}/s for ${settings.durationSeconds} s against ${targetDriver.implementation}`)
  const run = await runOpenLoop({ ...settings, timeoutMs: settings.timeoutSeconds * 1000 }, operation)
  const report = summarizeLoad(run, {
    role,
    target: { name: targetParty.party.name, implementation: targetDriver.implementation, url: targetDriver.url },
    format,
    subject: role === 'verifier' ? values.policy : credentials[0]!.credentialType,
    settings,
    forgeries: role === 'verifier' ? PRESENTATION_FORGERIES.map(({ name, check }) => ({ name, check })) : [ISSUANCE_FORGERY],
    machine: { ...machine, loadavgAtEnd: loadNow() },
  })
  const written = writeLoadReport(resolve(values['reports-dir']), report)
  console.log(`\n${formatLoadReport(report)}\nReport: ${written}`)
  exitCode = report.passed ? 0 : 1
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error))
} finally {
  await walletProcess.stop()
  rmSync(dataDir, { recursive: true, force: true })
}
process.exit(exitCode)
