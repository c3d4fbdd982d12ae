/**
 * Generates the AnonCreds test fixtures: one test issuer with two CL credential definitions (a BC business-card-like
 * credential and a person credential), made with the WASM backend and written, private keys included, to
 * tests/fixtures/anoncreds/. Generation takes minutes (safe-prime search); tests load the files instead.
 *
 *   npx tsx scenarios/anoncreds/generate-fixtures.ts [--out tests/fixtures/anoncreds]
 */
import 'reflect-metadata'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { createAgent } from '../../common/agent'
import { createAnonCredsModule, type CredentialDefinitionRequest, ensureCredentialDefinition, exportIssuerMaterial, FileAnonCredsRegistry } from '../../common/anoncreds'

const FIXTURES: Record<string, Omit<CredentialDefinitionRequest, 'issuerId'>> = {
  'business-card': {
    name: 'business_card',
    version: '1.0',
    tag: 'test',
    attrNames: [
      'business_number',
      'legal_name',
      'registration_status',
      'registration_date',
      'business_type',
      'jurisdiction',
      'representative_given_name',
      'representative_family_name',
      'representative_role',
    ],
  },
  person: { name: 'person', version: '1.0', tag: 'test', attrNames: ['given_names', 'family_name', 'birthdate_dateint', 'region'] },
}

const { values } = parseArgs({ options: { out: { type: 'string', default: 'tests/fixtures/anoncreds' } } })
const outDir = resolve(values.out ?? 'tests/fixtures/anoncreds')
const workDir = mkdtempSync(join(tmpdir(), 'anoncreds-fixtures-'))
const started = Date.now()
const log = (message: string) => console.info(`[fixtures +${((Date.now() - started) / 1000).toFixed(1)} s] ${message}`)

const registry = new FileAnonCredsRegistry(join(workDir, 'registry'))
const { agent, shutdown } = await createAgent({
  database: { engine: 'sqlite', file: join(workDir, 'issuer.sqlite') },
  dataDir: join(workDir, 'issuer'),
  modules: { anoncreds: await createAnonCredsModule({ registries: [registry], backend: 'wasm', onProgress: log }) },
})
try {
  // AnonCreds never signs with the DID's key; the DID names the issuer (and is what a trust registry would list)
  const created = await agent.dids.create({ method: 'jwk', options: { createKey: { type: { kty: 'OKP', crv: 'Ed25519' } } } })
  const issuerId = created.didState.did
  if (!issuerId) throw new Error('Could not create the test issuer DID')
  log(`test issuer ${issuerId}`)
  // the two definitions generate in parallel worker threads (one per core)
  const made = await Promise.all(
    Object.entries(FIXTURES).map(async ([file, request]) => {
      const began = Date.now()
      const { credentialDefinitionId } = await ensureCredentialDefinition(agent, { ...request, issuerId })
      return { file, credentialDefinitionId, seconds: (Date.now() - began) / 1000 }
    }),
  )
  mkdirSync(outDir, { recursive: true })
  for (const { file, credentialDefinitionId, seconds } of made) {
    const material = await exportIssuerMaterial(agent, credentialDefinitionId)
    const fixture = {
      _warning: 'TEST-ONLY issuer material, private key included: never use outside tests. Regenerate with scenarios/anoncreds/generate-fixtures.ts.',
      generatedAt: new Date().toISOString(),
      generationSeconds: Math.round(seconds),
      issuerId,
      ...material,
    }
    writeFileSync(join(outDir, `${file}.json`), `${JSON.stringify(fixture, null, 2)}\n`)
    log(`wrote ${join(outDir, `${file}.json`)} (${credentialDefinitionId}, generated in ${seconds.toFixed(1)} s)`)
  }
} finally {
  await shutdown()
  rmSync(workDir, { recursive: true, force: true })
}
