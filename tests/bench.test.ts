import { createServer, type Socket } from 'node:net'
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { lockfileCovers } from '@interop-lab/scenarios/bench/against'
import { compareRounds, comparisonTable, formatComparison, medianRows } from '@interop-lab/scenarios/bench/comparison'
import { measureEd25519 } from '@interop-lab/scenarios/bench/ed25519'
import { runLoad } from '@interop-lab/scenarios/bench/load'
import { measureLoad } from '@interop-lab/scenarios/bench/measure'
import { IDLE_CPU_LIMIT_PERCENT } from '@interop-lab/scenarios/bench/quiet'
import { type BenchReport, formatSummary, readmeTable, summarize } from '@interop-lab/scenarios/bench/report'
import { type BenchContext, type BenchRow, successCount } from '@interop-lab/scenarios/bench/rows'
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

describe('--against <ref>: rows compared with the same rows of another commit over interleaved rounds', () => {
  const row = (name: string, concurrency: number, extra: object) => ({ section: 's', name, concurrency, ...extra })
  const side = (rows: object[], load = 1) => ({ rows: rows as BenchRow[], loadavgAtStart: [load, load, load], seconds: 60 })
  const measured = (throughput: number, issuer: number, wallet: number) => ({ throughput, p50Ms: 1000 / throughput, cpuMsPerOp: { issuer, wallet } })
  // the throughputs of one row over three rounds: a noisy machine (round 2 was loaded on this side)
  const rounds = [
    { theirs: side([row('issue', 1, measured(10, 20, 10))]), ours: side([row('issue', 1, measured(25, 10, 5))]) },
    { theirs: side([row('issue', 1, measured(12, 22, 10))]), ours: side([row('issue', 1, measured(9, 11, 6))]) },
    { theirs: side([row('issue', 1, measured(11, 21, 12))]), ours: side([row('issue', 1, measured(24, 9, 5))]) },
  ]

  // CPU per operation over all services: the median of each round's sum (there 30, 32, 33), not the sum of the medians
  it("gives each side its median over the rounds, the ratio of the medians, the spread of the rounds' own ratios and the ratio of CPU per operation", () => {
    const [issue] = compareRounds(rounds)
    expect(issue.theirs).toEqual({ throughput: 11, p50Ms: 1000 / 11, cpuMsPerOp: { issuer: 21, wallet: 10 }, cpuMsPerOpTotal: 32 })
    expect(issue.ours).toEqual({ throughput: 24, p50Ms: 1000 / 24, cpuMsPerOp: { issuer: 10, wallet: 5 }, cpuMsPerOpTotal: 15 })
    expect(issue.throughputRatio).toBeCloseTo(24 / 11)
    expect(issue.throughputRatioRange![0]).toBeCloseTo(9 / 12)
    expect(issue.throughputRatioRange![1]).toBeCloseTo(2.5)
    expect(issue.cpuRatio).toBeCloseTo(32 / 15)
    expect(issue.targetMet).toBe(true)
  })

  it('states per row whether ×2 is met from the medians, and whether every round agrees, with the load average of each side', () => {
    const comparison = {
      ref: 'a769e6c',
      commit: 'a769e6cd75c4aea91f9aac1902ba2e444fe88a1b',
      rounds: rounds.map((r, i) => ({ theirs: { ...r.theirs, loadavgAtStart: [i + 1, 0, 0] }, ours: { ...r.ours, loadavgAtStart: [i + 4, 0, 0] } })),
      rows: compareRounds([
        ...rounds.slice(0, 2),
        { theirs: side([row('issue', 1, measured(11, 21, 12)), row('verify', 1, measured(10, 30, 10))]), ours: side([row('issue', 1, measured(24, 9, 5)), row('verify', 1, measured(15, 20, 8))]) },
      ]),
    }
    const text = formatComparison(comparison)
    expect(text).toContain('3 round(s)')
    expect(text).toContain('round 1: a769e6c 1 (60 s), this tree 4 (60 s); round 2: a769e6c 2 (60 s), this tree 5 (60 s); round 3: a769e6c 3 (60 s), this tree 6 (60 s)')
    expect(text).toContain('issue c=1: throughput 11.0 → 24.0/s ×2.18 (rounds ×0.75–×2.50)')
    expect(text).toContain('CPU ms/op 32.0 → 15.0 (×2.13 less): issuer 21.0 → 10.0, wallet 10.0 → 5.0')
    expect(text).toContain('issue c=1: ×2 throughput MET (×2.18, in some rounds only (×0.75–×2.50)); CPU per operation ×2.13 less (halved)')
    // a row measured in the last round only has no ratio: each round pairs both sides
    expect(text).toContain('verify c=1: ×2 not measured (failed here in round 1: not measured)')
    // the README, under the bench table (npm run bench -- --readme)
    const table = comparisonTable(comparison)
    expect(table).toContain("load average (1 min) at each side's start 1 / 4, 2 / 5, 3 / 6")
    expect(table).toContain('| issue | 1 | 11.0 → 24.0/s | ×2.18 (×0.75–×2.50) | 32.0 → 15.0 (×2.13 less) | met, not in every round |')
    expect(table).toContain('| verify | 1 | no ratio: failed here in round 1: not measured | | | not measured |')
  })

  it('gives no ratio for a row that failed in any round on either side (an older bench counted errors only), one the other commit lacks, nor a timed row', () => {
    const both = (theirs: object[], ours: object[]) => ({ theirs: side(theirs), ours: side(ours) })
    const compared = compareRounds([
      both(
        [row('issue', 4, measured(30, 1, 1)), row('verify', 1, measured(5, 1, 1)), row('pilot', 1, { p50Ms: 60 })],
        [row('issue', 4, measured(40, 1, 1)), row('verify', 1, measured(6, 1, 1)), row('new', 1, measured(1, 1, 1)), row('pilot', 1, { p50Ms: 50 })],
      ),
      both(
        [row('issue', 4, { ...measured(30, 1, 1), errors: 2 }), row('verify', 1, measured(5, 1, 1)), row('pilot', 1, { p50Ms: 60 })],
        [row('issue', 4, measured(40, 1, 1)), row('verify', 1, { failure: '1 of 9 operations failed' }), row('new', 1, measured(1, 1, 1)), row('pilot', 1, { p50Ms: 50 })],
      ),
    ])
    expect(compared).toEqual([
      { name: 'issue', concurrency: 4, missing: 'failed there in round 2: 2 errors' },
      { name: 'verify', concurrency: 1, missing: 'failed here in round 2: 1 of 9 operations failed' },
      { name: 'new', concurrency: 1, missing: 'not measured by the other commit' },
      { name: 'pilot', concurrency: 1, missing: 'no throughput on both sides' },
    ])
  })

  it('compares a row the other commit cannot measure (the issuer in 2 worker processes) with the row it names in comparesWith, at the same clients', () => {
    const ours = [{ section: 'workers', name: 'issue, issuer in 2 processes', concurrency: 32, throughput: 90, p50Ms: 300, comparesWith: 'issue' }]
    const theirs = [row('issue', 4, { throughput: 10, p50Ms: 100 }), row('issue', 32, { throughput: 60, p50Ms: 400 })]
    const [compared] = compareRounds([{ theirs: side(theirs), ours: side(ours) }])
    expect([compared.throughputRatio, compared.p50Ratio, compared.cpuRatio]).toEqual([1.5, 0.75, undefined])
  })

  it("keeps in this tree's report, per row, the round nearest the median throughput, or a failed round", () => {
    const runs = rounds.map((r) => r.ours.rows)
    expect(medianRows(runs)).toEqual([runs[2][0]])
    const failed = row('issue', 1, { failure: '3 of 9 operations failed' }) as BenchRow
    expect(medianRows([runs[0], [failed], runs[2]])).toEqual([failed])
  })

  it("reuses this tree's installed packages for a commit whose lockfile pins fewer of them, not for one pinning another version or a package not installed here", () => {
    const ours = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package-lock.json'), 'utf8'))
    const older = () => {
      const lockfile = structuredClone(ours)
      delete lockfile.packages['node_modules/yaml']
      return lockfile
    }
    expect(lockfileCovers(ours, older())).toBe(true)
    const otherVersion = older()
    otherVersion.packages['node_modules/zod'].version = '3.0.0'
    expect(lockfileCovers(ours, otherVersion)).toBe(false)
    const notInstalled = older()
    notInstalled.packages['node_modules/left-pad'] = { version: '1.3.0' }
    expect(lockfileCovers(ours, notInstalled)).toBe(false)
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
