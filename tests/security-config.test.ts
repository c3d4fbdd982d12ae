import { AnonCredsLinkSecretRecord } from '@credo-ts/anoncreds'
import { InjectionSymbols, type StorageService } from '@credo-ts/core'
import BetterSqlite3 from 'better-sqlite3'
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createAgent } from '@interop-lab/common/agent'
import { adminApiKeysFrom } from '@interop-lab/common/config'
import { requireApiKey } from '@interop-lab/common/http'
import { Sealer } from '@interop-lab/common/secrets'
import { startStack } from '@interop-lab/scenarios/stack'
import { loadScenarios } from '@interop-lab/scenarios/scenario'
import { freePort, type ServiceName } from './support/serviceProcess'

// Issue 13: private keys sealed at rest, private data files, admin keys that cannot be empty, and services that say
// they are ready only when they are.

const REPO = join(import.meta.dirname, '..')
const ADMIN_KEY = `admin-${randomBytes(18).toString('base64url')}`
const MATERIAL_DIR = join(REPO, 'tests', 'fixtures', 'anoncreds', 'issuers')
const businessClaims = (loadScenarios().find((s) => s.id === 'business-banking')!.steps[0] as { claims: Record<string, string> }).claims

let root: string
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'interop-security-config-'))
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** Every file under `dir`, recursively. */
const filesUnder = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]))

/** Which of `secrets` appear byte for byte in any of `files`. */
function foundInClear(files: string[], secrets: string[]): string[] {
  const contents = files.map((file) => readFileSync(file))
  return secrets.filter((secret) => contents.some((bytes) => bytes.includes(secret)))
}

/** The leaf strings of the fixture material's private parts: each credential definition's private key, each issuer's DID key. */
function fixturePrivateValues(): string[] {
  const leaves = (value: unknown): string[] => (typeof value === 'string' ? [value] : value && typeof value === 'object' ? Object.values(value).flatMap(leaves) : [])
  return readdirSync(MATERIAL_DIR).flatMap((name) => {
    const material = JSON.parse(readFileSync(join(MATERIAL_DIR, name), 'utf8')) as { issuerPrivateJwk: { d: string }; definitions: Record<string, { credentialDefinitionPrivate: unknown }> }
    return [material.issuerPrivateJwk.d, ...Object.values(material.definitions).flatMap((d) => leaves(d.credentialDefinitionPrivate))]
  })
}

