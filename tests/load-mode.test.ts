import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL_ADMIN_API_KEY } from '@interop-lab/common/config'
import type { LoadReport } from '@interop-lab/scenarios/loadmode/report'
import { isForgery } from '@interop-lab/scenarios/loadmode/openLoop'
import { accessibilityViolations, launchBrowser } from './support/browser'
import { runScript } from './support/serviceProcess'
import { startTestStack } from './support/stack'

/**
 * `npm run load` against a second, separately started lab ("lab B"), reached only through the targets file's
 * protocol-only drivers: a short run at a low rate, a share of the operations forgeries made by the lab's wallets.
 */

const env = { ...process.env, LAB_B_ADMIN_API_KEY: LOCAL_ADMIN_API_KEY }
let labB: Awaited<ReturnType<typeof startTestStack>>
let dir: string

/** scenarios/targets.example.json pointed at lab B, with `change` applied to its verifier party. */
function targetsFile(name: string, change: (verifier: Record<string, any>) => void = () => {}): string {
  const example = readFileSync(join(import.meta.dirname, '..', 'scenarios', 'targets.example.json'), 'utf8')
  const targets = JSON.parse(example.replaceAll('http://127.0.0.1:5200', labB.issuer.url).replaceAll('http://127.0.0.1:5400', labB.verifier.url))
  change(targets.parties.find((party: { role: string }) => party.role === 'verifier'))
  const file = join(dir, `${name}.json`)
  writeFileSync(file, JSON.stringify(targets))
  return file
}

async function load(name: string, args: string[]): Promise<{ code: number | null; output: string; report?: LoadReport }> {
  const reports = join(dir, name)
  const exit = await runScript('scenarios/load.ts', [...args, '--rate', '2', '--duration', '4', '--max-in-flight', '4', '--forgery-share', '0.25', '--reports-dir', reports], env)
  const written = readdirSync(reports, { withFileTypes: true }).find((entry) => /^load-\w+-.+\.json$/.test(entry.name))
  return { ...exit, report: written && (JSON.parse(readFileSync(join(reports, written.name), 'utf8')) as LoadReport) }
}

type LoadRun = Awaited<ReturnType<typeof load>>
let verifierRun: LoadRun
let acceptsAllRun: LoadRun
let issuerRun: LoadRun

