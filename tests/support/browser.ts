import { createRequire } from 'node:module'
import { chromium, type Browser, type Page } from 'playwright-core'

/** The distribution's Chromium (apt-get install chromium); playwright never downloads a browser here. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Headless Chromium without sandbox, GPU or any background traffic (no network beyond the page under test). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}

/** Does what the dashboard's page does with the link the console prints: trades its #token for the session cookie (`name=value`). */
export async function signIn(dashboard: { url: string; loginUrl: string }): Promise<string> {
  const token = new URLSearchParams(new URL(dashboard.loginUrl).hash.slice(1)).get('token')
  const response = await fetch(`${dashboard.url}/api/session`, {
    method: 'POST',
    headers: { origin: dashboard.url, 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  })
  if (response.status !== 204) throw new Error(`The dashboard refused its own token: ${response.status} ${await response.text()}`)
  return response.headers.getSetCookie()[0].split(';')[0]
}

const AXE_SCRIPT = createRequire(import.meta.url).resolve('axe-core/axe.min.js')

/**
 * What axe-core (pinned in package.json) finds against WCAG 2.1 A and AA on the page as it is now: each violated
 * rule with the elements that break it, so a failing test says what to fix.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE_SCRIPT })
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: { id: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe.run(
      document,
      {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      },
    )
    return result.violations.map(
      (v) =>
        `${v.id} (${v.help}): ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 5)
          .join(', ')}`,
    )
  })
  return violations
}
