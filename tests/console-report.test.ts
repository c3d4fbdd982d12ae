import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL_ADMIN_API_KEY } from '@interop-lab/common/config'
import { labParties, labWallet } from '@interop-lab/scenarios/drivers/lab'
import { runMatrix } from '@interop-lab/scenarios/matrix'
import { consoleProgress } from '@interop-lab/scenarios/progress'
import { formatText, type RunReport, summarize } from '@interop-lab/scenarios/report'
import { formatHtml } from '@interop-lab/scenarios/reportHtml'
import { loadScenarios } from '@interop-lab/scenarios/scenario'
import { runScript } from './support/serviceProcess'
import { startTestStack } from './support/stack'
import { freePortBase } from './support/portBase'

/**
 * What `npm start` / `npm run pilots` print: a progress line while the cells run (a bar on a terminal), the step
 * lines only with --verbose, then the matrix as a grid whose not-run reasons are said once and whose impossible
 * combinations are folded into one footnote line.
 */

const env = { ...process.env, INTEROP_DATABASE_URL: '', INTEROP_ADMIN_API_KEY: LOCAL_ADMIN_API_KEY }
/** A port base for scenarios/main.ts (it binds base … base+400), away from the ports tests usually get. */
const STEP_LINE = /^ {2}[✓✗] business-banking\/\S+ \[oid4vc [^\]]+\] [a-z-]+: /m

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'interop-console-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const pilots = async (name: string, extra: string[]) =>
  runScript(
    'scenarios/main.ts',
    [
      '--once',
      '--scenario',
      'business-banking',
      '--protocol',
      'oid4vc',
      '--data-dir',
      join(dir, `data-${name}`),
      '--reports-dir',
      join(dir, `reports-${name}`),
      '--port-base',
      String(await freePortBase()),
      ...extra,
    ],
    env,
  )

describe('npm run pilots on the console (not a terminal: a CI log)', () => {
  let run: { code: number | null; output: string }
  let report: RunReport

  beforeAll(async () => {
    run = await pilots('quiet', [])
    report = JSON.parse(readFileSync(join(dir, 'reports-quiet', 'latest.json'), 'utf8')) as RunReport
  }, 240_000)

  it('prints plain progress lines (cells done / total) and no step lines, then the table', () => {
    expect(run.code, run.output).toBe(0)
    const cells = report.results.filter((r) => r.status !== 'unsupported').length
    expect(cells).toBeGreaterThan(5)
    expect(run.output).toContain(`  … 0/${cells} cells\n`)
    expect(run.output).toMatch(new RegExp(`^  ${cells}/${cells} cells in \\d+\\.\\d s$`, 'm'))
    expect(run.output).not.toMatch(STEP_LINE)
    // no terminal control sequences in a log
    expect(run.output).not.toContain('\x1b[')
    expect(run.output.indexOf(`${cells}/${cells} cells`)).toBeLessThan(run.output.indexOf(`${report.passed} passed, 0 failed`))
  })

  it('draws the matrix as a grid: a glyph and a time per cell, the supported combinations as columns', () => {
    const lines = run.output.split('\n')
    const header = lines.findIndex((line) => /^\s+oid4vc\s+oid4vc\s+oid4vc$/.test(line))
    expect(header, run.output).toBeGreaterThan(-1)
    expect(lines[header + 1]).toMatch(/^\s+dc\+sd-jwt\s+jwt_vc_json\s+mso_mdoc$/)
    expect(lines[header + 2]).toBe('business-banking')
    expect(lines[header + 3]).toMatch(/^ {2}baseline\s+✓ \d+\.\d s\s+✓ \d+\.\d s\s+✓ \d+\.\d s$/)
  })

  it('folds the combinations no party supports into one footnote line, and says a long reason once for its rows', () => {
    const text = formatText(report)
    expect(run.output).toContain(text)
    // oid4vc ldp_vc and oid4vc anoncreds: nobody here speaks them, one line for both
    const folded = text.split('\n').filter((line) => line.includes('oid4vc ldp_vc') || line.includes('oid4vc anoncreds'))
    expect(folded).toEqual(['  – not shown, no cell could run: oid4vc ldp_vc, oid4vc anoncreds (issuer, wallet and verifier do not support them)'])
    // the AnonCreds-only variants: their reason once, as a numbered note on both rows, the cells a bare dash
    expect(text.split('the variant applies only to anoncreds')).toHaveLength(2)
    const note = text.match(/^ {2}\[(\d+)\] the variant applies only to anoncreds$/m)![1]
    for (const variant of ['tampered-raw-value', 'under-age-representative']) expect(text).toMatch(new RegExp(`^ {2}${variant} \\[${note}\\]\\s+–\\s+–\\s+–$`, 'm'))
  })
})

