import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL_ADMIN_API_KEY } from '@interop-lab/common/config'
import { HandoffBoard } from '@interop-lab/scenarios/handoffs'
import { runMatrix } from '@interop-lab/scenarios/matrix'
import { loadScenarios } from '@interop-lab/scenarios/scenario'
import { loadTargetsFile, startTargets, type Targets } from '@interop-lab/scenarios/targets'
import { launchBrowser } from './support/browser'
import { startTestStack } from './support/stack'

/**
 * An external issuer and verifier whose offers and requests a person pastes in the dashboard (`"offer": "manual"`,
 * `"request": "manual"`): the run waits, the page shows what is needed, the person makes it at the party (here lab B, a
 * second lab, through its own admin API, as a clerk would at its counter) and pastes it; the lab wallet redeems the
 * offers over OID4VCI and answers the request over OID4VP.
 */

const banking = loadScenarios().find((s) => s.id === 'business-banking')!
const SD_JWT = [{ protocol: 'oid4vc' as const, format: 'dc+sd-jwt' as const }]

let labB: Awaited<ReturnType<typeof startTestStack>>
let run: Targets
let browser: Browser
let page: Page
let dir: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'interop-handoff-'))
  labB = await startTestStack()
  const targets = {
    parties: [
      { name: 'lab-b-counter', role: 'issuer', driver: 'oid4vci-http', url: labB.issuer.url, formats: ['dc+sd-jwt'], offer: 'manual', timeoutSeconds: 60 },
      { name: 'lab-b-bank', role: 'verifier', driver: 'oid4vp-http', url: labB.verifier.url, formats: ['dc+sd-jwt'], request: 'manual', timeoutSeconds: 60 },
    ],
  }
  const file = join(dir, 'manual.json')
  writeFileSync(file, JSON.stringify(targets))
  run = await startTargets({ dataDir: join(dir, 'data'), env: {}, file: loadTargetsFile(file, {}) })
  browser = await launchBrowser()
  page = await browser.newPage()
}, 180_000)
afterAll(async () => {
  await browser?.close()
  await run?.close()
  await labB?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

async function labB201<T>(url: string, body: unknown): Promise<T> {
  const response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${LOCAL_ADMIN_API_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  expect(response.status).toBe(201)
  return (await response.json()) as T
}

/** What a clerk does at lab B for what the page asks: an offer for the credential, or a request for the policy. */
async function makeAtLabB(details: Record<string, any>): Promise<{ uri: string; txCode?: string }> {
  if (details.policy) return { uri: (await labB201<{ requestUri: string }>(`${labB.verifier.url}/verifications`, { policyId: details.policy, format: details.format })).requestUri }
  const { offerUri, txCode } = await labB201<{ offerUri: string; txCode: string }>(`${labB.issuer.url}/issuers/${details.issuer}/offers`, {
    credentialType: details.credentialType,
    format: details.format,
    claims: details.claims,
  })
  return { uri: offerUri, txCode }
}

describe('offers pasted in the dashboard for an external issuer with "offer": "manual"', () => {
  it('waits for each offer and request, refuses what is not one, and runs the pilot with what a person pasted', async () => {
    expect(run.dashboardUrl).toMatch(/#token=/)
    await page.goto(run.dashboardUrl!)
    const matrix = runMatrix(run.implementations, [{ ...banking, variants: [] }], { combinations: SD_JWT })

    const asked: string[] = []
    for (const step of ['business registration offer', 'verified person offer', 'presentation request']) {
      const form = page.locator('form.handoff').first()
      await form.waitFor({ timeout: 60_000 })
      const id = await form.getAttribute('data-handoff')
      const details = JSON.parse((await form.locator('pre').textContent())!)
      asked.push(details.credentialType ?? details.policy)
      expect(details.format, step).toBe('dc+sd-jwt')
      // the camera button only where the browser can read QR codes; pasting always works
      expect(await form.getByRole('button', { name: 'Scan a QR code' }).count()).toBe((await page.evaluate(() => 'BarcodeDetector' in window)) ? 1 : 0)

      await form.locator('textarea').fill('https://issuer.example/not-an-offer-or-request')
      await form.getByRole('button', { name: 'Send to the run' }).click()
      await expect.poll(() => form.getByRole('status').textContent()).toMatch(details.policy ? /uri: a presentation request .*OID4VP 1\.0 §5/ : /uri: a credential offer .*OID4VCI 1\.0 §4\.1/)

      const { uri, txCode } = await makeAtLabB(details)
      await form.locator('textarea').fill(uri)
      if (txCode) await form.locator('input').fill(txCode)
      await form.getByRole('button', { name: 'Send to the run' }).click()
      await page.locator(`form.handoff[data-handoff="${id}"]`).waitFor({ state: 'detached' })
    }
    expect(asked).toEqual(['BusinessRegistrationCredential', 'VerifiedPersonCredential', 'open-business-account'])

    const { results } = await matrix
    const baseline = results.find((r) => r.variantId === 'baseline' && r.format === 'dc+sd-jwt')!
    expect(baseline.status, JSON.stringify(baseline.failure)).toBe('pass')
    expect(baseline.implementations).toEqual({ issuer: 'oid4vci-http@lab-b-counter', wallet: 'lab', verifier: 'oid4vp-http@lab-b-bank' })
    expect(baseline.steps[0].links?.offerUri).toMatch(/^openid-credential-offer:\/\//)
    expect(baseline.steps.at(-1)!.summary).toMatch(/^northern-bank accepted business-owner's presentation/)
    expect(await page.locator('#handoffs').isHidden()).toBe(true)
  }, 180_000)

  it('fails the step, naming the wait, when nobody pastes an offer in time', async () => {
    const progress: string[] = []
    const board = new HandoffBoard((line) => progress.push(line))
    await expect(board.ask('offer', 'lab-b-counter', { issuer: 'bc-registries' }, 1)).rejects.toThrow('nobody pasted or scanned a credential offer from lab-b-counter in the dashboard within 1 s')
    expect(progress[0]).toBe('  … paste or scan a credential offer from lab-b-counter (issuer bc-registries) in the dashboard')
    expect(board.pending()).toEqual([])
  })
})
