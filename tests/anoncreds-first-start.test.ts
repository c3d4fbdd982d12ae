import Database from 'better-sqlite3'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Capabilities } from '@interop-lab/common/protocols'
import { DEMO_MATERIAL_DIR, type IssuerMaterialFile, realDeploymentReason } from '@interop-lab/issuer/anoncreds/material'
import { runMatrix } from '@interop-lab/scenarios/matrix'
import { loadScenarios } from '@interop-lab/scenarios/scenario'
import { freePort, type ServiceProcess, startServiceProcess } from './support/serviceProcess'
import { startTestStack } from './support/stack'

// The lab's own demo jurisdictions take the shipped DEMO-ONLY AnonCreds material at first start (so every AnonCreds
// cell runs in the first run); a real deployment refuses it and generates its own. Unlike every other test file, the
// issuers here do NOT import tests/fixtures/anoncreds/issuers (vitest.config.ts's INTEROP_ANONCREDS_MATERIAL_DIR).

const demoMaterial = readdirSync(DEMO_MATERIAL_DIR)
  .filter((file) => file.endsWith('.json'))
  .map((file) => JSON.parse(readFileSync(join(DEMO_MATERIAL_DIR, file), 'utf8')) as IssuerMaterialFile & { issuerKey: string })
const demoDefinitions = demoMaterial.flatMap((m) => Object.values(m.definitions))

const capabilitiesOf = async (issuerUrl: string) => (await (await fetch(`${issuerUrl}/capabilities`)).json()) as Capabilities
const didsOf = async (issuerUrl: string) => ((await (await fetch(`${issuerUrl}/issuers`)).json()) as { issuers: { key: string; did: string }[] }).issuers

describe('the embedded default on a fresh data directory', () => {
  const fixturesDir = process.env.INTEROP_ANONCREDS_MATERIAL_DIR
  const logged: string[] = []
  let stack: Awaited<ReturnType<typeof startTestStack>>

  beforeAll(async () => {
    delete process.env.INTEROP_ANONCREDS_MATERIAL_DIR
    const info = console.info
    vi.spyOn(console, 'info').mockImplementation((...args: unknown[]) => {
      logged.push(args.map(String).join(' '))
      info(...args)
    })
    stack = await startTestStack()
  })

  afterAll(async () => {
    vi.restoreAllMocks()
    process.env.INTEROP_ANONCREDS_MATERIAL_DIR = fixturesDir
    await stack?.close()
  })

  it('has every AnonCreds credential definition right after start, from the DEMO-ONLY material, and says so', async () => {
    expect(demoMaterial.every((m) => m.demoOnly === true)).toBe(true)
    const capabilities = await capabilitiesOf(stack.endpoints.issuer)
    expect(capabilities.pending).toBeUndefined()
    expect(capabilities.protocols.didcomm).toContain('anoncreds')
    expect(logged.filter((line) => line.includes('imported DEMO-ONLY credential definitions for 9 issuer(s)'))).toHaveLength(1)
    expect(logged.some((line) => line.includes('to generate in the background'))).toBe(false)
    // each demo jurisdiction is the material's DID, so its credential definitions are the ones the issuer holds
    const dids = new Map((await didsOf(stack.endpoints.issuer)).map((issuer) => [issuer.key, issuer.did]))
    for (const material of demoMaterial) expect(dids.get(material.issuerKey)).toBe(material.issuerId)
  })

  it('runs both pilots over DIDComm with AnonCreds in the first run', async () => {
    const baselines = loadScenarios().map((scenario) => ({ ...scenario, variants: [] }))
    const { results } = await runMatrix(stack.endpoints, baselines, { combinations: [{ protocol: 'didcomm', format: 'anoncreds' }] })
    expect(results.map((r) => [r.scenarioId, r.status, r.failure?.reason])).toEqual(baselines.map((s) => [s.id, 'pass', undefined]))
  })

  it('keeps the imported private keys sealed at rest (common/persistence/sealedRecords.ts), as generated ones are', () => {
    const file = join(stack.dataDir, 'issuer.sqlite')
    const db = new Database(file, { readonly: true })
    const stored = db.prepare("SELECT value FROM credo_records WHERE type = 'AnonCredsCredentialDefinitionPrivateRecord'").all() as { value: string }[]
    db.close()
    // each imported definition's key, and again under its did:webvh id for each definition offered (issuer/anoncreds/webvh.ts)
    expect(stored.length).toBeGreaterThan(demoDefinitions.length)
    expect(stored.every((row) => !row.value.startsWith('{'))).toBe(true)
    // no private prime of the demo material is in the database file in clear
    const bytes = readFileSync(file, 'latin1') + readFileSync(`${file}-wal`, 'latin1')
    for (const definition of demoDefinitions) {
      const prime = (definition.credentialDefinitionPrivate as { value: { p_key: { p: string } } }).value.p_key.p
      expect(bytes.includes(prime)).toBe(false)
    }
  })
})