describe('private keys at rest and data file permissions (issue 13: "Private keys in clear")', () => {
  let dataDir: string

  beforeAll(async () => {
    // a data directory the services create themselves (mkdtemp would make it 0700 already)
    dataDir = join(root, 'stack', 'data')
    const stack = await startStack({ dataDir, adminApiKey: ADMIN_KEY, env: {}, anonCredsMaterialDir: MATERIAL_DIR })
    try {
      // an AnonCreds issuance makes the wallet create its link secret
      const offer = await fetch(`${stack.issuer.url}/issuers/bc-registries/offers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
        body: JSON.stringify({ credentialType: 'BusinessRegistrationCredential', format: 'anoncreds', protocol: 'didcomm', claims: businessClaims }),
      })
      expect(offer.status).toBe(201)
      const { offerUri } = (await offer.json()) as { offerUri: string }
      const accepted = await fetch(`${stack.wallet.url}/personas/business-owner/offers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ offerUri }) })
      expect(accepted.status, await accepted.clone().text()).toBe(201)
    } finally {
      await stack.close()
    }
  }, 180_000)

  it('keeps no private key in clear in any file of the data directory: KMS keys, AnonCreds credential definition keys, link secrets', () => {
    // each service (each federated registry too) seals under the master secret of its own data directory
    const sealerFor = (file: string) => new Sealer(readFileSync(join(dirname(file), 'master.secret'), 'utf8').trim())
    const databases = filesUnder(dataDir).filter((file) => file.endsWith('.sqlite'))
    const kmsSecrets: string[] = []
    const linkSecrets: string[] = []
    for (const file of databases) {
      const db = new BetterSqlite3(file, { readonly: true })
      const sealer = sealerFor(file)
      for (const row of db.prepare('SELECT sealed FROM kms_keys').all() as { sealed: string }[]) kmsSecrets.push((JSON.parse(sealer.open(row.sealed)) as { d: string }).d)
      for (const row of db.prepare("SELECT value FROM credo_records WHERE type = 'AnonCredsLinkSecretRecord'").all() as { value: string }[]) {
        expect(row.value.startsWith('{'), `the link secret record in ${file} is stored as clear JSON`).toBe(false)
        linkSecrets.push((JSON.parse(sealer.open(row.value)) as { value: string }).value)
      }
      db.close()
    }
    expect(kmsSecrets.length).toBeGreaterThan(10) // every jurisdiction's DID key, the wallets' keys, the service signers
    expect(linkSecrets).toHaveLength(1) // business-owner's, made for the AnonCreds offer
    const files = filesUnder(dataDir)
    expect(foundInClear(files, kmsSecrets), 'KMS private keys (JWK d) in clear').toEqual([])
    expect(foundInClear(files, linkSecrets), 'AnonCreds link secret in clear').toEqual([])
    expect(foundInClear(files, fixturePrivateValues()), 'imported AnonCreds credential definition private keys or issuer DID keys in clear').toEqual([])
  })

  it('creates the data directory 0700 and every database file and the master secret 0600', () => {
    expect((statSync(dataDir).mode & 0o777).toString(8)).toBe('700')
    const privateFiles = filesUnder(dataDir).filter((file) => /\.sqlite(-wal|-shm)?$|master\.secret$/.test(file))
    expect(privateFiles.length).toBeGreaterThan(5)
    expect(Object.fromEntries(privateFiles.map((file) => [file, (statSync(file).mode & 0o777).toString(8)]))).toEqual(Object.fromEntries(privateFiles.map((file) => [file, '600'])))
  })

  it('seals a link secret stored in clear before sealing existed, on the next start, and leaves no clear copy in the file', async () => {
    const dir = join(root, 'migrated')
    const file = join(dir, 'wallet.sqlite')
    const secret = `${BigInt(`0x${randomBytes(32).toString('hex')}`)}`
    const record = new AnonCredsLinkSecretRecord({ linkSecretId: 'old-link-secret', value: secret })
    record.createdAt = new Date()
    const first = await createAgent({ database: { engine: 'sqlite', file }, dataDir: dir, modules: {} })
    await first.agent.dependencyManager.resolve<StorageService<AnonCredsLinkSecretRecord>>(InjectionSymbols.StorageService).save(first.agent.context, record)
    await first.shutdown()
    // what an earlier version wrote: the record's JSON in clear
    const raw = new BetterSqlite3(file)
    raw.prepare("UPDATE credo_records SET value = ? WHERE type = 'AnonCredsLinkSecretRecord'").run(JSON.stringify({ ...record.toJSON(), value: secret }))
    raw.close()
    expect(foundInClear([file], [secret])).toEqual([secret])

    const second = await createAgent({ database: { engine: 'sqlite', file }, dataDir: dir, modules: {} })
    const storage = second.agent.dependencyManager.resolve<StorageService<AnonCredsLinkSecretRecord>>(InjectionSymbols.StorageService)
    expect((await storage.getById(second.agent.context, AnonCredsLinkSecretRecord, record.id)).value).toBe(secret)
    await second.shutdown()
    expect(foundInClear(filesUnder(dir), [secret]), 'the clear link secret is still in the database file after the migration').toEqual([])
  })
})

/** Runs a service's main.ts; resolves to its exit code and output, or `'still running'` (then kills it) after `ms`. */
function runService(service: ServiceName, args: string[], env: NodeJS.ProcessEnv, ms: number): Promise<{ code: number | string; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(service, 'main.ts'), ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      resolve({ code: 'still running', output })
    }, ms)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ code: code ?? signal ?? 'unknown', output })
    })
  })
}

describe('admin API keys (issue 13: "Configuration": an empty key opens every admin route)', () => {
  // each service's main.ts with one of the empty forms (adminApiKeysFrom is checked with each form below)
  const emptyForms: [ServiceName, string][] = [
    ['trust-registry', ','],
    ['issuer', 'first-admin-key,'],
    ['verifier', ''],
    ['wallet-sim', ','],
  ]

  it.each(emptyForms)('%s refuses to start with INTEROP_ADMIN_API_KEY=%j, exiting non-zero with a message naming the setting', async (service, value) => {
    const port = await freePort()
    const args = ['--host', '127.0.0.1', '--port', String(port), '--data-dir', join(root, `admin-${service}`)]
    const { code, output } = await runService(service, args, { ...process.env, INTEROP_ADMIN_API_KEY: value }, 45_000)
    expect(code, output).not.toBe('still running')
    expect(code, output).not.toBe(0)
    expect(output).toMatch(/INTEROP_ADMIN_API_KEY has an empty key \(entry \d of \d\)/)
    expect(output, 'the message must not print the configured key').not.toContain('first-admin-key')
  })

  it('parses a comma-separated key list and refuses empty or blank entries', () => {
    expect(adminApiKeysFrom(`${ADMIN_KEY},second-key`)).toEqual([ADMIN_KEY, 'second-key'])
    expect(adminApiKeysFrom(undefined)).toHaveLength(1) // the local default
    for (const value of ['', ',', 'key,', ',key', 'a,,b', ' , key']) expect(() => adminApiKeysFrom(value), JSON.stringify(value)).toThrow(/empty key/)
  })

  it('requireApiKey refuses an empty key list or an empty key (an empty Bearer value would match it)', () => {
    expect(() => requireApiKey([])).toThrow(/at least one/)
    expect(() => requireApiKey([ADMIN_KEY, ''])).toThrow(/empty/)
  })
})

