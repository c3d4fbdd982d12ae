import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL_ADMIN_API_KEY } from '@interop-lab/common/config'
import { TRUST_NOT_CONSULTED } from '@interop-lab/scenarios/drivers/vcApi'
import { runMatrix } from '@interop-lab/scenarios/matrix'
import type { RunReport } from '@interop-lab/scenarios/report'
import type { VariantResult } from '@interop-lab/scenarios/runner'
import { loadScenarios } from '@interop-lab/scenarios/scenario'
import { loadTargetsFile, startTargets } from '@interop-lab/scenarios/targets'
import { freePort, runScript } from './support/serviceProcess'
import { startTestStack } from './support/stack'

/**
 * The W3C VC API as a matrix column (`vc-api`, ldp_vc): a VC API issuer signs at POST /credentials/issue for the lab
 * wallet's did:key, the wallet presents in a presentation it signs, a VC API verifier judges it at POST
 * /presentations/verify, and the runner asks the trust registry itself (the VC API verifier asks none). First the lab's
 * own VC API endpoints, then a second, separately started lab driven through nothing but those URLs, from a YAML
 * targets file.
 */

const banking = loadScenarios().find((s) => s.id === 'business-banking')!
const VC_API = [{ protocol: 'vc-api' as const, format: 'ldp_vc' as const }]
const env = { ...process.env, LAB_B_ADMIN_API_KEY: LOCAL_ADMIN_API_KEY, INTEROP_DATABASE_URL: '' }
const EXAMPLE = join(import.meta.dirname, '..', 'scenarios', 'targets.vc-api.yaml')

let labB: Awaited<ReturnType<typeof startTestStack>>
let dir: string

type Row = Pick<VariantResult, 'scenarioId' | 'variantId' | 'format'> & { steps: { stepId: string }[] }
const row = <R extends Row>(results: R[], variantId: string) => results.find((r) => r.scenarioId === 'business-banking' && r.variantId === variantId && r.format === 'ldp_vc')!
const presentStep = <S extends { stepId: string }>(result: { steps: S[] }) => result.steps.find((s) => s.stepId === 'open-business-account')!
const portBase = () => 20_000 + Math.floor(Math.random() * 300) * 100

