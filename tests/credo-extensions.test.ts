import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { credoExtensions, dependencyPins } from '@interop-lab/common/credo-extensions'
import { extractMethod, installedMethod, installedPackageDirectory, installedVersion, sha256 } from '@interop-lab/common/credo-extensions/upstreamSource'

const ROOT = join(import.meta.dirname, '..')
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8')
const labFilesOf = (id: string) => [...new Set(credoExtensions.find((e) => e.id === id)?.lab.map((l) => l.file))].join(', ')

/** Subclasses of Credo classes that work around nothing: they exist to misbehave on purpose. */
const NOT_WORKAROUNDS = new Map([['FaultInjectingAnonCredsProofFormat', 'wallet-sim fault injection (sends malformed proofs on purpose)']])

const SERVICE_DIRECTORIES = ['common', 'issuer', 'verifier', 'wallet-sim', 'trust-registry', 'scenarios']
const sourceFiles = () =>
  SERVICE_DIRECTORIES.flatMap((directory) =>
    (readdirSync(join(ROOT, directory), { recursive: true }) as string[]).filter((path) => path.endsWith('.ts') && !path.split('/').includes('node_modules')).map((path) => join(directory, path)),
  )

describe('credo-extensions: every dependency patch, fingerprinted against the installed upstream code', () => {
  it('lists each patch once, with its reason and removal condition', () => {
    expect(new Set(credoExtensions.map((e) => e.id)).size).toBe(credoExtensions.length)
    for (const extension of credoExtensions) {
      expect(extension.lab.length, extension.id).toBeGreaterThan(0)
      expect(extension.upstream.length, extension.id).toBeGreaterThan(0)
      expect(extension.reason.length, extension.id).toBeGreaterThan(40)
      expect(extension.removeWhen.length, extension.id).toBeGreaterThan(10)
    }
  })

  for (const extension of credoExtensions) {
    for (const upstream of extension.upstream) {
      it(`${extension.id}: ${upstream.package} ${upstream.symbol} is the code the patch was written against`, () => {
        const [className, member] = upstream.symbol.split('.')
        const found = installedMethod(upstream.package, upstream.file, className, member)
        const installed = `${upstream.package}@${installedVersion(upstream.package)}`
        if ('missing' in found) expect.fail(`Revisit patch '${extension.id}' (${labFilesOf(extension.id)}): ${found.missing} (${installed}; recorded from ${upstream.version})`)
        const actual = sha256(found.code)
        expect(
          actual,
          `Revisit patch '${extension.id}' (${labFilesOf(extension.id)}): ${upstream.symbol} in ${installed}/${upstream.file} changed since ${upstream.version}. ` +
            `Read the new code against the patch's reason ("${extension.reason.slice(0, 80)}…"), delete the patch if upstream fixed it, else record sha256 '${actual}' and version '${installedVersion(upstream.package)}' in common/credo-extensions/index.ts`,
        ).toBe(upstream.sha256)
      })
    }
  }

  it("names symbols that exist in the lab's files (the list cannot drift from the code)", () => {
    for (const extension of credoExtensions) {
      for (const { file, symbol } of extension.lab) {
        expect(new RegExp(`\\b${symbol}\\b`).test(read(file)), `patch '${extension.id}': ${file} no longer defines ${symbol}; update common/credo-extensions/index.ts`).toBe(true)
      }
    }
  })

  it('lists every subclass of a Credo class and every prototype replacement in the services', () => {
    const listed = new Set(credoExtensions.flatMap((e) => e.lab.map((l) => l.symbol)))
    const listedFiles = new Set(credoExtensions.flatMap((e) => e.lab.map((l) => l.file)))
    const unlisted: string[] = []
    for (const file of sourceFiles()) {
      const source = read(file)
      const imported = new Set(
        [...source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@credo-ts\/[^']+'/g)].flatMap(([, names]) =>
          names.split(',').map(
            (name) =>
              name
                .replace(/^\s*type\s+/, '')
                .trim()
                .split(/\s+as\s+/)
                .pop() as string,
          ),
        ),
      )
      for (const [, subclass, base] of source.matchAll(/class\s+(\w+)\s+extends\s+(\w+)/g)) {
        // Credo's error classes are meant to be extended
        if (imported.has(base) && !base.endsWith('Error') && !listed.has(subclass) && !NOT_WORKAROUNDS.has(subclass)) unlisted.push(`${file}: ${subclass} extends Credo's ${base}`)
      }
      if (/\.prototype as unknown as/.test(source) && !listedFiles.has(file)) unlisted.push(`${file}: replaces a method on a prototype`)
    }
    expect(unlisted, 'dependency workarounds missing from common/credo-extensions/index.ts').toEqual([])
  })

  it("matches package.json's pins and overrides, both ways, and what is installed", () => {
    const manifest = JSON.parse(read('package.json')) as Record<'dependencies' | 'overrides', Record<string, unknown>>
    const valueAt = (section: 'dependencies' | 'overrides', key: string[]) => key.reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], manifest[section])
    for (const pin of dependencyPins) expect(valueAt(pin.section, pin.key), `pin '${pin.id}': package.json ${pin.section} ${pin.key.join(' > ')}`).toBe(pin.version)

    const overridePaths = (node: Record<string, unknown>, parents: string[] = []): string[][] =>
      Object.entries(node).flatMap(([key, value]) => (typeof value === 'string' ? [[...parents, key]] : overridePaths(value as Record<string, unknown>, [...parents, key])))
    const listedOverrides = dependencyPins.filter((p) => p.section === 'overrides').map((p) => p.key.join(' > '))
    expect(
      overridePaths(manifest.overrides)
        .map((path) => path.join(' > '))
        .sort(),
      'every override in package.json is listed in common/credo-extensions/index.ts',
    ).toEqual(listedOverrides.sort())

    const prereleases = Object.entries(manifest.dependencies).filter(([, version]) => /^\d+\.\d+\.\d+-/.test(String(version)))
    expect(
      prereleases.map(([name]) => name),
      'every prerelease dependency is listed',
    ).toEqual(dependencyPins.filter((p) => p.section === 'dependencies').map((p) => p.key[0]))

    for (const pin of dependencyPins.filter((p) => p.key.length === 1 && p.key[0].startsWith('@credo-ts/'))) {
      expect(installedVersion(pin.key[0]), `${pin.key[0]} installed (npm run setup:services after changing the pin)`).toBe(pin.version)
    }
  })
})

