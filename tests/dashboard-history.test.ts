import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest'
import { LOCAL_ADMIN_API_KEY } from '@interop-lab/common/config'
import { recordEvidence } from '@interop-lab/scenarios/evidence/bundle'
import { runMatrix } from '@interop-lab/scenarios/matrix'
import { summarize, writeReports } from '@interop-lab/scenarios/report'
import { loadScenarios } from '@interop-lab/scenarios/scenario'
import { accessibilityViolations, launchBrowser, signIn } from './support/browser'
import { startTestStack } from './support/stack'

const screenshotsDir = join(import.meta.dirname, '..', 'reports', 'screenshots')
/** Variants that give the grid a row limited to one format, rows limited to AnonCreds, and cells that can regress. */
const VARIANTS = ['untrusted-issuer', 'missing-claim', 'tampered-raw-value', 'under-age-representative']
/** Two formats the lab speaks over OID4VCI, and one nobody does (folded into the footnote). */
const COMBINATIONS = [
  { protocol: 'oid4vc', format: 'dc+sd-jwt' },
  { protocol: 'oid4vc', format: 'jwt_vc_json' },
  { protocol: 'oid4vc', format: 'ldp_vc' },
] as const

let stack: Awaited<ReturnType<typeof startTestStack>>
let reportsDir: string
let browser: Browser
let page: Page
const runIds: string[] = []

/** A real run of the business-banking pilot, its reports and its evidence bundle, as `npm run pilots` makes them. */
async function recordRun() {
  const started = new Date()
  const scenario = loadScenarios().find((s) => s.id === 'business-banking')!
  const scenarios = [{ ...scenario, variants: scenario.variants.filter((v) => VARIANTS.includes(v.id)) }]
  const { capabilities, results } = await runMatrix(stack.endpoints, scenarios, { combinations: [...COMBINATIONS] })
  const report = summarize(results, started, { endpoints: stack.endpoints, capabilities })
  writeReports(report, reportsDir)
  runIds.push((await recordEvidence({ report, reportsDir, dataDir: stack.dataDir, trustRegistryUrl: stack.trustRegistry.url })).runId)
  return report
}

beforeAll(async () => {
  reportsDir = mkdtempSync(join(tmpdir(), 'interop-lab-history-'))
  stack = await startTestStack({ reportsDir })
  await recordRun()
  // BC Registries is suspended in BC's trust registry: the bank must now refuse its registrations
  const suspended = await fetch(`${stack.registries!.get('CA-BC')!.url}/admin/entities/bc-registries`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${LOCAL_ADMIN_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ status: 'suspended' }),
  })
  expect(suspended.status).toBe(200)
  await recordRun()
  browser = await launchBrowser()
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
  mkdirSync(screenshotsDir, { recursive: true })
})

afterAll(async () => {
  await browser?.close()
  await stack?.close()
  if (reportsDir) rmSync(reportsDir, { recursive: true, force: true })
})

async function screenshot(context: TestContext, name: string) {
  const file = join(screenshotsDir, `${name}.png`)
  await page.screenshot({ path: file })
  await context.annotate(`screenshot: ${file}`)
}

/** Text as read aloud: the glyph, the spoken status and the time, whitespace folded. */
const squeeze = (text: string) => text.replace(/\s+/g, ' ').trim()
const visibleText = () => page.locator('body').innerText()