describe('a real deployment refuses the DEMO-ONLY material and generates its own', () => {
  const dataDirs: string[] = []
  const processes: ServiceProcess[] = []
  /** The issuer as deployed on its own, with a master secret of its own: definitions are generated (in the background). */
  const startDeployedIssuer = async (args: string[]) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'interop-deployed-'))
    dataDirs.push(dataDir)
    const env: NodeJS.ProcessEnv = { ...process.env, INTEROP_MASTER_SECRET: 'a-deployment-master-secret-for-this-test' }
    delete env.INTEROP_ANONCREDS_MATERIAL_DIR
    const issuer = await startServiceProcess({ service: 'issuer', port: await freePort(), dataDir, args, env })
    processes.push(issuer)
    return issuer
  }

  afterAll(async () => {
    // stopping the process ends its generation workers with it
    for (const issuer of processes) await issuer.stop('SIGKILL')
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true })
  })

  it('does not take the demo material by default: its own DIDs, definitions pending with progress, a log line saying why', async () => {
    const issuer = await startDeployedIssuer([])
    expect(issuer.output()).toContain('no DEMO-ONLY material for a real deployment (INTEROP_MASTER_SECRET is set)')
    const capabilities = await capabilitiesOf(issuer.url)
    expect(capabilities.protocols.didcomm).not.toContain('anoncreds')
    expect(capabilities.pending?.anoncreds).toMatch(/^AnonCreds credential definitions are being generated \(0%: 0 of 9 ready/)
    const demoDids = new Set(demoMaterial.map((m) => m.issuerId))
    expect((await didsOf(issuer.url)).filter((i) => demoDids.has(i.did))).toEqual([])
  })

  it('refuses DEMO-ONLY files even from a directory given with --anoncreds-material', async () => {
    const issuer = await startDeployedIssuer(['--anoncreds-material', DEMO_MATERIAL_DIR])
    expect(issuer.output()).toMatch(/refused the DEMO-ONLY material in .*demo-material for 9 issuer\(s\) .*: this is a real deployment \(INTEROP_MASTER_SECRET is set\)/)
    expect((await capabilitiesOf(issuer.url)).pending?.anoncreds).toMatch(/being generated/)
  })

  it('counts as a real deployment: a non-loopback listening address or public URL, a master secret, a database server', () => {
    const local = { databaseEngine: 'sqlite' as const, env: {} }
    expect(realDeploymentReason(local)).toBeUndefined()
    expect(realDeploymentReason({ ...local, host: 'localhost', publicUrl: 'http://127.0.0.1:4200' })).toBeUndefined()
    expect(realDeploymentReason({ ...local, host: '0.0.0.0' })).toBe('it listens on 0.0.0.0, not loopback')
    expect(realDeploymentReason({ ...local, publicUrl: 'https://issuer.example' })).toBe('its public URL https://issuer.example is not loopback')
    expect(realDeploymentReason({ ...local, env: { INTEROP_MASTER_SECRET: 's' } })).toBe('INTEROP_MASTER_SECRET is set')
    expect(realDeploymentReason({ ...local, databaseEngine: 'postgres' })).toBe('INTEROP_DATABASE_URL is set')
  })
})
