import type { Kms } from '@credo-ts/core'
import { existsSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import type { AnonCredsIssuerMaterial } from '@interop-lab/common/anoncreds'
import type { Database } from '@interop-lab/common/db'
import { isLoopbackHost } from '@interop-lab/common/net/outboundPolicy'

/** The material shipped for the lab's own demo jurisdictions: DEMO-ONLY, its private keys are public. */
export const DEMO_MATERIAL_DIR = join(import.meta.dirname, 'demo-material')

/** One issuer's AnonCreds material as `generate-fixtures.ts --issuers` writes it (`<material dir>/<issuer key>.json`). */
export interface IssuerMaterialFile {
  /** The issuer's did:jwk, which its credential definitions name; its private key becomes the jurisdiction's DID key. */
  issuerId: string
  issuerPrivateJwk: Kms.KmsJwkPrivate
  definitions: Record<string, AnonCredsIssuerMaterial>
  /** Published with the lab (issuer/anoncreds/demo-material): a real deployment refuses it. */
  demoOnly?: boolean
}

/** How the issuer is deployed, as far as the demo material is concerned. */
export interface DeploymentSettings {
  /** The address the issuer listens on (default 127.0.0.1). */
  host?: string
  publicUrl?: string
  databaseEngine: 'sqlite' | 'postgres'
  /** INTEROP_MASTER_SECRET is read from here. */
  env: NodeJS.ProcessEnv
}

/**
 * Why this issuer is a real deployment, or undefined for the lab on one machine: listening or published beyond
 * loopback, sealing keys under a configured master secret, or keeping its data on a database server.
 */
export function realDeploymentReason(settings: DeploymentSettings): string | undefined {
  const loopback = (host: string) => isLoopbackHost(host) || host === '::1'
  const host = settings.host ?? '127.0.0.1'
  if (!loopback(host)) return `it listens on ${host}, not loopback`
  if (settings.publicUrl && !loopback(new URL(settings.publicUrl).hostname)) return `its public URL ${settings.publicUrl} is not loopback`
  if (settings.env.INTEROP_MASTER_SECRET) return 'INTEROP_MASTER_SECRET is set'
  if (settings.databaseEngine === 'postgres') return 'INTEROP_DATABASE_URL is set'
  return undefined
}

export interface MaterialOptions {
  /** A directory of `<issuer key>.json` given by the operator (--anoncreds-material, INTEROP_ANONCREDS_MATERIAL_DIR). */
  dir?: string
  deployment: DeploymentSettings
  /** The issuer's database: a party that already has a DID of its own keeps it (a data directory made before). */
  db: Database
  partyKeys: string[]
  log: (message: string) => void
}

/**
 * The AnonCreds material the issuer imports, by party key. With no directory given, the lab on one machine takes the
 * shipped DEMO-ONLY material, so every AnonCreds cell runs at first start; a real deployment refuses DEMO-ONLY
 * material wherever it comes from, and generates its own definitions instead.
 */
export async function chooseAnonCredsMaterial(options: MaterialOptions): Promise<Map<string, IssuerMaterialFile>> {
  const realDeployment = realDeploymentReason(options.deployment)
  // an empty setting (INTEROP_ANONCREDS_MATERIAL_DIR=) is no setting
  const dir = options.dir || (realDeployment ? undefined : DEMO_MATERIAL_DIR)
  const chosen = new Map<string, IssuerMaterialFile>()
  const refused: string[] = []
  const ownDid: string[] = []
  for (const partyKey of options.partyKeys) {
    const material = loadIssuerMaterial(dir, partyKey)
    if (!material) continue
    if (material.demoOnly && realDeployment) refused.push(partyKey)
    else if (material.demoOnly && !(await demoDidApplies(options.db, partyKey, material.issuerId))) ownDid.push(partyKey)
    else chosen.set(partyKey, material)
  }
  const demo = [...chosen.values()].filter((m) => m.demoOnly).length
  const where = dir && relative(process.cwd(), dir)
  if (demo) options.log(`imported DEMO-ONLY credential definitions for ${demo} issuer(s) from ${where}: their private keys are public, never issue real credentials with them`)
  if (refused.length) {
    options.log(
      `refused the DEMO-ONLY material in ${where} for ${refused.length} issuer(s) (${refused.join(', ')}): this is a real deployment (${realDeployment}); generating its own credential definitions instead`,
    )
  } else if (realDeployment && !options.dir) {
    options.log(`no DEMO-ONLY material for a real deployment (${realDeployment}): credential definitions are generated here once, or imported with --anoncreds-material`)
  }
  if (ownDid.length) options.log(`${ownDid.join(', ')} already have DIDs of their own in this data directory: their credential definitions are their own, not the DEMO-ONLY ones`)
  return chosen
}

/** The material for `issuerKey` in `dir`, if there is any. */
function loadIssuerMaterial(dir: string | undefined, issuerKey: string): IssuerMaterialFile | undefined {
  const file = dir ? join(dir, `${issuerKey}.json`) : undefined
  return file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as IssuerMaterialFile) : undefined
}

/** Demo material applies to a party with no DID yet (first start) or the demo's DID (later starts), not to one with its own. */
async function demoDidApplies(db: Database, partyKey: string, demoDid: string): Promise<boolean> {
  const [existing] = await db.query<{ did: string }>('SELECT did FROM identities WHERE party_key = ?', [partyKey])
  return !existing || existing.did === demoDid
}
