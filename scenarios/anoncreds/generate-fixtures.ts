/**
 * Generates AnonCreds issuer material with the WASM backend, private keys included (the safe-prime search takes
 * about 46 s per definition on an idle core, much longer on a busy one; tests and the demo load the files instead):
 *
 *   npx tsx scenarios/anoncreds/generate-fixtures.ts [--out tests/fixtures/anoncreds]
 *     one test issuer with two CL credential definitions (a BC business-card-like credential and a person credential)
 *   npx tsx scenarios/anoncreds/generate-fixtures.ts --issuers [--out tests/fixtures/anoncreds/issuers]
 *     for every issuer of issuer/jurisdictions.json: its own did:jwk and a definition per credential type it issues,
 *     one `<issuer key>.json` each, the material the issuer service imports with `--anoncreds-material <dir>`
 *   npx tsx scenarios/anoncreds/generate-fixtures.ts --issuers --demo [--out issuer/anoncreds/demo-material]
 *     the same, labelled DEMO-ONLY: what a local lab imports at first start and a real deployment refuses
 */
import 'reflect-metadata'
import type { Kms } from '@credo-ts/core'
import { generateKeyPairSync } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { createAgent } from '@interop-lab/common/agent'
import {
  createAnonCredsModule,
  type CredentialDefinitionRequest,
  credentialDefinitionRequest,
  ensureCredentialDefinition,
  exportIssuerMaterial,
  FileAnonCredsRegistry,
} from '@interop-lab/common/anoncreds'
import { loadCredentialTypes } from '@interop-lab/common/credentialTypes'
import { loadHostedParties } from '@interop-lab/issuer/jurisdictions'

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

const TEST_WARNING = 'TEST-ONLY issuer material, private key included: never use outside tests. Regenerate with scenarios/anoncreds/generate-fixtures.ts.'
const DEMO_WARNING =
  "DEMO-ONLY issuer material, private keys included and published with the lab: for the lab's own demo jurisdictions on a local machine, never for real credentials. " +
  'A real deployment (non-loopback host, INTEROP_MASTER_SECRET or INTEROP_DATABASE_URL) refuses it and generates its own.'
const { values } = parseArgs({ options: { out: { type: 'string' }, issuers: { type: 'boolean', default: false }, demo: { type: 'boolean', default: false } } })
if (values.demo && !values.issuers) throw new Error('--demo labels per-issuer material: use it with --issuers')
const defaultOut = values.demo ? 'issuer/anoncreds/demo-material' : values.issuers ? 'tests/fixtures/anoncreds/issuers' : 'tests/fixtures/anoncreds'
const outDir = resolve(values.out ?? defaultOut)
const label = values.demo ? { _warning: DEMO_WARNING, demoOnly: true } : { _warning: TEST_WARNING }
const workDir = mkdtempSync(join(tmpdir(), 'anoncreds-fixtures-'))
const started = Date.now()
const log = (message: string) => console.info(`[fixtures +${((Date.now() - started) / 1000).toFixed(1)} s] ${message}`)

const registry = new FileAnonCredsRegistry(join(workDir, 'registry'))
const { agent, shutdown } = await createAgent({
  database: { engine: 'sqlite', file: join(workDir, 'issuer.sqlite') },
  dataDir: join(workDir, 'issuer'),
  modules: { anoncreds: await createAnonCredsModule({ registries: [registry], backend: 'wasm', onProgress: log }) },
})
/** A did:jwk whose private key is kept for the fixture: the issuer service imports it as the jurisdiction's DID. */
const newIssuer = async () => {
  const privateJwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) as Kms.KmsJwkPrivate
  const { keyId } = await agent.kms.importKey({ privateJwk })
  const created = await agent.dids.create({ method: 'jwk', options: { keyId } })
  if (!created.didState.did) throw new Error('Could not create a test issuer DID')
  return { issuerId: created.didState.did, privateJwk }
}
const newIssuerDid = async () => (await newIssuer()).issuerId
try {
  if (values.issuers) await generateIssuerMaterial()
  else await generateTestFixtures()
} finally {
  await shutdown()
  rmSync(workDir, { recursive: true, force: true })
}

/** One file per hosted issuer: its DID with the private key, and a credential definition per credential type. */
async function generateIssuerMaterial() {
  const types = loadCredentialTypes()
  const { issuers } = loadHostedParties()
  // every definition generates in its own worker thread (all at once: the cores are shared)
  const made = await Promise.all(
    issuers.map(async (issuer) => {
      const { issuerId, privateJwk } = await newIssuer()
      const definitions: Record<string, unknown> = {}
      for (const typeId of issuer.credentialTypes) {
        const request = credentialDefinitionRequest(types.get(typeId)!, issuerId)
        if (!request) continue
        const began = Date.now()
        const { credentialDefinitionId } = await ensureCredentialDefinition(agent, request)
        definitions[typeId] = { generationSeconds: Math.round((Date.now() - began) / 1000), ...(await exportIssuerMaterial(agent, credentialDefinitionId)) }
        log(`${issuer.key}: ${typeId} ready`)
      }
      return { issuerKey: issuer.key, issuerId, issuerPrivateJwk: privateJwk, definitions }
    }),
  )
  mkdirSync(outDir, { recursive: true })
  for (const material of made) {
    const file = join(outDir, `${material.issuerKey}.json`)
    writeFileSync(file, `${JSON.stringify({ ...label, generatedAt: new Date().toISOString(), ...material }, null, 2)}\n`)
    log(`wrote ${file}`)
  }
}

async function generateTestFixtures() {
  // AnonCreds never signs with the DID's key; the DID names the issuer (and is what a trust registry would list)
  const issuerId = await newIssuerDid()
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
      ...label,
      generatedAt: new Date().toISOString(),
      generationSeconds: Math.round(seconds),
      issuerId,
      ...material,
    }
    writeFileSync(join(outDir, `${file}.json`), `${JSON.stringify(fixture, null, 2)}\n`)
    log(`wrote ${join(outDir, `${file}.json`)} (${credentialDefinitionId}, generated in ${seconds.toFixed(1)} s)`)
  }
}
