import { execFile } from 'node:child_process'
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { recordEvidence } from '@interop-lab/scenarios/evidence/bundle'
import { EvidenceError, verifyEvidence } from '@interop-lab/scenarios/evidence/verify'
import { runMatrix } from '@interop-lab/scenarios/matrix'
import { summarize, writeReports } from '@interop-lab/scenarios/report'
import { loadScenarios } from '@interop-lab/scenarios/scenario'
import { startTestStack } from './support/stack'

const run = promisify(execFile)
const ROOT = join(import.meta.dirname, '..')

let stack: Awaited<ReturnType<typeof startTestStack>>
let work: string
let bundle: string

beforeAll(async () => {
  stack = await startTestStack()
  work = mkdtempSync(join(tmpdir(), 'interop-lab-evidence-'))
  const started = new Date()
  const scenarios = loadScenarios().filter((s) => s.id === 'business-banking')
  const { capabilities, results } = await runMatrix(stack.endpoints, scenarios, { combinations: [{ protocol: 'oid4vc', format: 'dc+sd-jwt' }] })
  const report = summarize(results, started, { endpoints: stack.endpoints, capabilities })
  writeReports(report, work)
  bundle = (await recordEvidence({ report, reportsDir: work, dataDir: stack.dataDir, trustRegistryUrl: stack.trustRegistry.url })).dir
})

afterAll(async () => {
  await stack?.close()
  if (work) rmSync(work, { recursive: true, force: true })
})

/** A copy of the bundle to damage. */
function copyOfBundle(): string {
  const copy = mkdtempSync(join(work, 'copy-'))
  cpSync(bundle, copy, { recursive: true })
  return copy
}

function flipOneByte(file: string) {
  const bytes = readFileSync(file)
  bytes[Math.floor(bytes.length / 2)] ^= 0x01
  writeFileSync(file, bytes)
}

async function refusal(dir: string, key?: string): Promise<EvidenceError> {
  const error = await verifyEvidence(dir, key).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(EvidenceError)
  return error as EvidenceError
}

describe('signed evidence bundle', () => {
  it('holds the reports, the scenario and policy files, the parties’ versions and the trust registry as it answered, signed and hashed', async () => {
    const { manifest, files } = await verifyEvidence(bundle)
    const paths = manifest.files.map((f) => f.path)
    expect(paths).toEqual(
      expect.arrayContaining([
        'reports/latest.json',
        'reports/latest.junit.xml',
        'reports/latest.html',
        'scenarios/business-banking.json',
        'policies/open-business-account.json',
        'parties.json',
        'trust-registry.json',
      ]),
    )
    expect(paths).not.toContain('scenarios/death-notification.json')
    expect(files).toBe(paths.length)
    expect(readFileSync(join(bundle, 'reports/latest.json'))).toEqual(readFileSync(join(work, 'latest.json')))
    const report = JSON.parse(readFileSync(join(bundle, 'reports/latest.json'), 'utf8'))
    expect(manifest.run).toMatchObject({ passed: report.passed, failed: 0, startedAt: report.startedAt })
    expect(report.passed).toBeGreaterThan(0)

    const parties = JSON.parse(readFileSync(join(bundle, 'parties.json'), 'utf8'))
    expect(parties.map((p: { role: string }) => p.role)).toEqual(['issuer', 'wallet', 'verifier', 'trust-registry'])
    const { stdout: head } = await run('git', ['rev-parse', 'HEAD'], { cwd: ROOT })
    expect(parties[0]).toMatchObject({ implementation: report.capabilities.issuer.implementation, url: stack.endpoints.issuer, version: '0.1.0' })
    expect(parties[0].implementation).toBeTruthy()
    expect(parties[0].commit.startsWith(head.trim())).toBe(true)
    expect(parties[0].profile.oid4vc).toContain('dc+sd-jwt')

    const registry = JSON.parse(readFileSync(join(bundle, 'trust-registry.json'), 'utf8'))
    const listed = (await (await fetch(`${stack.trustRegistry.url}/registry/entities`)).json()) as { entities: unknown[] }
    expect(registry.entities).toEqual(listed.entities)
    expect(registry.entities.length).toBeGreaterThan(0)
  })

  it('verifies offline with npm run verify-evidence, naming the run and the lab key', async () => {
    const { manifest } = await verifyEvidence(bundle)
    const { stdout } = await run('npm', ['run', '--silent', 'verify-evidence', '--', bundle, `--key=${manifest.signer.thumbprint}`], { cwd: ROOT })
    expect(stdout).toContain(`run ${manifest.runId}`)
    expect(stdout).toContain(`signed by lab key ${manifest.signer.thumbprint}`)
  })

  it('fails, naming the file, after any byte of any kind of file changes', async () => {
    const { manifest } = await verifyEvidence(bundle)
    for (const path of ['manifest.json', 'manifest.jws', ...manifest.files.map((f) => f.path)]) {
      const copy = copyOfBundle()
      flipOneByte(join(copy, path))
      const error = await refusal(copy)
      expect(error.file, `a changed byte in ${path}`).toBe(path)
      expect(error.code).toMatch(path === 'manifest.jws' || path === 'manifest.json' ? /bad_signature|unreadable_manifest|wrong_key/ : /hash_mismatch/)
    }
  })

  it('the command exits non-zero and names the changed file', async () => {
    const copy = copyOfBundle()
    flipOneByte(join(copy, 'reports/latest.html'))
    const failure = await run('npm', ['run', '--silent', 'verify-evidence', '--', copy], { cwd: ROOT }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    )
    expect(failure?.code).toBe(1)
    expect(failure?.stderr).toMatch(/reports\/latest\.html: SHA-256 .* the file was changed after the run \[hash_mismatch\]/)
  })

  it('refuses a file added after the run, a removed one, and a bundle re-signed by a key that is not the lab’s', async () => {
    const added = copyOfBundle()
    writeFileSync(join(added, 'scenarios', 'extra.json'), '{}')
    expect(await refusal(added)).toMatchObject({ code: 'unlisted_file', file: 'scenarios/extra.json' })

    const removed = copyOfBundle()
    rmSync(join(removed, 'trust-registry.json'))
    expect(await refusal(removed)).toMatchObject({ code: 'missing_file', file: 'trust-registry.json' })

    // someone edits the report and signs a fresh manifest with their own key: consistent, but not the lab's key
    const { manifest } = await verifyEvidence(bundle)
    const forger = mkdtempSync(join(work, 'forger-'))
    const report = JSON.parse(readFileSync(join(bundle, 'reports/latest.json'), 'utf8'))
    writeReports({ ...report, failed: 0, passed: report.passed + 1 }, forger)
    const forged = await recordEvidence({ report, reportsDir: forger, dataDir: join(forger, 'data'), trustRegistryUrl: stack.trustRegistry.url })
    expect((await verifyEvidence(forged.dir)).manifest.signer.thumbprint).not.toBe(manifest.signer.thumbprint)
    expect(await refusal(forged.dir, manifest.signer.thumbprint)).toMatchObject({ code: 'wrong_key', file: 'manifest.json' })
    expect(readdirSync(join(forger, 'evidence'))).toHaveLength(1)
  })
})
