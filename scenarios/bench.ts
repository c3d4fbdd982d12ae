import 'reflect-metadata'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { CREDENTIAL_FORMATS } from '@interop-lab/common/credentialTypes'
import { startBenchStack } from './bench/benchStack'
import { type Ed25519Rates, measureEd25519 } from './bench/ed25519'
import { measureDidcomm } from './bench/didcomm'
import { benchAgainst } from './bench/against'
import { type AgainstComparison, formatComparison, medianRows } from './bench/comparison'
import { measureGrowth } from './bench/growth'
import { describeMachine, loadNow } from './bench/machine'
import { type QuietCheck, waitUntilQuiet } from './bench/quiet'
import { type BenchReport, formatSummary, summarize, updateReadme } from './bench/report'
import { measureIssuance } from './bench/issuance'
import { measurePilots } from './bench/pilots'
import { measurePresentation } from './bench/presentation'
import { measureRegistry } from './bench/registry'
import { measureStatusList } from './bench/statusList'
import { measureIssuerWorkers } from './bench/workers'
import type { BenchContext, BenchRow } from './bench/rows'
import { formatBreakdown, formatTable } from './bench/table'

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string', multiple: true },
    profile: { type: 'string' },
    concurrency: { type: 'string', multiple: true },
    against: { type: 'string' },
    rounds: { type: 'string' },
    'reports-dir': { type: 'string', default: './reports' },
    readme: { type: 'boolean', default: false },
    'readme-file': { type: 'string', default: './README.md' },
  },
})
const reportFile = join(resolve(values['reports-dir']), 'bench.json')

// --readme: no run, the README's bench table is rewritten from the last run's report
if (values.readme) {
  updateReadme(resolve(values['readme-file']), JSON.parse(readFileSync(reportFile, 'utf8')) as BenchReport)
  console.log(`${values['readme-file']}: bench table rewritten from ${reportFile}`)
  process.exit(0)
}

const quick = values.quick
const SECTIONS = ['issuance', 'workers', 'presentation', 'didcomm', 'pilots', 'status-list', 'growth', 'registry'] as const
const sections = new Set(values.only ?? SECTIONS)
for (const section of sections) if (!(SECTIONS as readonly string[]).includes(section)) throw new Error(`Unknown section '${section}'; sections: ${SECTIONS.join(', ')}`)
const concurrencies = values.concurrency?.map(Number) ?? [1, 4, 16, 32]
if (!concurrencies.every((c) => Number.isInteger(c) && c >= 1 && c <= 32)) throw new Error(`--concurrency takes client counts from 1 to 32, not ${values.concurrency?.join(', ')}`)
const rounds = Number(values.rounds ?? 3)
if (!values.against && values.rounds) throw new Error('--rounds counts the interleaved rounds of --against <ref>: give the commit to compare with')
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 9) throw new Error(`--rounds takes a number of rounds from 1 to 9, not ${values.rounds}`)
const log = (line: string) => console.log(line)
const started = Date.now()
const machine = describeMachine()
log(`Interop Lab bench (${quick ? 'quick' : 'full'} run): every service in its own process, over HTTP on 127.0.0.1`)
log(
  `${machine.cores} cores (${machine.cpuModel}), Node ${machine.node}, commit ${machine.commit}${machine.uncommittedChanges ? ' + uncommitted changes' : ''}, load average ${machine.loadavgAtStart.join(' ')}`,
)

const profileDir = values.profile ? resolve(values.profile) : undefined
if (profileDir) mkdirSync(profileDir, { recursive: true })

