import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest'
import { type Dashboard, startDashboard } from '@interop-lab/scenarios/dashboard/server'
import { summarize, writeReports } from '@interop-lab/scenarios/report'
import type { VariantResult } from '@interop-lab/scenarios/runner'
import { launchBrowser, signIn } from './support/browser'
import { startTestStack } from './support/stack'

const screenshotsDir = join(import.meta.dirname, '..', 'reports', 'screenshots')

let stack: Awaited<ReturnType<typeof startTestStack>>
let dashboard: Dashboard
let reportsDir: string
let browser: Browser
let page: Page
/** The session cookie the dashboard set in exchange for its printed token. */
let session: string
/** Real results of runs made through the API, for the report view. */
const finishedRuns: VariantResult[] = []

beforeAll(async () => {
  stack = await startTestStack()
  reportsDir = mkdtempSync(join(tmpdir(), 'interop-lab-reports-'))
  dashboard = await startDashboard({ endpoints: stack.endpoints, trustRegistryUrl: stack.trustRegistry.url, reportsDir })
  session = await signIn(dashboard)
  browser = await launchBrowser()
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
  mkdirSync(screenshotsDir, { recursive: true })
})

afterAll(async () => {
  await browser?.close()
  await dashboard?.close()
  await stack?.close()
  if (reportsDir) rmSync(reportsDir, { recursive: true, force: true })
})

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${dashboard.url}${path}`, {
    method,
    // as the dashboard's own page sends it: its origin, its session, JSON
    headers: { cookie: session, origin: dashboard.url, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await response.text()
  return { status: response.status, body: response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text }
}

/** Reads a run's whole event stream (the server ends it after `done`): event names and payloads, in order. */
async function readEvents(runId: string): Promise<{ event: string; data: any }[]> {
  const response = await fetch(`${dashboard.url}/api/runs/${runId}/events`, { headers: { cookie: session } })
  expect(response.headers.get('content-type')).toContain('text/event-stream')
  const text = await response.text()
  return text
    .split('\n\n')
    .filter((block) => block.trim())
    .map((block) => {
      const lines = block.split('\n')
      return { event: lines[0].replace('event: ', ''), data: JSON.parse(lines[1].replace('data: ', '')) }
    })
}

async function runThroughApi(variantId: string, format: string): Promise<VariantResult> {
  const started = await call('POST', '/api/runs', { scenarioId: 'business-banking', variantId, format })
  expect(started.status).toBe(202)
  const events = await readEvents(started.body.runId)
  const result = events.at(-1)!.data as VariantResult
  finishedRuns.push(result)
  return result
}

async function screenshot(context: TestContext, name: string) {
  const file = join(screenshotsDir, `${name}.png`)
  await page.screenshot({ path: file, fullPage: true })
  console.log(`screenshot: ${file}`)
  await context.annotate(`screenshot: ${file}`)
}

const text = (selector: string) => page.locator(selector).first().innerText()

describe('dashboard API', () => {
  it('lists each scenario with EN/FR names, its parties and the steps every variant runs', async () => {
    const { status, body } = await call('GET', '/api/scenarios')
    expect(status).toBe(200)
    const banking = body.scenarios.find((s: { id: string }) => s.id === 'business-banking')
    expect(banking.name.fr).toMatch(/Services bancaires/)
    expect(banking.parties['bc-registries']).toEqual({ role: 'issuer', name: { en: 'BC Registries', fr: 'Registres de la C.-B.' } })
    expect(banking.variants[0].id).toBe('baseline')
    const untrusted = banking.variants.find((v: { id: string }) => v.id === 'untrusted-issuer')
    expect(untrusted.steps[0].issuer).toBe('unregistered-registry')
    expect(banking.variants.find((v: { id: string }) => v.id === 'missing-claim').formats).toEqual(['dc+sd-jwt'])
    expect(body.policies.map((p: { id: string }) => p.id)).toContain('open-business-account')
    expect(body.credentialTypes.find((c: { id: string }) => c.id === 'BusinessRegistrationCredential').display.fr).toBe("Enregistrement d'entreprise")
  })

  it.each([
    [{ scenarioId: 'business-banking', format: 'mdoc' }, 400, /format/],
    [{ format: 'dc+sd-jwt' }, 400, /scenarioId/],
    [{ scenarioId: 'business-banking', format: 'dc+sd-jwt', extra: 1 }, 400, /extra/],
    [{ scenarioId: 'no-such-pilot', format: 'dc+sd-jwt' }, 404, /known scenarios: .*business-banking/],
    [{ scenarioId: 'business-banking', variantId: 'no-such-variant', format: 'dc+sd-jwt' }, 404, /known variants: baseline, untrusted-issuer/],
    [{ scenarioId: 'business-banking', variantId: 'missing-claim', format: 'jwt_vc_json' }, 422, /applies to dc\+sd-jwt only/],
    ['{"scenarioId": ', 400, /JSON|Unexpected|expected/i],
  ])('refuses the run request %j with %i', async (request, expectedStatus, message) => {
    const { status, body } = await call('POST', '/api/runs', request)
    expect(status).toBe(expectedStatus)
    expect(body.message).toMatch(message)
  })

  it('answers 404 for a run it does not know, on both its record and its event stream', async () => {
    expect((await call('GET', '/api/runs/not-a-run')).status).toBe(404)
    const stream = await call('GET', '/api/runs/not-a-run/events')
    expect(stream.status).toBe(404)
    expect(stream.body.error).toBe('unknown_run')
  })

  it('runs a variant in the background, refuses a second one meanwhile, and streams every step then the result', async () => {
    const started = await call('POST', '/api/runs', { scenarioId: 'business-banking', format: 'jwt_vc_json' })
    expect(started.status).toBe(202)
    const busy = await call('POST', '/api/runs', { scenarioId: 'business-banking', format: 'dc+sd-jwt' })
    expect(busy.status).toBe(409)
    expect(busy.body.details.runId).toBe(started.body.runId)

    const events = await readEvents(started.body.runId)
    expect(events.map((e) => `${e.event}:${e.data.step?.id ?? e.data.result?.stepId ?? e.data.variantId}`)).toEqual([
      'step-started:issue-business-registration',
      'step-finished:issue-business-registration',
      'step-started:issue-verified-person',
      'step-finished:issue-verified-person',
      'step-started:open-business-account',
      'step-finished:open-business-account',
      'done:baseline',
    ])
    const result = events.at(-1)!.data as VariantResult
    expect(result.passed).toBe(true)
    finishedRuns.push(result)

    const record = await call('GET', `/api/runs/${started.body.runId}`)
    expect(record.body.status).toBe('finished')
    expect(record.body.steps[0].links.offerUri).toMatch(/^openid-credential-offer:\/\//)
    expect(record.body.steps[2].links.requestUri).toMatch(/^openid4vp:\/\//)
    expect(record.body.steps[2].decision.outcome).toBe('accepted')
    // a watcher arriving after the end gets the whole story too
    expect((await readEvents(started.body.runId)).map((e) => e.event)).toEqual(events.map((e) => e.event))
  })

  it('draws QR codes as SVG and refuses missing or oversized data', async () => {
    const qr = await call('GET', `/api/qr?data=${encodeURIComponent('openid4vp://?request_uri=https%3A%2F%2Fexample.ca')}`)
    expect(qr.status).toBe(200)
    expect(qr.body).toMatch(/^<svg[^>]+viewBox/)
    expect((await call('GET', '/api/qr')).status).toBe(400)
    expect((await call('GET', `/api/qr?data=${'x'.repeat(5000)}`)).status).toBe(400)
  })

  it("relays the trust registry's public listing", async () => {
    const { status, body } = await call('GET', '/api/trust-registry')
    expect(status).toBe(200)
    const bc = body.entities.find((e: { key: string }) => e.key === 'bc-registries')
    expect(bc.name.en).toBe('BC Registries')
    expect(bc.entityId).toMatch(/^did:/)
    expect(body.entities.some((e: { key: string }) => e.key === 'unregistered-registry')).toBe(false)
  })

  it('creates a real offer and a real request that a wallet can answer, and relays refusals', async () => {
    expect((await call('POST', '/api/offers', { issuer: 'BC Registries', credentialType: 'BusinessRegistrationCredential', format: 'dc+sd-jwt', claims: {} })).status).toBe(400)
    const unknown = await call('POST', '/api/offers', { issuer: 'nowhere', credentialType: 'BusinessRegistrationCredential', format: 'dc+sd-jwt', claims: {} })
    expect(unknown.status).toBe(404)
    expect(unknown.body.message).toMatch(/known issuers/)
    const badClaims = await call('POST', '/api/offers', { issuer: 'bc-person-credential', credentialType: 'VerifiedPersonCredential', format: 'dc+sd-jwt', claims: { given_name: 'Alex' } })
    expect(badClaims.status).toBe(400)
    expect(badClaims.body.message).toMatch(/family_name/)

    // the simulated wallet stands in for a phone: it takes the same offers and answers the same request
    await fetch(`${stack.endpoints.wallet}/personas/business-owner/credentials`, { method: 'DELETE' })
    const scenario = (await call('GET', '/api/scenarios')).body.scenarios.find((s: { id: string }) => s.id === 'business-banking')
    for (const step of scenario.variants[0].steps.filter((s: { action: string }) => s.action === 'issue')) {
      const offer = await call('POST', '/api/offers', { issuer: step.issuer, credentialType: step.credentialType, format: 'dc+sd-jwt', claims: step.claims })
      expect(offer.status).toBe(201)
      expect(offer.body.offerUri).toMatch(/^openid-credential-offer:\/\//)
      expect(offer.body.txCode).toMatch(/^\d{6}$/)
      const accepted = await fetch(`${stack.endpoints.wallet}/personas/business-owner/offers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ offerUri: offer.body.offerUri, txCode: offer.body.txCode }),
      })
      expect(accepted.status).toBe(201)
    }

    expect((await call('POST', '/api/verifications', { policyId: 'no-such-policy', format: 'dc+sd-jwt' })).status).toBe(404)
    expect((await call('POST', '/api/verifications', { policyId: 'open-business-account', format: 'paper' })).status).toBe(400)
    const request = await call('POST', '/api/verifications', { policyId: 'open-business-account', format: 'dc+sd-jwt' })
    expect(request.status).toBe(201)
    expect(request.body.requestUri).toMatch(/^openid4vp:\/\//)
    const waiting = await call('GET', `/api/verifications/${request.body.id}`)
    expect(waiting.body).toMatchObject({ state: 'RequestCreated' })
    expect(waiting.body.decision).toBeUndefined()

    const answered = await fetch(`${stack.endpoints.wallet}/personas/business-owner/presentations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ requestUri: request.body.requestUri }),
    })
    expect(answered.ok).toBe(true)
    const decided = await call('GET', `/api/verifications/${request.body.id}`)
    expect(decided.body.decision.outcome).toBe('accepted')

    expect((await call('GET', '/api/verifications/not%20an%20id')).status).toBe(400)
    expect((await call('GET', `/api/verifications/${crypto.randomUUID()}`)).status).toBe(404)
  })
})

describe('dashboard in the browser', () => {
  it('asks for the printed link when opened without its token or with an old one', async () => {
    for (const address of [dashboard.url, `${dashboard.url}/#token=${'A'.repeat(43)}`]) {
      const stranger = await browser.newPage() // a context of its own: no session cookie
      try {
        await stranger.goto(address)
        await stranger.locator('#load-error').waitFor()
        expect(await stranger.locator('#load-error').innerText()).toMatch(/open the address the console printed.*#token=/)
        expect(await stranger.locator('body[data-ready]').count()).toBe(0)
      } finally {
        await stranger.close()
      }
    }
  })

  it("runs the business-banking baseline from the page and shows the bank's decision with every check", async (context) => {
    await page.goto(dashboard.loginUrl)
    await page.locator('body[data-ready]').waitFor()
    // the token left the address bar once traded for the session cookie
    expect(page.url()).not.toContain('token')
    await page.selectOption('#scenario-select', 'business-banking')
    await page.click('label[data-variant="baseline"]')
    await page.click('#run-button')
    await page.locator('.verdict[data-verdict="pass"]').waitFor({ timeout: 30_000 })

    const presentation = 'li.step[data-step-id="open-business-account"]'
    expect(await text(`${presentation} .decision-outcome .decision-text`)).toBe('Northern Bank accepts')
    expect(await text(`${presentation} .decision-outcome .mark.pass`)).toBe('✓')
    const checks = page.locator(`${presentation} .trace-step`)
    expect(await checks.count()).toBeGreaterThanOrEqual(8)
    expect(await page.locator(`${presentation} .trace-step.fail`).count()).toBe(0)
    expect(await text(`${presentation} .trace-step[data-check="trust-registry"] .check-sentence`)).toMatch(/trust registry confirms the issuer of Business registration/)
    expect(await text(`${presentation} .disclosed`)).toContain('Tremblay Maple Syrup Ltd.')

    const offer = 'li.step[data-step-id="issue-business-registration"] .wallet-link.offer'
    await page.locator(`${offer} .qr svg path`).first().waitFor()
    expect(await page.locator(`${offer} a.deep-link`).getAttribute('href')).toMatch(/^openid-credential-offer:\/\//)
    expect(await text(`${offer} .tx-code`)).toMatch(/\d{6}/)
    await page.locator(`${presentation} .wallet-link.request .qr svg`).waitFor()
    expect(await page.locator(`${presentation} .wallet-link.request a.deep-link`).getAttribute('href')).toMatch(/^openid4vp:\/\//)
    await screenshot(context, 'dashboard-baseline-en')
  })

  it('switches every visible text to French', async (context) => {
    await page.click('button[data-language="fr"]')
    await page.locator('html[lang="fr"]').waitFor()
    const presentation = 'li.step[data-step-id="open-business-account"]'
    expect(await text(`${presentation} .decision-outcome .decision-text`)).toBe('Banque du Nord accepte')
    expect(await text('button[data-view="registry"]')).toBe('Registre de confiance')
    expect(await text('#run-button')).toBe('Lancer le projet pilote')
    expect(await text(`${presentation} .trace-step[data-check="signature"] .check-label`)).toMatch(/signature/i)
    expect(await text(`${presentation} .trace-step[data-check="trust-registry"] .check-sentence`)).toMatch(/Le registre de confiance confirme/)
    expect(await text('#view-run')).toContain('Registres de la C.-B.')
    // a message key showing through means a missing translation
    expect(await page.locator('body').innerText()).not.toMatch(/\b(app|nav|run|step|status|check|trace|decision|link|wallet|registry|report|variant|role|format)\.[a-z-]+/)
    await screenshot(context, 'dashboard-baseline-fr')
  })

  it('shows why the bank refuses a registration from a registry the trust registry does not authorize', async (context) => {
    await page.click('label[data-variant="untrusted-issuer"]')
    await page.click('#run-button')
    await page.locator('.verdict[data-verdict="pass"]').waitFor({ timeout: 30_000 })
    const presentation = 'li.step[data-step-id="open-business-account"]'
    expect(await text(`${presentation} .decision-outcome .decision-text`)).toBe('Banque du Nord refuse')
    expect(await text(`${presentation} .decision-outcome .mark.fail`)).toBe('✗')
    const reason = await text(`${presentation} .decision-reason`)
    expect(reason).toMatch(/Registre de confiance — Le registre de confiance n'autorise pas l'émetteur de « Enregistrement d'entreprise »/)
    expect(reason).toMatch(/not authorized|not registered/)
    expect(await page.locator(`${presentation} .trace-step.fail`).count()).toBe(1)
    expect(await page.locator(`${presentation} .trace-step.fail`).getAttribute('data-check')).toBe('trust-registry')
    expect(await text(`${presentation} .trace-step.fail .check-label`)).toMatch(/registre de confiance/i)
    await page.locator(`${presentation} .trace-step.fail details summary`).click()
    // the chain of signed answers: the bank's registry was asked whether the issuer is authorized, and said no
    expect(await text(`${presentation} .trace-step.fail details`)).toMatch(/L'émetteur est-il autorisé\?[\s\S]*Sa réponse\s+non/)
    await screenshot(context, 'dashboard-untrusted-issuer-fr')
  })

  it('tells the death-notification story: certification, registration, notices, proofs, correction and revocation', async (context) => {
    await page.selectOption('#scenario-select', 'death-notification')
    await page.click('label[data-variant="baseline"]')
    await page.click('#run-button')
    await page.locator('.verdict[data-verdict="pass"]').waitFor({ timeout: 30_000 })
    expect(await text('li.step[data-step-id="certify-death"] h3')).toBe('Médecin légiste en chef (T.-N.-L.) certifie le décès auprès de État civil de T.-N.-L.')
    expect(await text('li.step[data-step-id="programs-notified"]')).toMatch(/Chaque programme a reçu l'avis « décès enregistré »/)
    expect(await page.locator('li.step[data-step-id="register-death"] .wallet-link.offer .qr svg').count()).toBe(1)
    expect(await text('li.step[data-step-id="prove-death-to-revenue-agency"] .decision-text')).toBe('Agence du revenu du Canada accepte')
    const refusal = 'li.step[data-step-id="bank-rejects-revoked-proof"]'
    expect(await text(`${refusal} .decision-text`)).toBe('Banque du Nord refuse')
    expect(await page.locator(`${refusal} .trace-step.fail`).getAttribute('data-check')).toBe('status')
    expect(await text(`${refusal} .step-head .status`)).toBe('✓\nComme prévu')
    await screenshot(context, 'dashboard-death-notification-fr')
  })

  it("lists the trust registry's entities with jurisdiction, authorizations and status", async (context) => {
    await page.click('button[data-language="en"]')
    await page.locator('html[lang="en"]').waitFor()
    await page.click('button[data-view="registry"]')
    const row = page.locator('tr[data-entity="bc-registries"]')
    await row.waitFor()
    const cells = await row.locator('td').allInnerTexts()
    expect(cells[0]).toMatch(/^BC Registries\ndid:/)
    expect(cells.slice(1)).toEqual(['CA-BC', 'Issue · Business registration', 'No time limit', 'Active'])
    expect(await page.locator('tr[data-entity="unregistered-registry"]').count()).toBe(0)
    await screenshot(context, 'dashboard-trust-registry')
  })

  it('shows the latest report as a compact scenario variant × protocol/format grid: a glyph and a time per cell', async (context) => {
    await page.click('button[data-view="report"]')
    await page.getByText('No report yet').waitFor()

    await runThroughApi('untrusted-issuer', 'jwt_vc_json')
    writeReports(summarize(finishedRuns, new Date()), reportsDir)
    await page.click('#view-report button.secondary')
    const baseline = page.locator('td[data-variant="baseline"][data-format="jwt_vc_json"]')
    await baseline.waitFor()
    expect(await baseline.getAttribute('class')).toContain('pass')
    expect(await baseline.innerText()).toMatch(/^✓\s+\d+(\.\d)? s/)
    // the verifier's decision on hover and for screen readers, not spelled out in every cell
    expect(await baseline.getAttribute('title')).toBe('Accepted')
    expect(await baseline.locator('.mark').getAttribute('aria-label')).toBe('passed')
    const refused = page.locator('td[data-variant="untrusted-issuer"][data-format="jwt_vc_json"]')
    expect(await refused.getAttribute('title')).toBe('Refused (Trust registry)')
    expect(await refused.locator('.sr-only').innerText()).toMatch(/Refused \(Trust registry\)/)
    // only the combinations that ran are columns: both runs were OID4VC with jwt_vc_json
    expect(await page.locator('#view-report thead th[data-format]').evaluateAll((cells) => cells.map((c) => `${c.getAttribute('data-protocol')} ${c.getAttribute('data-format')}`))).toEqual([
      'oid4vc jwt_vc_json',
    ])
    expect(await page.locator('#view-report td.na').count()).toBe(0)
    expect(await text('.report-summary')).toMatch(/2 passed, 0 failed/)
    await screenshot(context, 'dashboard-report')
  })

  it('makes a fresh offer for a phone wallet, with its QR code and transaction code', async (context) => {
    await page.click('button[data-view="wallet"]')
    // only OID4VCI formats, whose offers always carry a transaction code; no way to switch the code off
    expect(await page.locator('#offer-format option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value))).toEqual(['dc+sd-jwt', 'jwt_vc_json', 'mso_mdoc'])
    expect(await page.locator('#view-wallet label.checkbox').count()).toBe(0)
    await page.selectOption('#offer-issuer', 'bc-registries')
    await page.click('#view-wallet button.primary >> nth=0')
    const offer = page.locator('#view-wallet .wallet-link.offer')
    await offer.locator('.qr svg').waitFor()
    expect(await offer.locator('a.deep-link').getAttribute('href')).toMatch(/^openid-credential-offer:\/\//)
    expect(await offer.locator('.tx-code').innerText()).toMatch(/\d{6}/)
    await screenshot(context, 'dashboard-real-wallet')

    await page.fill('#claim-business_number', '')
    await page.click('#view-wallet button.primary >> nth=0')
    expect(await page.locator('#view-wallet [role="alert"]').first().innerText()).toMatch(/business_number/)
    expect(await page.locator('#view-wallet .wallet-link.offer').count()).toBe(0)
  })
})