interface Probe {
  method: 'GET' | 'POST'
  path: string
  body?: unknown
  admin?: boolean
  /** What the route answers once the service is ready. */
  ready: number
}

const PROBES: Partial<Record<ServiceName, { args: string[]; probes: Probe[] }>> = {
  issuer: {
    args: [],
    probes: [
      { method: 'GET', path: '/capabilities', ready: 200 },
      { method: 'GET', path: '/issuers', ready: 200 },
      { method: 'GET', path: '/.well-known/openid-credential-issuer/oid4vci/bc-registries', ready: 200 },
      { method: 'POST', path: '/issuers/bc-registries/offers', admin: true, body: { credentialType: 'BusinessRegistrationCredential', format: 'dc+sd-jwt', claims: businessClaims }, ready: 201 },
    ],
  },
  verifier: {
    args: ['--trust-registry', 'http://127.0.0.1:9', '--issuer', 'http://127.0.0.1:9'],
    probes: [
      { method: 'GET', path: '/capabilities', ready: 200 },
      { method: 'GET', path: '/policies', ready: 200 },
      { method: 'POST', path: '/verifications', body: { policyId: 'open-business-account' }, ready: 201 },
    ],
  },
  'wallet-sim': {
    args: [],
    probes: [
      { method: 'GET', path: '/capabilities', ready: 200 },
      { method: 'GET', path: '/personas', ready: 200 },
      { method: 'GET', path: '/personas/business-owner/credentials', ready: 200 },
    ],
  },
}

describe('readiness (issue 13: "Readiness": listen last, ready only when every route and key exists)', () => {
  let child: ChildProcess | undefined
  // each service is stopped after its test, passed or failed
  afterEach(async () => {
    const running = child
    child = undefined
    if (!running || running.exitCode !== null || running.signalCode !== null) return
    const exited = new Promise((resolve) => running.once('exit', resolve))
    running.kill('SIGKILL')
    await exited
  })

  it.each(Object.keys(PROBES) as ServiceName[])(
    '%s answers only 503 with Retry-After from the moment its port accepts connections until /health says ready, then every route',
    async (service) => {
      const { args, probes } = PROBES[service]!
      const port = await freePort()
      const url = `http://127.0.0.1:${port}`
      const dataDir = join(root, `ready-${service}`)
      let output = ''
      child = spawn(process.execPath, ['--import', 'tsx', join(service, 'main.ts'), '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir, ...args], {
        cwd: REPO,
        env: { ...process.env, INTEROP_ADMIN_API_KEY: ADMIN_KEY },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
      const call = (probe: Pick<Probe, 'method' | 'path' | 'body' | 'admin'>) =>
        fetch(`${url}${probe.path}`, {
          method: probe.method,
          headers: { 'content-type': 'application/json', ...(probe.admin ? { authorization: `Bearer ${ADMIN_KEY}` } : {}) },
          body: probe.body === undefined ? undefined : JSON.stringify(probe.body),
          signal: AbortSignal.timeout(10_000),
        }).then(
          async (response) => ({ status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.text() }),
          () => undefined, // the port does not accept connections yet
        )

      const duringStartUp: { path: string; status: number; retryAfter: string | null; body: string }[] = []
      const deadline = Date.now() + 90_000
      let ready = false
      while (!ready) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${service} did not become ready:\n${output}`)
        const health = await call({ method: 'GET', path: '/health' })
        ready = health?.status === 200
        if (health && !ready) duringStartUp.push({ path: '/health', ...health })
        for (const probe of ready ? [] : probes) {
          const answer = await call(probe)
          // a probe answered just after /health said starting may already find the service ready
          if (answer && answer.status !== probe.ready) duringStartUp.push({ path: probe.path, ...answer })
        }
      }
      console.info(`[readiness] ${service}: ${duringStartUp.length} answers before ready`)
      expect(duringStartUp.filter((answer) => answer.status !== 503 || answer.retryAfter === null)).toEqual([])
      for (const probe of probes) expect((await call(probe))?.status, `${probe.method} ${probe.path}`).toBe(probe.ready)
    },
    120_000,
  )
})