describe('credo-extensions: the fingerprint notices an upstream change', () => {
  const sdJwt = credoExtensions.find((e) => e.id === 'sd-jwt-vc-status-after-trust')!
  const config = sdJwt.upstream.find((u) => u.symbol === 'SdJwtVcService.getBaseSdJwtConfig')!
  const installedFile = readFileSync(join(installedPackageDirectory(config.package), config.file), 'utf8')

  it('differs from the recorded one when the method changes (a copy of the installed file, edited)', () => {
    const original = extractMethod(installedFile, 'SdJwtVcService', 'getBaseSdJwtConfig')!
    expect(sha256(original)).toBe(config.sha256)
    // what a release that lets the caller skip the status check could look like
    const changed = installedFile.replace('statusListFetcher: this.getStatusListFetcher(agentContext),', 'statusListFetcher: this.getStatusListFetcher(agentContext), statusValidator: undefined,')
    expect(changed).not.toBe(installedFile)
    expect(sha256(extractMethod(changed, 'SdJwtVcService', 'getBaseSdJwtConfig')!)).not.toBe(config.sha256)
  })

  it('stays the same when only other code in the file changes, and finds a removed method gone', () => {
    const otherMethodChanged = installedFile.replace(/getStatusListFetcher\(agentContext\) \{\n/, 'getStatusListFetcher(agentContext) {\n\t\tvoid 0;\n')
    expect(otherMethodChanged).not.toBe(installedFile)
    expect(sha256(extractMethod(otherMethodChanged, 'SdJwtVcService', 'getBaseSdJwtConfig')!)).toBe(config.sha256)
    const renamed = installedFile.replace('\tgetBaseSdJwtConfig(agentContext) {', '\tgetSdJwtConfig(agentContext) {')
    expect(extractMethod(renamed, 'SdJwtVcService', 'getBaseSdJwtConfig')).toBeUndefined()
  })

  it('reads a method to its own closing brace past braces in strings, templates, comments and regular expressions', () => {
    const source = [
      'var Other = class { run() { return 1 } };',
      'let Sample = class Sample {',
      '\trun(a = { x: "}" }) {',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: source text with a template literal, on purpose
      "\t\tconst t = `${a.x}}{ ${`${'{'}`} }`; // a } in a comment",
      '\t\t/* { */ const r = /[{}]\\}/g;',
      "\t\treturn t.replace(r, '}') + 'run() {'",
      '\t}',
      '\tafter() { return 2 }',
      '};',
    ].join('\n')
    expect(extractMethod(source, 'Sample', 'run')).toBe(source.slice(source.indexOf('run(a'), source.indexOf('\n\tafter')))
    expect(extractMethod(source, 'Sample', 'after')).toBe('after() { return 2 }')
    expect(extractMethod(source, 'Other', 'run')).toBe('run() { return 1 }')
    expect(extractMethod(source, 'Sample', 'missing')).toBeUndefined()
  })
})