/** This tree's bench, in this process: the service processes it starts are gone when it returns. */
async function measureHere(): Promise<{ rows: BenchRow[]; quiet: QuietCheck; rates: Ed25519Rates }> {
  const rates = measureEd25519(quick ? 0.3 : 1)
  // no AnonCreds load rows (a DIDComm AnonCreds exchange takes seconds): the pilots section runs it end to end
  const context: BenchContext = {
    quick,
    maxSeconds: quick ? 3 : 10,
    maxOps: quick ? 600 : 4000,
    concurrencies,
    formats: quick ? ['dc+sd-jwt', 'jwt_vc_json'] : CREDENTIAL_FORMATS.filter((f) => f !== 'anoncreds'),
    log,
    rates,
  }
  const rows: BenchRow[] = []
  const dataDir = mkdtempSync(join(tmpdir(), 'interop-bench-'))
  // a holder per client; the growth section uses 8 (4 presenting, 4 receiving)
  const stack = await startBenchStack({ dataDir, benchPersonas: Math.max(8, ...context.concurrencies), profileDir })
  let quiet: QuietCheck
  try {
    quiet = await waitUntilQuiet(stack, log)
    if (sections.has('issuance')) rows.push(...(await measureIssuance(stack, context)))
    if (sections.has('presentation')) rows.push(...(await measurePresentation(stack, context)))
    if (sections.has('didcomm')) rows.push(...(await measureDidcomm(stack, context)))
    if (sections.has('pilots')) rows.push(...(await measurePilots(stack, context)))
    if (sections.has('status-list')) rows.push(...(await measureStatusList(context, dataDir, stack.endpoints.issuer)))
    if (sections.has('growth')) rows.push(...(await measureGrowth(stack, context, dataDir, quick ? [1_000, 10_000] : [1_000, 100_000])))
    if (sections.has('registry')) rows.push(...(await measureRegistry(context, dataDir, quick ? [1_000, 100_000] : [1_000, 100_000, 1_000_000])))
  } finally {
    await stack.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
  // a stack of its own per number of issuer processes, once the main stack is gone
  if (sections.has('workers')) rows.push(...(await measureIssuerWorkers(context, profileDir)))
  return { rows, quiet, rates }
}

/**
 * --against: this tree and the other commit each run their bench in their own process, in interleaved rounds; this
 * tree's report keeps, per row, its round nearest the median (the quiet check of its first round; every round's is in
 * `against.rounds`), with the signature rates measured here once the rounds are done.
 */
async function measureAgainst(ref: string): Promise<{ rows: BenchRow[]; quiet: QuietCheck; rates: Ed25519Rates; comparison: AgainstComparison }> {
  const { comparison, ours } = await benchAgainst(ref, { quick, only: values.only, concurrency: values.concurrency, profile: profileDir }, rounds, log)
  return { rows: medianRows(ours.map((side) => side.rows)), quiet: ours[0].quiet!, rates: measureEd25519(quick ? 0.3 : 1), comparison }
}

const { rows, quiet, rates, comparison }: Awaited<ReturnType<typeof measureHere>> & { comparison?: AgainstComparison } = values.against ? await measureAgainst(values.against) : await measureHere()

const summary = summarize(rows, rates)
if (comparison) log(`\nThis tree's rows: per row, its round nearest the median throughput of ${rounds} rounds.`)
log(`\n${formatTable(rows, rates)}\n\nBreakdown:\n${formatBreakdown(rows)}`)
if (summary.length) log(`\nAgainst the targets (${machine.cores} cores) and the signature floor of this run:\n${formatSummary(summary)}`)
if (comparison) log(`\n${formatComparison(comparison)}`)
const report: BenchReport = {
  at: new Date().toISOString(),
  quick,
  seconds: (Date.now() - started) / 1000,
  machine: { ...machine, loadavgAtEnd: loadNow() },
  quiet,
  rates,
  rows,
  summary,
  ...(comparison ? { against: comparison } : {}),
}
mkdirSync(resolve(values['reports-dir']), { recursive: true })
writeFileSync(reportFile, `${JSON.stringify(report, null, 2)}\n`)
const failed = rows.filter((r) => r.failure).length
log(`\nFinished in ${report.seconds.toFixed(0)} s${failed ? `; ${failed} row(s) FAILED` : ''}; results in ${reportFile} (README table: npm run bench -- --readme)`)
