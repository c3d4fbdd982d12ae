import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import type { JWK } from 'jose'
import type { Capabilities } from '@interop-lab/common/protocols'
import type { RunReport } from '../report'
import { labSigner } from './labKey'

export const MANIFEST = 'manifest.json'
export const SIGNATURE = 'manifest.jws'
export const EVIDENCE_KIND = 'interop-lab-evidence/1'

const ROOT = join(import.meta.dirname, '..', '..')
const PILOTS_DIR = join(ROOT, 'scenarios', 'pilots')
const POLICIES_DIR = join(ROOT, 'verifier', 'policies')

export interface PartyVersion {
  role: 'issuer' | 'wallet' | 'verifier' | 'trust-registry'
  url?: string
  implementation: string
  version: string
  /** The git commit the lab ran from (`+modified` when its working tree had changes), or why it is unknown. */
  commit: string
  /** What the party said it speaks (`GET /capabilities`). */
  profile?: Capabilities['protocols']
}

export interface EvidenceManifest {
  kind: typeof EVIDENCE_KIND
  runId: string
  createdAt: string
  run: Pick<RunReport, 'startedAt' | 'finishedAt' | 'passed' | 'failed' | 'unsupported'>
  /** Every other file of the bundle, by its path inside it. */
  files: { path: string; sha256: string; bytes: number }[]
  signer: { alg: 'EdDSA'; jwk: JWK; thumbprint: string }
}

export interface EvidenceOptions {
  report: RunReport
  /** Where latest.json, latest.junit.xml and latest.html were written; bundles go to `<reportsDir>/evidence/<run id>/`. */
  reportsDir: string
  /** Where the lab's sealed signing key lives. */
  dataDir: string
  /** Which roles the lab's own services played (the others were another jurisdiction's). */
  local?: { issuer: boolean; wallet: boolean; verifier: boolean }
  /** The trust registry the run used, snapshotted as it answers. */
  trustRegistryUrl?: string
  env?: NodeJS.ProcessEnv
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

function labCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    const modified = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    return modified ? `${head}+modified` : head
  } catch {
    return 'unknown (not a git checkout)'
  }
}

function partyVersions(options: EvidenceOptions): PartyVersion[] {
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version
  const commit = labCommit()
  const { report } = options
  const roles = (['issuer', 'wallet', 'verifier'] as const).map((role): PartyVersion => {
    const isLocal = options.local?.[role] ?? true
    const described = report.capabilities?.[role]
    return {
      role,
      url: described?.url ?? report.endpoints?.[role],
      implementation: described?.implementation ?? (isLocal ? `interop-lab ${role}` : 'another party (remote service)'),
      version: isLocal ? version : 'unknown (remote service)',
      commit: isLocal ? commit : 'unknown (remote service)',
      profile: described?.capabilities?.protocols,
    }
  })
  const registry: PartyVersion[] = options.trustRegistryUrl ? [{ role: 'trust-registry', url: options.trustRegistryUrl, implementation: 'interop-lab trust-registry', version, commit }] : []
  return [...roles, ...registry]
}

/**
 * Every entity and recognition the registry lists, page after page, as it answered; in a federation, the same of each
 * jurisdiction's registry it links to (`linked`), where that jurisdiction's entities are.
 */
async function trustRegistrySnapshot(url: string) {
  const home = await registrySnapshot(url)
  const linked = await Promise.all(home.registries.map((link) => registrySnapshot(link.url)))
  return { ...home, ...(linked.length ? { linked } : {}) }
}

async function registrySnapshot(url: string) {
  const read = async <T>(path: string) => {
    const response = await fetch(`${url}${path}`)
    if (!response.ok) throw new Error(`GET ${url}${path} answered ${response.status}`)
    return (await response.json()) as T
  }
  const entities: unknown[] = []
  let authority: unknown
  for (let offset: number | undefined = 0; offset !== undefined; ) {
    const page: { authority: unknown; entities: unknown[]; next_offset?: number } = await read(`/registry/entities?offset=${offset}`)
    authority = page.authority
    entities.push(...page.entities)
    offset = page.next_offset
  }
  const { recognitions, registries = [] } = await read<{ recognitions: unknown[]; registries?: { jurisdiction: string; url: string; key: string }[] }>('/registry/recognitions')
  return { url, fetchedAt: new Date().toISOString(), authority, entities, recognitions, registries }
}

const jsonFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(dir, f))

/** A sortable, unique name for the run: its start time, then a random suffix. */
const runIdOf = (report: RunReport) => `${report.startedAt.replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`

/**
 * Writes the run's signed evidence bundle to `<reportsDir>/evidence/<run id>/`: its reports, the scenario and
 * policy files, every party's version, the trust registry as it answered, and a manifest of SHA-256 hashes signed
 * by the lab's key (`npm run verify-evidence <dir>` checks it offline).
 */
export async function recordEvidence(options: EvidenceOptions): Promise<{ runId: string; dir: string }> {
  const { report, reportsDir } = options
  const runId = runIdOf(report)
  const dir = join(reportsDir, 'evidence', runId)
  const usedScenarios = new Set(report.results.map((r) => r.scenarioId))
  const contents = new Map<string, Uint8Array>()
  for (const file of ['latest.json', 'latest.junit.xml', 'latest.html']) contents.set(`reports/${file}`, readFileSync(join(reportsDir, file)))
  for (const file of jsonFiles(PILOTS_DIR)) {
    const bytes = readFileSync(file)
    if (usedScenarios.has((JSON.parse(bytes.toString('utf8')) as { id: string }).id)) contents.set(`scenarios/${basename(file)}`, bytes)
  }
  for (const file of jsonFiles(POLICIES_DIR)) contents.set(`policies/${basename(file)}`, readFileSync(file))
  contents.set('parties.json', Buffer.from(JSON.stringify(partyVersions(options), null, 2)))
  const registryUrl = options.trustRegistryUrl
  // a registry that cannot be read now is said in the bundle, which still records the run
  const snapshot = registryUrl
    ? await trustRegistrySnapshot(registryUrl).catch((error: unknown) => ({
        url: registryUrl,
        error: `the trust registry could not be read after the run: ${error instanceof Error ? error.message : String(error)}`,
      }))
    : { note: 'this run used no trust registry of the lab: the issuer and verifier were both remote' }
  contents.set('trust-registry.json', Buffer.from(JSON.stringify(snapshot, null, 2)))

  const signer = await labSigner(options.dataDir, options.env)
  const manifest: EvidenceManifest = {
    kind: EVIDENCE_KIND,
    runId,
    createdAt: new Date().toISOString(),
    run: { startedAt: report.startedAt, finishedAt: report.finishedAt, passed: report.passed, failed: report.failed, unsupported: report.unsupported },
    files: [...contents].map(([path, bytes]) => ({ path, sha256: sha256(bytes), bytes: bytes.length })),
    signer: { alg: 'EdDSA', jwk: signer.publicJwk, thumbprint: signer.thumbprint },
  }
  for (const [path, bytes] of contents) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), bytes)
  }
  const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2))
  writeFileSync(join(dir, MANIFEST), manifestBytes)
  writeFileSync(join(dir, SIGNATURE), await signer.sign(manifestBytes))
  return { runId, dir }
}