/** The example YAML targets file, pointed at lab B (its issuer, verifier and trust registry). */
function exampleTargets(): string {
  const text = readFileSync(EXAMPLE, 'utf8')
    .replaceAll('http://127.0.0.1:5100', labB.trustRegistry.url)
    .replaceAll('http://127.0.0.1:5200', labB.issuer.url)
    .replaceAll('http://127.0.0.1:5400', labB.verifier.url)
  const file = join(dir, 'lab-b.vc-api.yaml')
  writeFileSync(file, text)
  return file
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'interop-vc-api-drivers-'))
  labB = await startTestStack()
}, 120_000)
afterAll(async () => {
  await labB?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('the lab’s own VC API endpoints as the vc-api issuer and verifier', () => {
  it('issues to the wallet’s did:key, verifies the holder-signed presentation, and runs the trust check itself', async () => {
    const file = join(dir, 'local.yaml')
    writeFileSync(file, 'parties:\n  - { name: own-vc-issuer, role: issuer, driver: vc-api }\n  - { name: own-vc-verifier, role: verifier, driver: vc-api }\n')
    const run = await startTargets({ dataDir: join(dir, 'data-local'), env, file: loadTargetsFile(file, env) })
    try {
      const variants = banking.variants.filter((v) => ['untrusted-issuer', 'tampered-credential'].includes(v.id))
      const { results } = await runMatrix(run.implementations, [{ ...banking, variants }], { combinations: VC_API })
      const baseline = row(results, 'baseline')
      expect(baseline.status, JSON.stringify(baseline.failure)).toBe('pass')
      expect(baseline.implementations).toEqual({ issuer: 'vc-api@lab', wallet: 'lab', verifier: 'vc-api@lab' })
      expect(presentStep(baseline).links?.requestUri).toBe(`${run.endpoints.verifier}/presentations/verify`)
      // an issuer the registry does not know verifies at the VC API; the runner's own trust check refuses it
      const untrusted = presentStep(row(results, 'untrusted-issuer'))
      expect(untrusted.passed, untrusted.summary).toBe(true)
      expect(untrusted.summary).toContain(`(${TRUST_NOT_CONSULTED}); the lab's own trust check: `)
      const tampered = presentStep(row(results, 'tampered-credential'))
      expect(tampered.passed, tampered.summary).toBe(true)
      expect(tampered.summary).toMatch(/rejected .*PROOF_VERIFICATION_ERROR: verifiableCredential\[0\]: /)
    } finally {
      await run.close()
    }
  }, 120_000)
})

describe('npm run pilots -- --targets scenarios/targets.vc-api.yaml: lab B through its VC API URLs only', () => {
  let report: RunReport
  let exit: { code: number | null; output: string }

  beforeAll(async () => {
    const reports = join(dir, 'reports')
    exit = await runScript(
      'scenarios/main.ts',
      [
        '--once',
        '--targets',
        exampleTargets(),
        '--protocol',
        'vc-api',
        '--scenario',
        'business-banking',
        '--data-dir',
        join(dir, 'data-a'),
        '--reports-dir',
        reports,
        '--port-base',
        String(portBase()),
      ],
      env,
    )
    report = JSON.parse(readFileSync(join(reports, 'latest.json'), 'utf8')) as RunReport
  }, 300_000)

  it('runs the business-banking baseline: lab B signs and verifies, the local lab wallet holds and presents', () => {
    const baseline = row(report.results, 'baseline')
    expect(baseline.status, JSON.stringify(baseline.failure)).toBe('pass')
    expect(baseline.implementations).toEqual({ issuer: 'vc-api@lab-b-vc-issuer', wallet: 'lab', verifier: 'vc-api@lab-b-vc-verifier' })
    expect(presentStep(baseline).summary).toBe("northern-bank accepted business-owner's presentation")
    expect(exit.output).toMatch(/verifier\s+http:\/\/127\.0\.0\.1:\d+\s+\(remote\)\s+driver vc-api@lab-b-vc-verifier/)
    expect(exit.code, exit.output).toBe(report.failed ? 1 : 0)
  })

  it('lands expired-credential in its cell: the VC API verifier refuses a credential expired by a second', () => {
    // VCDM 2.0 §4.9: validUntil is past. The clock skew the agent allows is for a start, never past an end.
    const expired = row(report.results, 'expired-credential')
    expect(expired.status, JSON.stringify(expired.failure)).toBe('pass')
    expect(presentStep(expired).expected).toEqual({ outcome: 'rejected', failedCheck: 'expiry' })
    expect(presentStep(expired).summary).toMatch(/CREDENTIAL_EXPIRED/)
  })

  it.each([
    // VCALM problem types, each read from lab B's answer and named as the lab's own checks
    ['tampered-credential', 'signature', /PROOF_VERIFICATION_ERROR: verifiableCredential\[0\]: /],
    ['wrong-holder-key', 'holder-binding', /PROOF_VERIFICATION_ERROR: The presentation is signed by did:key:\S+, not by its holder/],
    ['replayed-nonce', 'nonce', /INVALID_CHALLENGE_ERROR/],
    // the VC API verifier accepts; lab B's trust registry, asked by the runner, does not
    ['untrusted-issuer', 'trust-registry', /the lab's own trust check: /],
  ])('lands %s in its cell, rejected on %s', (variantId, check, reason) => {
    const result = row(report.results, variantId)
    expect(result.status, JSON.stringify(result.failure)).toBe('pass')
    const present = presentStep(result)
    expect(present.expected).toEqual({ outcome: 'rejected', failedCheck: check })
    expect(present.summary).toMatch(reason)
    expect(present.summary).toContain(TRUST_NOT_CONSULTED)
  })
})

describe('targets files in YAML, and a VC API target that cannot be reached', () => {
  it('names the path and the line of each bad field of a YAML file', () => {
    const file = join(dir, 'bad.yaml')
    writeFileSync(file, 'parties:\n  - name: lab-b-vc-verifier\n    role: verifier\n    driver: vc-api\n    url: not-a-url\n')
    expect(() => loadTargetsFile(file, env)).toThrow(/parties\.0\.url \(line 5\): /)
    writeFileSync(file, 'parties:\n  - name: [unclosed\n')
    expect(() => loadTargetsFile(file, env)).toThrow(/Invalid targets file .*bad\.yaml:\n {2}- \(file\) .* at line 3, column 1/)
  })

  it('exits non-zero naming the unreachable VC API verifier and why', async () => {
    const closed = await freePort()
    const file = join(dir, 'unreachable.yaml')
    writeFileSync(file, readFileSync(exampleTargets(), 'utf8').replaceAll(labB.verifier.url, `http://127.0.0.1:${closed}`))
    const run = await runScript(
      'scenarios/main.ts',
      [
        '--once',
        '--targets',
        file,
        '--protocol',
        'vc-api',
        '--scenario',
        'business-banking',
        '--data-dir',
        join(dir, 'data-u'),
        '--reports-dir',
        join(dir, 'reports-u'),
        '--port-base',
        String(portBase()),
      ],
      env,
    )
    expect(run.code, run.output).toBe(1)
    expect(run.output).toMatch(
      new RegExp(
        `Target 'lab-b-vc-verifier' \\(verifier, vc-api@lab-b-vc-verifier at http://127\\.0\\.0\\.1:${closed}\\) ran no cell: VC API verifier vc-api@lab-b-vc-verifier at http://127\\.0\\.0\\.1:${closed}/presentations/verify could not be reached: ECONNREFUSED`,
      ),
    )
  }, 120_000)
})