describe('npm run pilots -- --verbose', () => {
  it('prints every step as it ends, beside the progress lines', async () => {
    const run = await pilots('verbose', ['--format', 'dc+sd-jwt', '--verbose'])
    expect(run.code, run.output).toBe(0)
    expect(run.output).toMatch(STEP_LINE)
    expect(run.output).toMatch(/^ {2}✓ business-banking\/baseline \[oid4vc dc\+sd-jwt\] open-business-account: northern-bank accepted/m)
    expect(run.output).toMatch(/^ {2}\d+\/\d+ cells in \d+\.\d s$/m)
  }, 240_000)
})

describe('the progress display', () => {
  const [banking] = loadScenarios().filter((s) => s.id === 'business-banking')
  const cell = (variantId: string) => ({ scenarioId: banking.id, variantId, protocol: 'didcomm', format: 'anoncreds' })
  const capture = (isTTY: boolean, columns = 120) => {
    const written: string[] = []
    return { written, output: { isTTY, columns, write: (text: string) => written.push(text) } }
  }

  it('on a terminal, redraws one bar in place: cells done / total and the cell running, steps printed above it', () => {
    const { written, output } = capture(true)
    const progress = consoleProgress(output)
    progress.planned(4)
    progress.started(cell('baseline'))
    progress.finished(cell('baseline'))
    progress.started(cell(banking.variants[0].id))
    progress.log('  ✓ a step')
    progress.end()
    const screen = written.join('')
    expect(screen).toContain(`[${'░'.repeat(24)}] 0/4 cells  business-banking · baseline · didcomm · anoncreds`)
    expect(screen).toContain(`\r\x1b[2K[${'█'.repeat(6)}${'░'.repeat(18)}] 1/4 cells  business-banking · ${banking.variants[0].id} · didcomm · anoncreds`)
    // the step line replaces the bar, which is drawn again below it
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's ESC (erase line) is what is asserted
    expect(screen).toMatch(/\r\x1b\[2K {2}✓ a step\n\[█+░+\] 1\/4 cells/)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's ESC (erase line) is what is asserted
    for (const drawn of screen.split(/\r\x1b\[2K|\n/)) expect(drawn.length).toBeLessThan(120)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's ESC (erase line) is what is asserted
    expect(screen).toMatch(/\r\x1b\[2K {2}1\/4 cells in \d+\.\d s\n$/)
  })

  it('cuts the bar to the width of a narrow terminal', () => {
    const { written, output } = capture(true, 50)
    const progress = consoleProgress(output)
    progress.planned(1)
    progress.started(cell('baseline'))
    const bars = written.join('').split('\r\x1b[2K').filter(Boolean)
    expect(bars.at(-1)).toMatch(/^\[░+\] 0\/1 cells {2}business-b…$/)
    for (const bar of bars) expect(bar.length).toBeLessThan(50)
    progress.end()
  })

  it('elsewhere, prints a plain line periodically while a long cell runs', async () => {
    const { written, output } = capture(false)
    const progress = consoleProgress(output, { everyMs: 20 })
    progress.planned(2)
    progress.started(cell('baseline'))
    await new Promise((resolve) => setTimeout(resolve, 110))
    progress.finished(cell('baseline'))
    progress.end()
    const running = written.filter((line) => line === '  … 0/2 cells, running business-banking · baseline · didcomm · anoncreds\n')
    expect(running.length).toBeGreaterThanOrEqual(2)
    expect(written.at(-1)).toMatch(/^ {2}1\/2 cells in \d+\.\d s\n$/)
    // the timer stops with the run
    const count = written.length
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(written).toHaveLength(count)
  })
})

describe('a run crossing several implementations of a role', () => {
  it('gives each crossing its own row in the text and HTML grids, naming who played it', async () => {
    const stack = await startTestStack()
    try {
      const lab = labParties(stack.endpoints)
      // the same wallet service twice, once as the lab's own and once as another deployment (lab@<url>): two wallets to cross
      const elsewhere = labWallet(stack.endpoints.wallet, false)
      const banking = loadScenarios().find((s) => s.id === 'business-banking')!
      const scenarios = [{ ...banking, variants: banking.variants.filter((v) => v.id === 'untrusted-issuer') }]
      const { results } = await runMatrix({ issuer: [lab.issuer], wallet: [lab.wallet, elsewhere], verifier: [lab.verifier] }, scenarios, {
        combinations: [{ protocol: 'oid4vc', format: 'dc+sd-jwt' }],
      })
      const report = summarize(results, new Date())
      expect(report.passed).toBe(4)
      const text = formatText(report)
      for (const variant of ['baseline', 'untrusted-issuer']) {
        expect(text).toMatch(new RegExp(`^ {2}${variant} · lab · lab · lab\\s+✓ \\d+\\.\\d s$`, 'm'))
        expect(text).toMatch(new RegExp(`^ {2}${variant} · lab · ${elsewhere.implementation.replace(/[.:/]/g, '\\$&')} · lab\\s+✓ \\d+\\.\\d s$`, 'm'))
      }
      const html = formatHtml(report)
      expect(html.match(/<tr data-variant="baseline">/g)).toHaveLength(2)
      expect(html).toContain(`<small class="muted">lab · ${elsewhere.implementation} · lab</small>`)
    } finally {
      await stack.close()
    }
  }, 120_000)
})
