import { createServer, type Socket } from 'node:net'
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { compareRows } from '@interop-lab/scenarios/bench/against'
import { measureEd25519 } from '@interop-lab/scenarios/bench/ed25519'
import { runLoad } from '@interop-lab/scenarios/bench/load'
import { measureLoad } from '@interop-lab/scenarios/bench/measure'
import { IDLE_CPU_LIMIT_PERCENT } from '@interop-lab/scenarios/bench/quiet'
import { type BenchReport, formatSummary, readmeTable, summarize } from '@interop-lab/scenarios/bench/report'
import { type BenchContext, successCount } from '@interop-lab/scenarios/bench/rows'
import { formatTable } from '@interop-lab/scenarios/bench/table'
import { freePort, runScript, startServiceProcess } from './support/serviceProcess'

// The bench reports what happened: a row whose operations failed is failed (with how many succeeded), never a time;
// the run records the machine and commit, waits for the services' background work before the clock, and compares
// the throughput targets with the signature floors measured in the same run. Quick settings only: the machine is shared.

const dirs: string[] = []
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'interop-bench-test-'))
  dirs.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

describe('a row measured against a stopped service', () => {
  it('is reported FAILED with its success count (0/n), with no throughput or latency, in the table, the summary and the README', async () => {
    const rates = measureEd25519(0.05)
    const context: BenchContext = { quick: true, maxSeconds: 2, maxOps: 20, concurrencies: [2], formats: [], log: () => {}, rates }
    const registry = await startServiceProcess({ service: 'trust-registry', port: await freePort(), dataDir: tempDir(), env: process.env })
    await registry.stop()
    const row = await measureLoad({ stats: async () => ({}) }, context, { section: 'Trust registry', name: 'query a stopped registry' }, { concurrency: 2 }, async () => {
      const response = await fetch(`${registry.url}/trqp/authorization`, { method: 'POST', body: '{}' })
      if (!response.ok) throw new Error(`status ${response.status}`)
    })
    row.target = { text: '≥ 300/s', met: false, perSecond: 300 }

    expect(successCount(row)).toBe('0/20')
    expect(row.failure).toMatch(/^20 of 20 operations failed or did not complete; first error: fetch failed/)
    expect([row.throughput, row.p50Ms, row.p99Ms]).toEqual([undefined, undefined, undefined])
    const table = formatTable([row], rates)
    expect(table).toMatch(/query a stopped registry +2 +0\/20 +FAILED/)
    expect(table).toContain('FAILED: 20 of 20 operations failed')
    const summary = summarize([row], rates)
    expect(summary[0].best).toBeUndefined()
    expect(formatSummary(summary)).toContain('query a stopped registry: FAILED with every number of clients — target ≥ 300/s not measured')
    const report = {
      at: new Date().toISOString(),
      quick: true,
      seconds: 1,
      machine: { cores: 2, cpuModel: 'x', memoryGb: 1, platform: 'linux', node: 'v20', commit: 'abc', uncommittedChanges: false, loadavgAtStart: [1, 1, 1] },
      quiet: { anonCredsWaitSeconds: 0, idleCpuPercent: {} },
      rates,
      rows: [row],
      summary,
    }
    expect(readmeTable(report)).toContain('| query a stopped registry | 2 | 0/20 | **failed**: 20 of 20 operations failed')
  })
})

