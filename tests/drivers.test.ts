import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL_ADMIN_API_KEY } from '@interop-lab/common/config'
import { runMatrix } from '@interop-lab/scenarios/matrix'
import type { RunReport } from '@interop-lab/scenarios/report'
import type { VariantResult } from '@interop-lab/scenarios/runner'
import { loadScenarios } from '@interop-lab/scenarios/scenario'
import { loadTargetsFile, startTargets, type TargetsFile } from '@interop-lab/scenarios/targets'
import { freePort, runScript } from './support/serviceProcess'
import { startTestStack } from './support/stack'
import { freePortBase } from './support/portBase'

/**
 * A second, separately started lab instance ("lab B") driven only through protocol-only drivers: its issuer's offers
 * and its verifier's requests come from configured HTTP calls, the credentials travel over OID4VCI and OID4VP to the
 * local lab's wallet, and the verdict is read from a configured result URL or from the verifier's answer to the wallet.
 */

const scenarios = loadScenarios()
const banking = scenarios.find((s) => s.id === 'business-banking')!
const SD_JWT = [{ protocol: 'oid4vc' as const, format: 'dc+sd-jwt' as const }]
const env = { ...process.env, LAB_B_ADMIN_API_KEY: LOCAL_ADMIN_API_KEY }

let labB: Awaited<ReturnType<typeof startTestStack>>
let dir: string

/** The targets file of tests/../scenarios/targets.example.json, pointed at lab B. */
function exampleTargets(): TargetsFile & { parties: Record<string, unknown>[] } {
  const example = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'scenarios', 'targets.example.json'), 'utf8')) as TargetsFile
  const text = JSON.stringify(example).replaceAll('http://127.0.0.1:5200', labB.issuer.url).replaceAll('http://127.0.0.1:5400', labB.verifier.url)
  return JSON.parse(text) as TargetsFile & { parties: Record<string, unknown>[] }
}

function writeTargets(name: string, targets: unknown): string {
  const file = join(dir, `${name}.json`)
  writeFileSync(file, JSON.stringify(targets))
  return file
}

const row = (results: Pick<VariantResult, 'scenarioId' | 'variantId'>[], scenarioId: string, variantId: string) =>
  results.find((r) => r.scenarioId === scenarioId && r.variantId === variantId) as VariantResult

