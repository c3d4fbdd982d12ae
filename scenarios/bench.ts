import 'reflect-metadata'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { CREDENTIAL_FORMATS } from '../common/credentialTypes'
import { startBenchStack } from './bench/benchStack'
import { measureEd25519 } from './bench/ed25519'
import { measureDidcomm } from './bench/didcomm'
import { measureGrowth } from './bench/growth'
import { measureIssuance } from './bench/issuance'
import { measurePilots } from './bench/pilots'
import { measurePresentation } from './bench/presentation'
import { measureRegistry } from './bench/registry'
import { measureStatusList } from './bench/statusList'
import type { BenchContext, BenchRow } from './bench/rows'
import { formatBreakdown, formatTable } from './bench/table'

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string', multiple: true },
    profile: { type: 'string' },
    'reports-dir': { type: 'string', default: './reports' },
  },
})

const quick = values.quick
const SECTIONS = ['issuance', 'presentation', 'didcomm', 'pilots', 'status-list', 'growth', 'registry'] as const
const sections = new Set(values.only ?? SECTIONS)
for (const section of sections) if (!(SECTIONS as readonly string[]).includes(section)) throw new Error(`Unknown section '${section}'; sections: ${SECTIONS.join(', ')}`)
const log = (line: string) => console.log(line)
const started = Date.now()
log(`Interop Lab bench (${quick ? 'quick' : 'full'} run): every service in its own process, over HTTP on 127.0.0.1`)

const rates = measureEd25519(quick ? 0.3 : 1)
// AnonCreds is left out: the bench's service processes share no AnonCreds registry directory
const context: BenchContext = { quick, maxSeconds: quick ? 3 : 10, maxOps: quick ? 600 : 4000, concurrencies: [1, 4, 16, 32], formats: quick ? ['dc+sd-jwt', 'jwt_vc_json'] : CREDENTIAL_FORMATS.filter((f) => f !== 'anoncreds'), log, rates }
const dataDir = mkdtempSync(join(tmpdir(), 'interop-bench-'))
const profileDir = values.profile ? resolve(values.profile) : undefined
if (profileDir) mkdirSync(profileDir, { recursive: true })
const rows: BenchRow[] = []
const stack = await startBenchStack({ dataDir, benchPersonas: Math.max(...context.concurrencies), profileDir })
try {
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

log(`\n${formatTable(rows, rates)}\n\nBreakdown:\n${formatBreakdown(rows)}`)
const reportsDir = resolve(values['reports-dir'])
mkdirSync(reportsDir, { recursive: true })
writeFileSync(join(reportsDir, 'bench.json'), `${JSON.stringify({ at: new Date().toISOString(), quick, seconds: (Date.now() - started) / 1000, rates, rows }, null, 2)}\n`)
log(`\nFinished in ${((Date.now() - started) / 1000).toFixed(0)} s; results in ${join(reportsDir, 'bench.json')}`)