// one lab B for the file; the three short runs side by side (each spends most of its time starting its wallets)
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'interop-load-mode-'))
  // lab B's dashboard shows the verifier run's report (its --reports-dir)
  labB = await startTestStack({ reportsDir: join(dir, 'verifier') })
  // a verifier whose result says "accepted" for a rejected presentation too: forgeries pass under load
  const acceptsAll = targetsFile('accepts-all', (verifier) => (verifier.result.acceptedValues = ['accepted', 'rejected']))
  ;[verifierRun, acceptsAllRun, issuerRun] = await Promise.all([
    load('verifier', ['--targets', targetsFile('lab-b'), '--role', 'verifier', '--format', 'dc+sd-jwt']),
    load('accepts-all', ['--targets', acceptsAll, '--role', 'verifier', '--format', 'dc+sd-jwt']),
    load('issuer', ['--targets', targetsFile('lab-b-issuer'), '--role', 'issuer', '--format', 'jwt_vc_json']),
  ])
}, 180_000)
afterAll(async () => {
  await labB?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('npm run load --role verifier against lab B', () => {
  it('reports throughput, latency percentiles and every arrival, and every forgery rejected by a named check', () => {
    const { code, output, report } = verifierRun
    expect(code, output).toBe(0)
    expect(report!.passed).toBe(true)
    expect(report!.target).toEqual({ name: 'lab-b-verifier', implementation: 'oid4vp-http@lab-b-verifier', url: labB.verifier.url })
    // 8 arrivals (2/s for 4 s), every fourth a forgery: tamper and wrong holder key in turn; on a busy machine an
    // arrival finding its 4 holders busy is shed, so every arrival is either a right verdict or shed
    expect(report!.samples).toHaveLength(8)
    expect(report!.samples.filter((s) => s.forged)).toHaveLength(2)
    expect(report!.correctness).toMatchObject({ honest: { rejected: 0 }, forged: { accepted: 0 }, wrong: [] })
    expect(report!.correctness.forged.rejected).toBeGreaterThan(0)
    expect(report!.correctness.honest.accepted + report!.correctness.forged.rejected + (report!.errors.shed?.count ?? 0)).toBe(8)
    // lab B names the checks that refused the forgeries: the issuer's signature, the holder's key binding
    expect(Object.keys(report!.correctness.forgeryChecks).sort()).toEqual(['holder-binding', 'signature'])
    expect(report!.verdicts).toBe(8 - (report!.errors.shed?.count ?? 0))
    expect(report!.latencyMs!.p50).toBeGreaterThan(0)
    expect(report!.latencyMs!.p99).toBeGreaterThanOrEqual(report!.latencyMs!.p95)
    expect(Object.keys(report!.errors).filter((kind) => kind !== 'shed')).toEqual([])
    expect(output).toContain('PASSED: every verdict was right')
  })

  it('exits 1 naming the accepted forgeries when the verdicts it reads accept every presentation', () => {
    const { code, output, report } = acceptsAllRun
    expect(code, output).toBe(1)
    expect(report!.passed).toBe(false)
    expect(report!.correctness.forged.rejected).toBe(0)
    expect(report!.correctness.forged.accepted).toBeGreaterThan(0)
    expect(report!.correctness.wrong.every((w) => w.verdict === 'accepted' && ['tamper', 'wrong-holder-key'].includes(w.forgery!))).toBe(true)
    expect(output).toMatch(/FAILED:\n {2}- \d forger(y was|ies were) accepted under load: tamper must fail the issuer's signature/)
  })
})

describe('npm run load --role issuer against lab B', () => {
  it('issues to the lab wallets at the rate asked, and lab B refuses every redemption with a wrong tx_code (OID4VCI 1.0 §6.3)', () => {
    const { code, output, report } = issuerRun
    expect(code, output).toBe(0)
    expect(report!.correctness.forged).toMatchObject({ accepted: 0 })
    expect(report!.correctness.forged.rejected).toBeGreaterThan(0)
    expect(report!.correctness.honest.accepted + report!.correctness.forged.rejected + (report!.errors.shed?.count ?? 0)).toBe(8)
    expect(report!.forgeries.map((f) => f.name)).toEqual(['wrong-tx-code'])
    expect(Object.keys(report!.errors).filter((kind) => kind !== 'shed')).toEqual([])
  })
})

describe("the dashboard's Load tab", () => {
  it('draws the latest run as latency over time: one dot per arrival, coloured by how it ended, in an accessible page', async () => {
    const browser = await launchBrowser()
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
      await page.goto(labB.dashboard.loginUrl)
      await page.locator('body[data-ready]').waitFor()
      await page.click('button[data-language="en"]')
      await page.click('button[data-view="load"]')
      await page.locator('#view-load svg.load-chart').waitFor()
      const report = verifierRun.report!
      expect(await page.locator('#view-load svg.load-chart circle').count()).toBe(report.samples.length)
      expect(await page.locator('#view-load svg.load-chart circle.forgery-refused').count()).toBe(report.correctness.forged.rejected)
      expect(await page.locator('#view-load svg.load-chart circle.wrong').count()).toBe(0)
      expect(await page.locator('#view-load svg.load-chart').getAttribute('aria-label')).toBe(`Latency over time: ${report.samples.length} arrivals, p95 ${report.latencyMs!.p95} ms`)
      expect(await page.locator('#view-load').innerText()).toContain('oid4vp-http@lab-b-verifier')
      expect(await accessibilityViolations(page)).toEqual([])
    } finally {
      await browser.close()
    }
  }, 60_000)
})

describe('the forgeries of a run', () => {
  it('are a fixed share of the arrivals, spread evenly', () => {
    const forged = (share: number, n: number) => Array.from({ length: n }, (_, i) => isForgery(i, share)).filter(Boolean).length
    expect([forged(0.25, 8), forged(0.2, 100), forged(0, 50), forged(0.5, 7)]).toEqual([2, 20, 0, 3])
    expect(Array.from({ length: 8 }, (_, i) => isForgery(i, 0.25))).toEqual([false, false, false, true, false, false, false, true])
  })
})
