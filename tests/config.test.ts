import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { agentSettings, ConfigError, serviceConfigFromArgs } from '@interop-lab/common/config'
import { startWalletService } from '@interop-lab/wallet-sim'
import { afterAll, describe, expect, it } from 'vitest'

// One config module: flags and environment validated, strictly (issue 19, "Config"), and plain http beyond loopback
// only when a flag says so.

const dataDir = mkdtempSync(join(tmpdir(), 'interop-config-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

const run = promisify(execFile)
/** Starts a service's main.ts as an operator would; resolves with how it ended. */
async function startProcess(main: string, args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', main, ...args], {
      cwd: join(import.meta.dirname, '..'),
      env: { ...process.env, INTEROP_DATA_DIR: dataDir },
      timeout: 60_000,
    })
    return { code: 0, output: stdout + stderr }
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string }
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` }
  }
}

describe('flags and environment', () => {
  it('refuses a mistyped flag, naming it and listing the valid ones', () => {
    expect(() => serviceConfigFromArgs('issuer', 4200, ['--prot', '4200'], {})).toThrow(ConfigError)
    expect(() => serviceConfigFromArgs('issuer', 4200, ['--prot', '4200'], {})).toThrow(
      /does not take '--prot'.*Valid flags: --port, --host, --data-dir, --public-url.*--trust-registry, --anoncreds-material/,
    )
    // a flag of another service is as wrong as a typo
    expect(() => serviceConfigFromArgs('wallet-sim', 4300, ['--governance', 'g.json'], {})).toThrow(/does not take '--governance'/)
  })

  it('refuses malformed values in flags and in the environment, naming the field', () => {
    expect(() => serviceConfigFromArgs('verifier', 4400, ['--port', 'eighty'], {})).toThrow(/Invalid flags for the verifier: port/)
    expect(() => serviceConfigFromArgs('verifier', 4400, ['--trust-registry', 'registry.example.ca'], {})).toThrow(/trust-registry: expected an http\(s\) URL/)
    expect(() => serviceConfigFromArgs('issuer', 4200, [], { INTEROP_ALLOW_INSECURE_HTTP: 'yes' })).toThrow(/INTEROP_ALLOW_INSECURE_HTTP: expected true or false/)
    expect(() => serviceConfigFromArgs('issuer', 4200, [], { ISSUER_PORT: '70000' })).toThrow(/ISSUER_PORT/)
  })

  it('validates the process-wide agent settings too (log level, AnonCreds backend)', () => {
    expect(agentSettings({})).toMatchObject({ CREDO_LOG_LEVEL: 'off', INTEROP_ANONCREDS_BACKEND: 'auto' })
    expect(() => agentSettings({ INTEROP_ANONCREDS_BACKEND: 'gpu' })).toThrow(/INTEROP_ANONCREDS_BACKEND: expected auto, native or wasm/)
    expect(() => agentSettings({ CREDO_LOG_LEVEL: 'verbose' })).toThrow(/CREDO_LOG_LEVEL/)
  })

  it('reads each service’s flags and environment into one typed configuration', () => {
    const config = serviceConfigFromArgs('verifier', 4400, ['--issuer', 'https://issuer.example.ca', '--data-dir', dataDir], {
      TRUST_REGISTRY_URL: 'https://registry.example.ca',
      VERIFIER_PUBLIC_URL: 'https://verifier.example.ca',
    })
    expect([config.port, config.issuerUrl, config.trustRegistryUrl, config.publicUrl, config.dataDir]).toEqual([
      4400,
      'https://issuer.example.ca',
      'https://registry.example.ca',
      'https://verifier.example.ca',
      dataDir,
    ])
  })
})

describe('plain http only on loopback, unless a flag allows it', () => {
  it('accepts http on loopback, and on a public host only with --allow-insecure-http', () => {
    expect(serviceConfigFromArgs('wallet-sim', 4300, ['--public-url', 'http://127.0.0.1:4300'], {}).publicUrl).toBe('http://127.0.0.1:4300')
    expect(() => serviceConfigFromArgs('wallet-sim', 4300, ['--public-url', 'http://wallet.example.ca'], {})).toThrow(/plain http to a host that is not loopback.*--allow-insecure-http/)
    const allowed = serviceConfigFromArgs('wallet-sim', 4300, ['--public-url', 'http://wallet.example.ca', '--allow-insecure-http'], {})
    expect([allowed.publicUrl, allowed.allowInsecureHttp]).toEqual(['http://wallet.example.ca', true])
  })

  it('a wallet started in code with a public http URL and no allowance refuses to start', async () => {
    await expect(startWalletService({ dataDir, publicUrl: 'http://wallet.example.ca', personas: [] })).rejects.toThrow(
      /Service URL 'http:\/\/wallet.example.ca' uses plain http to a host that is not loopback/,
    )
  })

  it('a service started as a process with a public non-https URL and no flag exits with a message saying what to do', async () => {
    const refused = await startProcess('wallet-sim/main.ts', ['--port', '0', '--public-url', 'http://wallet.example.ca'])
    expect(refused.code).not.toBe(0)
    expect(refused.output).toMatch(/Service URL 'http:\/\/wallet.example.ca' uses plain http to a host that is not loopback: use https, or allow it with --allow-insecure-http/)
  })
})