/** A port base for scenarios/main.ts (it binds base … base+400), away from the ports tests usually get. */

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'interop-drivers-'))
  labB = await startTestStack()
})
afterAll(async () => {
  await labB?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('npm run pilots -- --targets <file>, against a second lab through protocol-only drivers', () => {
  let report: RunReport
  let junit: string
  let exit: { code: number | null; output: string }

  beforeAll(async () => {
    const reports = join(dir, 'reports')
    exit = await runScript(
      'scenarios/main.ts',
      [
        '--once',
        '--targets',
        writeTargets('lab-b', exampleTargets()),
        '--protocol',
        'oid4vc',
        '--format',
        'dc+sd-jwt',
        '--data-dir',
        join(dir, 'data-a'),
        '--reports-dir',
        reports,
        '--port-base',
        String(await freePortBase()),
      ],
      env,
    )
    report = JSON.parse(readFileSync(join(reports, 'latest.json'), 'utf8')) as RunReport
    junit = readFileSync(join(reports, 'latest.junit.xml'), 'utf8')
  }, 300_000)

  it('runs the business-banking pilot end to end: lab B issues and verifies, the local lab wallet holds', () => {
    expect(exit.output).toMatch(/issuer\s+http:\/\/127\.0\.0\.1:\d+\s+\(remote\)\s+driver oid4vci-http@lab-b-issuer/)
    const baseline = row(report.results, 'business-banking', 'baseline')
    expect(baseline.status, JSON.stringify(baseline.failure)).toBe('pass')
    expect(baseline.implementations).toEqual({ issuer: 'oid4vci-http@lab-b-issuer', wallet: 'lab', verifier: 'oid4vp-http@lab-b-verifier' })
    expect(junit).toMatch(/<property name="issuer-implementation" value="oid4vci-http@lab-b-issuer"\/>/)
    expect(exit.code, exit.output).toBe(report.failed ? 1 : 0)
  })

  it.each([
    ['tampered-credential', 'signature'],
    ['wrong-holder-key', 'holder-binding'],
    ['untrusted-issuer', 'trust-registry'],
    ['expired-credential', 'expiry'],
  ])('lands the negative variant %s in its cell: lab B rejects on %s, read from its result URL', (variantId, check) => {
    const result = row(report.results, 'business-banking', variantId)
    expect(result.status, JSON.stringify(result.failure)).toBe('pass')
    const present = result.steps.find((s) => s.stepId === 'open-business-account')!
    expect(present.summary).toContain('rejected')
    expect(present.expected).toEqual({ outcome: 'rejected', failedCheck: check })
  })

  it('shows the death-notification pilot as unsupported: a protocol-only issuer has no registrar operations', () => {
    const baseline = row(report.results, 'death-notification', 'baseline')
    expect(baseline.status).toBe('unsupported')
    expect(baseline.failure?.reason).toContain('issuer oid4vci-http@lab-b-issuer cannot certify, register or correct a death')
  })
})

describe('protocol-only drivers in process', () => {
  it('reads the verdict from what the verifier answered the wallet when it exposes no result URL, and says so', async () => {
    const targets = exampleTargets()
    delete targets.parties[1].result
    const file = loadTargetsFile(writeTargets('no-result', targets), env)
    const run = await startTargets({ dataDir: join(dir, 'data-no-result'), env, file })
    try {
      const { results } = await runMatrix(run.parties, [{ ...banking, variants: banking.variants.filter((v) => v.id === 'tampered-credential') }], { combinations: SD_JWT })
      const baseline = row(results, 'business-banking', 'baseline')
      expect(baseline.status, JSON.stringify(baseline.failure)).toBe('pass')
      const tampered = row(results, 'business-banking', 'tampered-credential')
      const present = tampered.steps.at(-1)!
      expect(present.summary).toMatch(/rejected .*read from the verifier's answer to the wallet \(HTTP 4\d\d/)
      expect(present.summary).toContain('signature not confirmed')
    } finally {
      await run.close()
    }
  })

  it("registers lab B's issuer DIDs in the lab trust registry for the run, so the lab verifier trusts them (and without, rejects on trust-registry)", async () => {
    const { issuers } = (await (await fetch(`${labB.issuer.url}/issuers`)).json()) as { issuers: { key: string; did: string }[] }
    const used = banking.steps.flatMap((s) => (s.action === 'issue' ? [s.issuer] : []))
    const register = issuers.filter((i) => used.includes(i.key)).map((i) => ({ entity: i.key, did: i.did }))
    expect(register).toHaveLength(used.length)
    const issuerOnly = (entries: { entity: string; did: string }[]) => ({ parties: [exampleTargets().parties[0]], trustRegistry: { register: entries } })
    for (const [name, entries, expected] of [
      ['registered', register, 'pass'],
      ['unregistered', [], 'fail'],
    ] as const) {
      const run = await startTargets({ dataDir: join(dir, `data-${name}`), env, file: loadTargetsFile(writeTargets(name, issuerOnly([...entries])), env) })
      try {
        expect(run.parties.verifier.implementation).toBe('lab')
        const { results } = await runMatrix(run.parties, [{ ...banking, variants: [] }], { combinations: SD_JWT })
        const baseline = row(results, 'business-banking', 'baseline')
        expect(baseline.status, `${name}: ${JSON.stringify(baseline.failure)}`).toBe(expected)
        if (expected === 'fail') expect(baseline.steps.at(-1)!.decision?.failedChecks).toContain('trust-registry')
      } finally {
        await run.close()
      }
    }
  })
})

describe('an external wallet, handed offers and requests at its own endpoint', () => {
  it("runs the pilot with lab B's wallet as the holder, waiting for the lab issuer and verifier to see each exchange; faults are unsupported", async () => {
    const wallet = labB.wallet.url
    const targets = {
      parties: [
        {
          name: 'lab-b-wallet',
          role: 'wallet',
          driver: 'wallet-http',
          url: wallet,
          formats: ['dc+sd-jwt'],
          offer: { url: `${wallet}/personas/{{holder}}/offers`, body: { offerUri: '{{offerUri}}', txCode: '{{txCode}}' } },
          request: { url: `${wallet}/personas/{{holder}}/presentations`, body: { requestUri: '{{requestUri}}' } },
          reset: { method: 'DELETE', url: `${wallet}/personas/{{holder}}/credentials` },
          timeoutSeconds: 30,
        },
      ],
    }
    const run = await startTargets({ dataDir: join(dir, 'data-wallet'), env, file: loadTargetsFile(writeTargets('wallet', targets), env) })
    try {
      expect(run.parties.issuer.implementation).toBe('lab')
      const variants = banking.variants.filter((v) => ['untrusted-issuer', 'tampered-credential'].includes(v.id))
      const { results } = await runMatrix(run.parties, [{ ...banking, variants }], { combinations: [...SD_JWT, { protocol: 'oid4vc', format: 'jwt_vc_json' }] })
      const baseline = row(results, 'business-banking', 'baseline')
      expect(baseline.status, JSON.stringify(baseline.failure)).toBe('pass')
      expect(baseline.implementations.wallet).toBe('wallet-http@lab-b-wallet')
      expect(row(results, 'business-banking', 'untrusted-issuer').status).toBe('pass')
      const tampered = row(results, 'business-banking', 'tampered-credential')
      expect(tampered.status).toBe('unsupported')
      expect(tampered.failure?.reason).toBe('wallet wallet-http@lab-b-wallet cannot break a presentation on purpose (tamper)')
      expect(results.find((r) => r.format === 'jwt_vc_json')?.failure?.reason).toBe('wallet wallet-http@lab-b-wallet does not support jwt_vc_json over oid4vc')
    } finally {
      await run.close()
    }
  })
})

describe('another deployment of the lab through the lab driver', () => {
  it("plays lab B's wallet-sim through its admin API, named lab@<url> in each cell", async () => {
    const targets = { parties: [{ name: 'lab-b-wallet', role: 'wallet', driver: 'lab', url: labB.wallet.url }] }
    const run = await startTargets({ dataDir: join(dir, 'data-lab-wallet'), env, file: loadTargetsFile(writeTargets('lab-wallet', targets), env) })
    try {
      const { results } = await runMatrix(run.parties, [{ ...banking, variants: banking.variants.filter((v) => v.id === 'tampered-credential') }], { combinations: SD_JWT })
      expect(results.map((r) => [r.variantId, r.status, r.implementations.wallet])).toEqual([
        ['baseline', 'pass', `lab@${labB.wallet.url}`],
        ['tampered-credential', 'pass', `lab@${labB.wallet.url}`],
      ])
    } finally {
      await run.close()
    }
  })
})

describe('targets that cannot run', () => {
  it('exits non-zero naming the target when it cannot be reached', async () => {
    const targets = exampleTargets()
    const closed = await freePort()
    const gone = JSON.parse(JSON.stringify(targets.parties[0]).replaceAll(labB.issuer.url, `http://127.0.0.1:${closed}`)) as Record<string, unknown>
    const { code, output } = await runScript(
      'scenarios/main.ts',
      [
        '--once',
        '--targets',
        writeTargets('gone', { parties: [{ ...gone, name: 'gone-issuer' }] }),
        '--scenario',
        'business-banking',
        '--protocol',
        'oid4vc',
        '--data-dir',
        join(dir, 'data-gone'),
        '--reports-dir',
        join(dir, 'reports-gone'),
        '--port-base',
        String(await freePortBase()),
      ],
      env,
    )
    expect(code).toBe(1)
    expect(output).toMatch(new RegExp(`Target 'gone-issuer' \\(issuer, oid4vci-http@gone-issuer at http://127.0.0.1:${closed}\\) ran no cell: .*could not be reached: ECONNREFUSED`))
  }, 120_000)

  it('refuses a misconfigured targets file, naming the path of each bad field', async () => {
    const targets = exampleTargets()
    const offer = targets.parties[0].offer as Record<string, unknown>
    const bad = {
      ...targets,
      parties: [
        { ...targets.parties[0], formats: ['ldp_vc'], offer: { ...offer, offerUriPath: '' } },
        { ...targets.parties[1], role: 'issuer', driver: 'oid4vci-http' },
      ],
    }
    const { code, output } = await runScript('scenarios/main.ts', ['--once', '--targets', writeTargets('bad', bad)], env)
    expect(code).toBe(2)
    expect(output).toContain('Invalid targets file')
    expect(output).toMatch(/parties\.0\.formats\.0: /)
    expect(output).toMatch(/parties\.0\.offer\.offerUriPath: /)
    expect(output).toMatch(/parties\.1\.offer: /)
  }, 60_000)

  it('names the environment variable a header needs when it is not set, never a secret in the file', () => {
    const { LAB_B_ADMIN_API_KEY: _unset, ...without } = env
    expect(() => loadTargetsFile(writeTargets('no-env', exampleTargets()), without)).toThrow(
      /parties\.0\.offer\.headers: authorization comes from environment variable LAB_B_ADMIN_API_KEY, which is not set/,
    )
    const withSecret = exampleTargets()
    ;(withSecret.parties[0].offer as { headers: unknown }).headers = { authorization: 'Bearer secret' }
    expect(() => loadTargetsFile(writeTargets('secret', withSecret), env)).toThrow(/parties\.0\.offer\.headers\.authorization: /)
    const lab = { parties: [{ name: 'b', role: 'wallet', driver: 'lab', url: 'http://127.0.0.1:1', adminApiKeyEnv: 'LAB_B_UNSET_KEY' }] }
    expect(() => loadTargetsFile(writeTargets('lab-no-env', lab), env)).toThrow(/parties\.0\.adminApiKeyEnv: environment variable LAB_B_UNSET_KEY is not set/)
  })

  it('rejects an unknown command-line flag with the usage text', async () => {
    const { code, output } = await runScript('scenarios/main.ts', ['--target', 'x.json'], env)
    expect(code).toBe(2)
    expect(output).toMatch(/Unknown option '--target'/)
    expect(output).toContain('--targets <file>')
  }, 60_000)
})