describe('HTML report', () => {
  beforeAll(async () => {
    await page.goto(pathToFileURL(join(reportsDir, 'latest.html')).href)
  })

  it('shows only combinations someone supports, folding the others into one footnote', async () => {
    const columns = await page.locator('table.matrix thead th[data-col]').evaluateAll((cells) => cells.map((c) => c.getAttribute('data-col')))
    expect(columns).toEqual(['oid4vc dc+sd-jwt', 'oid4vc jwt_vc_json'])
    expect(await page.locator('#folded + ul li').allInnerTexts()).toEqual(['oid4vc ldp_vc: issuer, wallet and verifier do not support ldp_vc over oid4vc'])
    // no cell of the folded combination is drawn
    expect(await page.locator('td[data-col="oid4vc ldp_vc"]').count()).toBe(0)
    // the grid fits one 1400×1000 screen, summary and filters included
    const grid = (await page.locator('table.matrix').boundingBox())!
    expect(grid.x + grid.width).toBeLessThanOrEqual(1400)
    expect(grid.y + grid.height).toBeLessThanOrEqual(1000)
  })

  it('says a long reason once, on the rows it concerns, never in each cell', async () => {
    const body = await visibleText()
    expect(body.split('the variant applies only to anoncreds')).toHaveLength(2)
    const note = await page.locator('li', { hasText: 'the variant applies only to anoncreds' }).getAttribute('id')
    for (const variant of ['tampered-raw-value', 'under-age-representative']) {
      expect(await page.locator(`tr[data-variant="${variant}"] th a`).getAttribute('href')).toBe(`#${note}`)
      expect(await page.locator(`tr[data-variant="${variant}"] td a`).count()).toBe(0)
      expect(
        await page
          .locator(`tr[data-variant="${variant}"] td.na`)
          .allInnerTexts()
          .then((cells) => cells.map(squeeze)),
      ).toEqual(['– not run', '– not run'])
    }
  })

  it('draws one glyph and a time per cell, the failure reason behind a keyboard-openable cell', async () => {
    // BC Registries was suspended before this run: the baseline now fails at the bank's trust-registry check
    const failed = page.locator('tr[data-variant="baseline"] td.fail[data-col="oid4vc dc+sd-jwt"]')
    expect(squeeze(await failed.locator('summary').innerText())).toMatch(/^✗ fail \d+\.\d s$/)
    expect(await failed.locator('.why').isVisible()).toBe(false)
    await failed.locator('summary').focus()
    await page.keyboard.press('Enter')
    expect(await failed.locator('.why').innerText()).toMatch(/trust/i)
    expect(await page.locator('tr[data-variant="untrusted-issuer"] td.pass[data-col="oid4vc jwt_vc_json"]').innerText().then(squeeze)).toMatch(/^✓ pass \d+\.\d s$/)
  })

  it('filters by variant and by format, and switches to French', async (context) => {
    await page.selectOption('#filter-variant', 'missing-claim')
    expect(await page.locator('tr[data-variant]:visible').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-variant')))).toEqual(['missing-claim'])
    await page.selectOption('#filter-variant', '')
    await page.selectOption('#filter-format', 'jwt_vc_json')
    expect(await page.locator('thead th[data-col]:visible').count()).toBe(1)
    expect(await page.locator('td[data-col="oid4vc dc+sd-jwt"]:visible').count()).toBe(0)
    expect(await page.locator('tr[data-variant]:visible').count()).toBe(5)
    await page.selectOption('#filter-format', '')
    await screenshot(context, 'report-html-en')

    await page.click('button[data-language="fr"]')
    expect(await page.locator('html').getAttribute('lang')).toBe('fr')
    expect(await page.locator('h1').innerText()).toBe("Interop Lab – matrice d'interopérabilité")
    expect(await page.locator('tbody[data-scenario] tr.group').innerText()).toBe('Services bancaires aux entreprises : ouvrir un compte sans papier')
    expect(await page.locator('tr[data-variant="baseline"] td.fail summary').first().innerText().then(squeeze)).toMatch(/^✗ échoué \d+,\d s$/)
    await screenshot(context, 'report-html-fr')
  })

  it('has no WCAG 2.1 AA violation (axe-core) in English or French', async () => {
    for (const language of ['en', 'fr']) {
      await page.click(`button[data-language="${language}"]`)
      expect(await accessibilityViolations(page), language).toEqual([])
    }
  })
})

describe('dashboard history API', () => {
  const get = async (path: string, cookie?: string) => {
    const response = await fetch(`${stack.dashboard.url}${path}`, { headers: cookie ? { cookie } : {} })
    return { status: response.status, body: (await response.json()) as { error?: string; message?: string; runs?: { runId: string }[] } }
  }

  it('answers only with the session, refuses malformed and unknown run ids, and a bundle that no longer verifies', async () => {
    expect((await get('/api/history')).status).toBe(401)
    const session = await signIn(stack.dashboard)
    expect((await get('/api/history', session)).body.runs?.map((r) => r.runId)).toEqual([...runIds].reverse())
    expect(await get('/api/history/..%2F..%2Fdata', session)).toMatchObject({ status: 400, body: { error: 'invalid_run_id' } })
    expect(await get('/api/history/2026-01-01T00-00-00-000Z-000000', session)).toMatchObject({ status: 404, body: { error: 'unknown_run' } })
    expect((await get(`/api/history/diff?from=${runIds[0]}`, session)).status).toBe(400)

    const copy = join(reportsDir, 'evidence', `${runIds[0]}-edited`)
    cpSync(join(reportsDir, 'evidence', runIds[0]), copy, { recursive: true })
    writeFileSync(join(copy, 'parties.json'), readFileSync(join(copy, 'parties.json'), 'utf8').replace('lab', 'lob'))
    const refused = await get(`/api/history/${runIds[0]}-edited`, session)
    rmSync(copy, { recursive: true, force: true })
    expect(refused).toMatchObject({ status: 409, body: { error: 'evidence_not_verified' } })
    expect(refused.body.message).toMatch(/parties\.json: SHA-256 .* \[hash_mismatch\]/)
  })
})

describe('dashboard run history', () => {
  beforeAll(async () => {
    await page.goto(stack.dashboard.loginUrl)
    await page.locator('body[data-ready]').waitFor()
    await page.click('button[data-language="en"]')
  })

  it('lists past runs from their evidence bundles, newest first, and says which no longer verify', async (context) => {
    // a copy of the first bundle with one changed byte in its report: listed, but as not verifying
    const tampered = join(reportsDir, 'evidence', `${runIds[0]}-copy`)
    cpSync(join(reportsDir, 'evidence', runIds[0]), tampered, { recursive: true })
    const report = join(tampered, 'reports', 'latest.json')
    writeFileSync(report, readFileSync(report, 'utf8').replace('"passed": true', '"passed": false'))

    await page.click('button[data-view="history"]')
    await page.locator('table.history-runs tbody tr').nth(2).waitFor()
    const rows = await page.locator('table.history-runs tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-run')))
    expect(rows.slice(0, 1)).toEqual([runIds[1]])
    expect(rows).toEqual(expect.arrayContaining([...runIds, `${runIds[0]}-copy`]))
    expect(await page.locator(`tr[data-run="${runIds[1]}"] td.evidence`).innerText()).toMatch(/Signature and hashes verified/)
    expect(await page.locator(`tr[data-run="${runIds[0]}-copy"] td.evidence`).innerText()).toMatch(/Does not verify: reports\/latest\.json: SHA-256/)
    await screenshot(context, 'dashboard-history-en')
    rmSync(tampered, { recursive: true, force: true })
  })

  it('shows what changed between the last two runs, a regressed cell first', async () => {
    const first = page.locator('.history-diff li.change').first()
    expect(await first.getAttribute('data-kind')).toBe('regressed')
    expect(await page.locator('.history-diff h4').first().textContent()).toMatch(/^Regressed \(\d+\)$/)
    const baseline = page.locator('.history-diff li.change[data-variant="baseline"][data-format="dc+sd-jwt"]')
    expect(await baseline.getAttribute('data-kind')).toBe('regressed')
    expect(await baseline.innerText()).toMatch(/business-banking \/ baseline · oid4vc dc\+sd-jwt · pass → fail/)
    expect(await baseline.locator('.change-reason').innerText()).toMatch(/trust/i)
    // the refusal the untrusted-issuer variant expects did not change, so it is not listed
    expect(await page.locator('.history-diff li.change[data-variant="untrusted-issuer"]').count()).toBe(0)
  })

  it('compares any two runs the other way round, and in French', async (context) => {
    await page.selectOption('#history-from', runIds[1])
    await page.selectOption('#history-to', runIds[0])
    await page.click('.history-compare button[type="submit"]')
    await page.locator('.history-diff li.change[data-kind="fixed"]').first().waitFor()
    expect(await page.locator('.history-diff li.change[data-kind="regressed"]').count()).toBe(0)
    await page.click('button[data-language="fr"]')
    await page.locator('html[lang="fr"]').waitFor()
    expect(await page.locator('.history-diff h4').first().textContent()).toMatch(/^Corrigé \(\d+\)$/)
    expect(await page.locator('.history-diff li.change[data-variant="baseline"][data-format="dc+sd-jwt"]').innerText()).toMatch(/échoué → réussi/)
    await screenshot(context, 'dashboard-history-fr')
  })

  it('moves between views with the arrow keys, the tab list being one tab stop (WAI-ARIA tabs pattern)', async () => {
    await page.click('button[data-view="run"]')
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('data-view'))
    await page.keyboard.press('End')
    expect(await focused()).toBe('load')
    expect(await page.locator('#view-load').isVisible()).toBe(true)
    await page.keyboard.press('ArrowLeft')
    expect(await focused()).toBe('history')
    expect(await page.locator('#view-history').isVisible()).toBe(true)
    await page.keyboard.press('ArrowLeft')
    expect(await focused()).toBe('report')
    expect(await page.locator('#view-report').isVisible()).toBe(true)
    expect(await page.locator('#view-history').isVisible()).toBe(false)
    expect(await page.locator('[role="tab"][tabindex="0"]').evaluateAll((tabs) => tabs.map((t) => t.getAttribute('data-view')))).toEqual(['report'])
    expect(await page.locator('#view-report').getAttribute('aria-labelledby')).toBe('tab-report')
  })

  it("shows the latest report as the HTML report's compact grid: combinations someone supports, each reason said once, EN and FR", async () => {
    await page.click('button[data-language="en"]')
    await page.locator('html[lang="en"]').waitFor()
    await page.click('button[data-view="report"]')
    const view = page.locator('#view-report')
    await view.locator('table.matrix').waitFor()
    const columns = await view.locator('thead th[data-format]').evaluateAll((cells) => cells.map((c) => `${c.getAttribute('data-protocol')} ${c.getAttribute('data-format')}`))
    expect(columns).toEqual(['oid4vc dc+sd-jwt', 'oid4vc jwt_vc_json'])
    expect(await view.locator('td[data-format="ldp_vc"]').count()).toBe(0)
    expect(await view.locator('.report-folded').innerText()).toBe('Not shown, no implementation here supports them: OpenID4VC ldp_vc.')
    // the AnonCreds-only variants' reason: once, as a note on their rows, not in their cells
    expect((await view.innerText()).split('the variant applies only to anoncreds')).toHaveLength(2)
    const note = await view.locator('li', { hasText: 'the variant applies only to anoncreds' }).getAttribute('id')
    for (const variant of ['tampered-raw-value', 'under-age-representative']) {
      expect(await view.locator(`tr[data-variant="${variant}"] th a`).getAttribute('href')).toBe(`#${note}`)
      expect(await view.locator(`tr[data-variant="${variant}"] td a`).count()).toBe(0)
    }
    // BC Registries was suspended before the latest run: its baseline fails, the reason behind the cell
    const failed = view.locator('tr[data-variant="baseline"] td.fail[data-format="dc+sd-jwt"]')
    expect(squeeze(await failed.locator('summary').innerText())).toMatch(/^✗ \d+(\.\d)? s Refused \(Trust registry\)$/)
    await failed.locator('summary').focus()
    await page.keyboard.press('Enter')
    expect(await failed.locator('.result-reason').innerText()).toMatch(/trust/i)
    await page.click('button[data-language="fr"]')
    await page.locator('html[lang="fr"]').waitFor()
    expect(await view.locator('.report-folded').innerText()).toBe('Non affichées, aucune implémentation ici ne les prend en charge : OpenID4VC ldp_vc.')
    expect(squeeze(await view.locator('tr[data-variant="untrusted-issuer"] td.pass[data-format="jwt_vc_json"]').innerText())).toMatch(/^✓ \d+(,\d)? s Refusée/)
    await page.click('button[data-language="en"]')
  })

  it('has no WCAG 2.1 AA violation (axe-core) on any view, in English or French', async () => {
    // the run view with a finished run in it: steps, the bank's refusal (BC Registries is suspended), QR codes
    await page.click('button[data-view="run"]')
    await page.selectOption('#scenario-select', 'business-banking')
    await page.click('label[data-variant="baseline"]')
    await page.click('#run-button')
    await page.locator('.verdict[data-verdict="fail"]').waitFor({ timeout: 30_000 })
    const violations: Record<string, string[]> = {}
    for (const language of ['en', 'fr']) {
      await page.click(`button[data-language="${language}"]`)
      await page.locator(`html[lang="${language}"]`).waitFor()
      for (const view of ['run', 'wallet', 'registry', 'report', 'history']) {
        await page.click(`button[data-view="${view}"]`)
        await page.locator(`#view-${view} .panel, #view-${view} section, #view-${view} form`).first().waitFor()
        await page
          .locator(`#view-${view}`)
          .getByText(/Loading|Chargement/)
          .waitFor({ state: 'detached' })
          .catch(() => undefined)
        const found = await accessibilityViolations(page)
        if (found.length) violations[`${view} in ${language}`] = found
      }
    }
    expect(violations).toEqual({})
  })
})