describe('an operation that never completes', () => {
  it('counts as not completed once its time is up, so the row fails instead of waiting or showing a time', async () => {
    // a service that accepts connections and never answers
    const held: Socket[] = []
    const server = createServer((socket) => void held.push(socket)).listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`
    try {
      const result = await runLoad({ concurrency: 2, maxOps: 4, maxSeconds: 5, warmupPerClient: 0, operationTimeoutMs: 300 }, async () => {
        await fetch(url)
      })
      expect([result.ops, result.attempted]).toEqual([0, 4])
      expect(result.firstError).toBe('the operation did not complete within 0.3 s')
    } finally {
      for (const socket of held) socket.destroy()
      server.close()
    }
  })
})

describe('--against <ref>: rows compared with the same rows of another commit', () => {
  it('gives ratios for rows both measured, and none where either side failed (an older bench counted errors only)', () => {
    const row = (name: string, concurrency: number, extra: object) => ({ section: 's', name, concurrency, ...extra })
    const ours = [
      row('issue', 1, { throughput: 20, p50Ms: 50 }),
      row('issue', 4, { throughput: 40, p50Ms: 100 }),
      row('verify', 1, { failure: '1 of 9 operations failed' }),
      row('new', 1, { throughput: 1 }),
    ]
    const theirs = [row('issue', 1, { throughput: 10, p50Ms: 100 }), row('issue', 4, { throughput: 30, p50Ms: 80, errors: 2 }), row('verify', 1, { throughput: 5, p50Ms: 9 })]
    expect(compareRows(ours, theirs)).toEqual([
      { name: 'issue', concurrency: 1, throughputRatio: 2, p50Ratio: 0.5 },
      { name: 'issue', concurrency: 4, missing: 'failed there: 2 errors' },
      { name: 'verify', concurrency: 1, missing: 'failed here: 1 of 9 operations failed' },
      { name: 'new', concurrency: 1, missing: 'not measured by the other commit' },
    ])
  })

  it('compares a row the other commit cannot measure (the issuer in 2 worker processes) with the row it names in comparesWith, at the same clients', () => {
    const ours = [{ section: 'workers', name: 'issue, issuer in 2 processes', concurrency: 32, throughput: 90, p50Ms: 300, comparesWith: 'issue' }]
    const theirs = [
      { section: 's', name: 'issue', concurrency: 4, throughput: 10, p50Ms: 100 },
      { section: 's', name: 'issue', concurrency: 32, throughput: 60, p50Ms: 400 },
    ]
    expect(compareRows(ours, theirs)).toEqual([{ name: 'issue, issuer in 2 processes', concurrency: 32, throughputRatio: 1.5, p50Ratio: 0.75 }])
  })
})

describe('npm run bench -- --quick (issuance only, one client)', () => {
  const reportsDir = tempDir()
  let report: BenchReport
  let output: string

  it('runs with no background work in the services and every row with its success count', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env }
    // as `npm run bench` runs: the issuer takes the DEMO-ONLY AnonCreds material, not the test fixtures
    delete env.INTEROP_ANONCREDS_MATERIAL_DIR
    const run = await runScript('scenarios/bench.ts', ['--quick', '--only', 'issuance', '--concurrency', '1', '--reports-dir', reportsDir], env)
    output = run.output
    expect(run.code, output).toBe(0)
    report = JSON.parse(readFileSync(join(reportsDir, 'bench.json'), 'utf8')) as BenchReport
    // the issuer imported the DEMO-ONLY AnonCreds material at start: nothing generates while the clock runs
    expect(report.quiet.anonCredsWaitSeconds).toBeLessThan(5)
    expect(Object.keys(report.quiet.idleCpuPercent).sort()).toEqual(['issuer', 'trust-registry', 'verifier', 'wallet'])
    expect(report.quiet.idleCpuPercent.issuer).toBeLessThan(IDLE_CPU_LIMIT_PERCENT)
    expect(report.rows.map((r) => r.name)).toEqual(['issue dc+sd-jwt (OID4VC)', 'issue jwt_vc_json (OID4VC)'])
    for (const row of report.rows) {
      expect(row.failure, row.firstError).toBeUndefined()
      expect(row.ops).toBeGreaterThan(0)
      expect(row.attempted).toBe(row.ops)
      expect(output).toContain(`${row.name} c=1: `)
      expect(output).toContain(`(${row.ops}/${row.ops} ok)`)
    }
  })

  it('records the machine, its load and the commit measured', () => {
    expect(report.machine.cores).toBeGreaterThan(0)
    expect(report.machine.node).toBe(process.version)
    expect(report.machine.commit).toMatch(/^[0-9a-f]{40}$/)
    expect(report.machine.loadavgAtStart).toHaveLength(3)
    expect(report.machine.loadavgAtEnd).toHaveLength(3)
  })

  it('compares SD-JWT issuance with its target and with the Ed25519 and ES256 floors of the same run', () => {
    const [issuance] = report.summary
    expect(issuance.measurement).toBe('issue dc+sd-jwt (OID4VC)')
    expect(issuance.targetPerSecond).toBe(200)
    expect(issuance.best?.throughput).toBe(report.rows[0].throughput)
    expect(issuance.best?.met).toBe(report.rows[0].throughput! >= 200)
    // signatures are a small part of an issuance: the floors are far above what the services reach
    expect(issuance.best?.ed25519FloorPerSecond).toBeGreaterThan(issuance.best!.throughput)
    expect(issuance.best?.es256FloorPerSecond).toBeGreaterThan(0)
    expect(output).toContain('Against the targets')
    expect(output).toMatch(/issue dc\+sd-jwt \(OID4VC\): [\d,]+\/s with 1 clients \(\d+\/\d+ ok\) — target ≥ 200\/s (met|MISSED) .* signature floor Ed25519 [\d,]+\/s .* ES256 [\d,]+\/s/)
  })

  it('rewrites the README table from reports/bench.json (--readme), between its markers only', async () => {
    const readme = join(tempDir(), 'README.md')
    copyFileSync(join(import.meta.dirname, '..', 'README.md'), readme)
    const before = readFileSync(readme, 'utf8')
    const run = await runScript('scenarios/bench.ts', ['--readme', '--readme-file', readme, '--reports-dir', reportsDir], process.env)
    expect(run.code, run.output).toBe(0)
    const after = readFileSync(readme, 'utf8')
    expect(after).toContain(`| issue dc+sd-jwt (OID4VC) | 1 | ${successCount(report.rows[0])} |`)
    expect(after).toContain(`commit ${report.machine.commit.slice(0, 10)}`)
    const outside = (text: string) => text.slice(0, text.indexOf('<!-- bench:begin -->')) + text.slice(text.indexOf('<!-- bench:end -->'))
    expect(outside(after)).toBe(outside(before))
  })
})
