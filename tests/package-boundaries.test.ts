import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

// Issue #19 §6: no package imports another's internals by relative path; a service imports only @interop-lab/common,
// @interop-lab/contracts and the trust registry's client API. The rule lives in biome.jsonc; these tests run Biome
// with that very file on probe sources laid out like the repository, and check what each package.json exports.

const ROOT = join(import.meta.dirname, '..')
const BIOME = join(ROOT, 'node_modules', '.bin', 'biome')
const PACKAGES = ['contracts', 'common', 'issuer', 'verifier', 'wallet-sim', 'trust-registry', 'scenarios']
const probeRoot = mkdtempSync(join(tmpdir(), 'interop-lint-'))
afterAll(() => rmSync(probeRoot, { recursive: true, force: true }))

interface Diagnostic {
  category: string
  message: string
  location: { path: string; start: { line: number } }
}

/** Lints `source` as if it were the repository file `path`; answers the noRestrictedImports diagnostics. */
async function restrictedImports(path: string, source: string): Promise<Diagnostic[]> {
  const dir = mkdtempSync(join(probeRoot, 'case-'))
  writeFileSync(join(dir, 'biome.jsonc'), readFileSync(join(ROOT, 'biome.jsonc')))
  mkdirSync(join(dir, dirname(path)), { recursive: true })
  writeFileSync(join(dir, path), source)
  const { stdout } = await promisify(execFile)(BIOME, ['lint', '--reporter=json', '--vcs-enabled=false', '--only=style/noRestrictedImports', path], { cwd: dir }).catch(
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
  )
  const report = JSON.parse(stdout) as { diagnostics: Diagnostic[] }
  return report.diagnostics.filter((d) => d.category === 'lint/style/noRestrictedImports')
}

const linesOf = (diagnostics: Diagnostic[]) => diagnostics.map((d) => d.location.start.line)

describe('the lint rule against imports across packages (issue #19 §6)', () => {
  it('refuses a relative import that leaves its package, at every depth, and keeps those within it', async () => {
    const issuerTop = await restrictedImports(
      'issuer/probe.ts',
      ["import { a } from '../verifier/service'", "import { b } from './service'", "export { c } from '../common/db'", "const d = await import('../trust-registry/store')"].join('\n'),
    )
    expect(linesOf(issuerTop)).toEqual([1, 3, 4])
    expect(issuerTop[0].message).toMatch(/leaves its package.*@interop-lab\/<package>/)

    const issuerDeep = await restrictedImports('issuer/status/probe.ts', ["import { a } from '../../common/db'", "import { b } from '../service'", "import { c } from './service'"].join('\n'))
    expect(linesOf(issuerDeep)).toEqual([1])

    const scenariosDeeper = await restrictedImports('scenarios/peers/acapy/probe.ts', ["import { a } from '../../../wallet-sim/wallet'", "import { b } from '../../drivers/types'"].join('\n'))
    expect(linesOf(scenariosDeeper)).toEqual([1])

    const testSupport = await restrictedImports('tests/support/probe.ts', ["import { a } from '../../scenarios/stack'", "import { b } from '../fixtures/x'"].join('\n'))
    expect(linesOf(testSupport)).toEqual([1])
  })

  it("lets a service import only common, contracts and the trust registry's client API", async () => {
    const verifier = await restrictedImports(
      'verifier/probe.ts',
      [
        "import { a } from '@interop-lab/issuer'",
        "import { b } from '@interop-lab/wallet-sim/wallet'",
        "import { c } from '@interop-lab/trust-registry/store'",
        "import { d } from '@interop-lab/common/db'",
        "import { e } from '@interop-lab/contracts'",
        "import { f } from '@interop-lab/trust-registry/client'",
        "import { g } from '@interop-lab/trust-registry/keyPin'",
      ].join('\n'),
    )
    expect(linesOf(verifier)).toEqual([1, 2, 3])
    expect(verifier[0].message).toMatch(/reaches over HTTP/)
  })

  it('keeps common free of any service, and lets the harness use every entry point', async () => {
    expect(linesOf(await restrictedImports('common/net/probe.ts', "import { a } from '@interop-lab/verifier'\nimport { b } from '@interop-lab/contracts'"))).toEqual([1])
    expect(await restrictedImports('scenarios/probe.ts', "import { a } from '@interop-lab/issuer'\nimport { b } from '@interop-lab/verifier/decision'")).toEqual([])
    expect(await restrictedImports('tests/probe.test.ts', "import { a } from '@interop-lab/scenarios/runner'")).toEqual([])
  })
})

describe('package entry points', () => {
  it('every path a package.json exports is a file of that package', () => {
    const missing: string[] = []
    for (const name of PACKAGES) {
      const exportsMap = (JSON.parse(readFileSync(join(ROOT, name, 'package.json'), 'utf8')) as { exports?: Record<string, string> }).exports
      expect(exportsMap, `${name}/package.json declares exports`).toBeDefined()
      for (const [subpath, target] of Object.entries(exportsMap ?? {})) if (!target.includes('*') && !existsSync(join(ROOT, name, target))) missing.push(`${name}: ${subpath} -> ${target}`)
    }
    expect(missing).toEqual([])
  })
})
