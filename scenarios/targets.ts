import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { isNode, LineCounter, parseDocument } from 'yaml'
import { z } from 'zod'
import { didCommConnectionSchema } from '@interop-lab/contracts'
import { LOCAL_ADMIN_API_KEY } from '@interop-lab/common/config'
import { databaseConfigFor } from '@interop-lab/common/db'
import { startIssuerService } from '@interop-lab/issuer'
import { startTrustRegistry } from '@interop-lab/trust-registry'
import { startVerifierService } from '@interop-lab/verifier'
import type { TrustCheck } from '@interop-lab/verifier/decision'
import { trustRegistryCheck } from '@interop-lab/verifier/trust'
import { startWalletService } from '@interop-lab/wallet-sim'
import { sameKeyDidJwk } from '@interop-lab/common/didcomm/ldpDid'
import { OutboundPolicy } from '@interop-lab/common/net/outboundPolicy'
import type { RegistryEntity } from '@interop-lab/trust-registry/store'
import { callJson, exchangeJson } from './client'
import { type AcaPyPeer, acapyIssuer, acapyVerifier, acapyWallet } from './drivers/acapy'
import { labIssuer, labParties, labVerifier, labWallet } from './drivers/lab'
import { oid4vciHttpConfig, oid4vciHttpIssuer } from './drivers/oid4vciHttp'
import { oid4vpHttpConfig, oid4vpHttpVerifier } from './drivers/oid4vpHttp'
import { sdjwtCheckConfig, sdjwtCheckVerifier } from './drivers/sdjwtCheck'
import { sphereonWallet, sphereonWalletConfig } from './drivers/sphereonWallet'
import { type Parties, type Role, ROLES } from './drivers/types'
import { vcApiConfig, vcApiIssuer, vcApiTarget, vcApiVerifier } from './drivers/vcApi'
import { walletHttpConfig, walletHttpWallet } from './drivers/walletHttp'
import type { Implementations } from './matrix'
import { bindEntityDid, onboardIssuers, onboardVerifiers, onboardWalletProvider, subscribePrograms } from './onboarding'
import { type AcaPyAgent, acapyInstallation, startAcaPy } from './peers/acapy/agent'
import { AcaPyAdmin } from './peers/acapy/client'
import { startDashboard } from './dashboard/server'
import { HandoffBoard } from './handoffs'
import { startStack, type StackOptions } from './stack'
import type { Endpoints } from './steps'

const targetName = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and hyphens')

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')

/**
 * Another deployment of the lab, driven through its admin API (its key read from an environment variable); without
 * `url`, this lab's own local service, to cross it with the role's other implementations.
 */
const labConfig = z.strictObject({
  role: z.enum(ROLES),
  driver: z.literal('lab'),
  url: z.url({ protocol: /^https?$/ }).optional(),
  adminApiKeyEnv: envName.optional(),
  /** An issuer's or verifier's DIDComm exchanges: connectionless (default) or over a DID Exchange 1.1 connection (reported as `lab+did-exchange`). */
  connection: didCommConnectionSchema.optional(),
})

/**
 * ACA-Py through its admin API (scenarios/drivers/acapy.ts): `start` one from .venv-acapy for the run, or name a
 * running agent's `adminUrl` and its DIDComm `endpoint` (which the lab's services may then reach); an admin API
 * key, if the agent wants one, from the variable `adminApiKeyEnv` (sent as X-API-Key).
 */
const acapyConfig = z.strictObject({
  role: z.enum(ROLES),
  driver: z.literal('acapy'),
  start: z.boolean().optional(),
  adminUrl: z.url({ protocol: /^https?$/ }).optional(),
  endpoint: z.url({ protocol: /^https?$/ }).optional(),
  adminApiKeyEnv: envName.optional(),
  /** As for a lab party (`acapy@<name>+did-exchange`). */
  connection: didCommConnectionSchema.optional(),
})

const partyConfig = z.discriminatedUnion('driver', [
  labConfig.extend({ name: targetName }),
  oid4vciHttpConfig.extend({ name: targetName }),
  oid4vpHttpConfig.extend({ name: targetName }),
  walletHttpConfig.extend({ name: targetName }),
  acapyConfig.extend({ name: targetName }),
  sphereonWalletConfig.extend({ name: targetName }),
  sdjwtCheckConfig.extend({ name: targetName }),
  vcApiConfig.extend({ name: targetName }),
])
export type PartyConfig = z.infer<typeof partyConfig>

/**
 * A jurisdiction's deployed parties and what the lab should trust. Several parties in a role are crossed with those
 * of the other roles; a role with none is played by the lab.
 */
export const targetsFileSchema = z
  .strictObject({
    $schema: z.string().optional(),
    description: z.string().optional(),
    parties: z.array(partyConfig).min(1),
    trustRegistry: z
      .strictObject({
        /** DIDs to bind, for this run, to entities of the lab trust registry's governance file. */
        register: z.array(z.strictObject({ entity: z.string().min(1), did: z.string().regex(/^did:[a-z0-9]+:.+/, 'a DID') })).default([]),
        /** A foreign TRQP registry the lab verifier asks instead of the lab's own. */
        url: z.url({ protocol: /^https?$/ }).optional(),
      })
      .refine((trust) => !(trust.url && trust.register.length), 'register DIDs in the lab trust registry or name a foreign one (url), not both')
      .optional(),
  })
  .superRefine((file, context) => {
    file.parties.forEach((party, index) => {
      const first = file.parties.findIndex((other) => other.name === party.name)
      if (first < index) context.addIssue({ code: 'custom', path: ['parties', index, 'name'], message: `'${party.name}' names parties.${first} already: each party needs its own name` })
      if (party.driver === 'acapy' && !party.start === !(party.adminUrl && party.endpoint)) {
        context.addIssue({
          code: 'custom',
          path: ['parties', index],
          message: 'give either "start": true (an ACA-Py from .venv-acapy for the run) or the "adminUrl" and "endpoint" of a running agent',
        })
      }
    })
  })
export type TargetsFile = z.infer<typeof targetsFileSchema>

/** A targets file that is not valid, with every bad field named by its path. */
export class TargetsFileError extends Error {
  public constructor(file: string, problems: string[]) {
    super(`Invalid targets file ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'TargetsFileError'
  }
}

/**
 * The issues to show for one: a field that is a call or `"manual"` (a union) is reported by what is wrong inside the
 * call, with its path, rather than as "Invalid input".
 */
function fieldIssues(issue: z.core.$ZodIssue): { path: PropertyKey[]; message: string }[] {
  if (issue.code !== 'invalid_union') return [issue]
  const inside = issue.errors.filter((branch) => branch.some((inner) => inner.path.length > 0))
  if (inside.length !== 1) return [issue]
  return inside[0]!.flatMap((inner) => fieldIssues({ ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue))
}

/** A targets file's content, and where in the file a field is (` (line N)` for YAML, whose errors name the line). */
function parseTargetsText(file: string, text: string): { content: unknown; lineOf: (path: PropertyKey[]) => string } {
  if (!/\.ya?ml$/i.test(file)) return { content: JSON.parse(text), lineOf: () => '' }
  const lineCounter = new LineCounter()
  const document = parseDocument(text, { lineCounter })
  if (document.errors.length) throw new Error(document.errors.map((error) => error.message).join('; '))
  const lineOf = (path: PropertyKey[]) => {
    // a missing field is reported on the line of the nearest object that holds it
    for (let depth = path.length; depth >= 0; depth--) {
      const node = document.getIn(path.slice(0, depth), true)
      if (isNode(node) && node.range) return ` (line ${lineCounter.linePos(node.range[0]).line})`
    }
    return ''
  }
  return { content: document.toJS(), lineOf }
}

/** Reads and validates a targets file (JSON, or YAML when named `.yaml`/`.yml`), and the environment variables its headers and keys come from. */
export function loadTargetsFile(file: string, env: NodeJS.ProcessEnv = process.env): TargetsFile {
  let parsedText: ReturnType<typeof parseTargetsText>
  try {
    parsedText = parseTargetsText(file, readFileSync(file, 'utf8'))
  } catch (error) {
    throw new TargetsFileError(file, [`(file) ${error instanceof Error ? error.message : String(error)}`])
  }
  const parsed = targetsFileSchema.safeParse(parsedText.content)
  if (!parsed.success)
    throw new TargetsFileError(
      file,
      parsed.error.issues.flatMap(fieldIssues).map((issue) => `${issue.path.join('.') || '(top level)'}${parsedText.lineOf(issue.path)}: ${issue.message}`),
    )
  try {
    // a party played by what a run starts (a local lab service, an ACA-Py agent) is built then; its key is checked now
    parsed.data.parties.forEach((party, index) => {
      if (party.driver === 'acapy' || (party.driver === 'lab' && !party.url)) adminKeyOf(party, env, `parties.${index}`)
      else if (!playedByLab(party)) driverFor(party, env, `parties.${index}`, LOCAL_ADMIN_API_KEY)
    })
  } catch (error) {
    throw new TargetsFileError(file, [error instanceof Error ? error.message : String(error)])
  }
  return parsed.data
}

/** An issuer or verifier target whose offers or requests a person pastes (or scans) in the dashboard. */
const isManual = (party: PartyConfig) => (party.driver === 'oid4vci-http' && party.offer === 'manual') || (party.driver === 'oid4vp-http' && party.request === 'manual')

/** A `lab` or `vc-api` party without URL: this lab's own local service, started for the run. */
const playedByLab = (party: PartyConfig) => (party.driver === 'lab' || party.driver === 'vc-api') && !party.url

/** A party's admin API key, from the environment variable it names (undefined when it names none). */
function adminKeyOf(party: { adminApiKeyEnv?: string }, env: NodeJS.ProcessEnv, where: string): string | undefined {
  if (party.adminApiKeyEnv && !env[party.adminApiKeyEnv]) throw new Error(`${where}.adminApiKeyEnv: environment variable ${party.adminApiKeyEnv} is not set`)
  return party.adminApiKeyEnv ? env[party.adminApiKeyEnv] : undefined
}

/** What a run started for the parties that need it: the lab's local services, the ACA-Py agents (by party name). */
interface Started {
  local: Endpoints
  agents: Map<string, AcaPyPeer>
  /** Onboards a DID an ACA-Py issuer made for an issuing organisation, for the lab verifier to trust. */
  onIssuerDid: (party: string) => (issuer: string, did: string) => Promise<void>
  /** The lab trust registry's check, which the runner runs itself after a VC API verifier's verdict (that verifier asks none). */
  trust?: TrustCheck
  /** The offers and requests people paste in the dashboard, for `manual` targets. */
  handoffs?: HandoffBoard
}

/** The driver a targets file describes for one party (`started`: for a local lab service or an ACA-Py agent). */
export function driverFor(party: PartyConfig, env: NodeJS.ProcessEnv, where: string, defaultAdminApiKey: string, started?: Started): Parties[Role] {
  switch (party.driver) {
    case 'lab': {
      const key = adminKeyOf(party, env, where) ?? defaultAdminApiKey
      const local = !party.url
      const url = party.url?.replace(/\/+$/, '') ?? started?.local[party.role]
      if (!url) throw new Error(`${where}: the local lab ${party.role} is not started`)
      return party.role === 'issuer' ? labIssuer(url, key, local, party.connection) : party.role === 'wallet' ? labWallet(url, local) : labVerifier(url, key, local, party.connection)
    }
    case 'acapy': {
      const peer = started?.agents.get(party.name)
      if (!peer) throw new Error(`${where}: no ACA-Py agent for ${party.name}`)
      return party.role === 'issuer' ? acapyIssuer(peer, started!.onIssuerDid(party.name), party.connection) : party.role === 'wallet' ? acapyWallet(peer) : acapyVerifier(peer, party.connection)
    }
    case 'oid4vci-http':
      return oid4vciHttpIssuer(party.name, party, env, where, started?.handoffs)
    case 'oid4vp-http':
      return oid4vpHttpVerifier(party.name, party, env, where, started?.handoffs)
    case 'wallet-http':
      return walletHttpWallet(party.name, party, env, where)
    case 'sphereon-wallet':
      return sphereonWallet(party.name)
    case 'sdjwt-check':
      return sdjwtCheckVerifier(party.name)
    case 'vc-api': {
      const local = started && { url: started.local[party.role], adminApiKey: started.local.adminApiKey }
      const target = vcApiTarget(party.name, party, env, where, local?.url ? local : undefined)
      return party.role === 'issuer' ? vcApiIssuer(target, party) : vcApiVerifier(target, started?.trust)
    }
  }
}

/** Another jurisdiction's (or vendor's) services to run the scenarios against, instead of local ones. */
export interface RemoteEndpoints {
  issuer?: string
  verifier?: string
  wallet?: string
}

export interface Targets {
  /** The first implementation of each role. */
  parties: Parties
  /** Every implementation of each role, for the matrix to cross. */
  implementations: Implementations
  /** The lab's own services' endpoints (a role played by another party keeps the local URL it would have). */
  endpoints: Endpoints
  /** Which roles are played by local services, which by remote ones. */
  local: { issuer: boolean; verifier: boolean; wallet: boolean }
  /** The lab trust registry this run started, when a local issuer or verifier needed one. */
  trustRegistryUrl?: string
  /** The parties a targets file asked for: a run in which one ran no cell fails. */
  requested: { role: Role; name: string; implementation: string }[]
  dashboardUrl?: string
  /** What could not be set up (a remote issuer's onboarding), for the console. */
  warnings: string[]
  close(): Promise<void>
}

type Closable = { close(): Promise<void> }

/** Binds the targets file's DIDs to their entities in the lab trust registry, for this run. */
async function registerDids(registryUrl: string, adminApiKey: string, register: NonNullable<TargetsFile['trustRegistry']>['register']): Promise<void> {
  for (const [index, { entity, did }] of register.entries()) {
    const response = await bindEntityDid(registryUrl, entity, did, adminApiKey)
    if (response.status === 404) throw new Error(`trustRegistry.register.${index}: the lab trust registry has no entity '${entity}' (its entities come from trust-registry/governance.json)`)
    if (!response.ok) throw new Error(`trustRegistry.register.${index}: the lab trust registry refused to bind ${did} to '${entity}': ${response.status} ${await response.text()}`)
  }
}

/**
 * Gives the DID an ACA-Py issuer made for an issuing organisation the same standing as that organisation in the lab
 * trust registry: an entity `<organisation>-<party>` with its jurisdiction, authorizations and assurance (the registry binds one
 * DID per entity, and the lab's own issuer keeps its own). An organisation the governance file does not name (the
 * untrusted-issuer variant's) is left unknown, hence untrusted.
 */
async function mirrorEntity(registryUrl: string, adminApiKey: string, organisation: string, party: string, did: string): Promise<void> {
  const { entities } = await callJson<{ entities: RegistryEntity[] }>('GET', `${registryUrl}/registry/entities?limit=5000`)
  const entity = entities.find((e) => e.key === organisation)
  if (!entity) return
  // the registry is asked about the did:jwk of a did:key issuer's key (verifier/trust.ts)
  const entityId = sameKeyDidJwk(did)
  const key = `${organisation}-${party}`.slice(0, 100)
  const { key: _organisation, entityId: _labDid, ...standing } = entity
  const created = await exchangeJson('POST', `${registryUrl}/admin/entities`, { ...standing, key, entityId }, adminApiKey)
  // a data directory used before has the entity already: it gets this run's DID
  if (created.response.status === 409) await callJson('PUT', `${registryUrl}/admin/entities/${key}/did`, { did: entityId }, adminApiKey)
  else if (!created.response.ok) throw new Error(`The lab trust registry refused entity ${key} for ${did}: ${created.response.status} ${created.text}`)
}

/** The ACA-Py agents the targets file asks the run to start (by party name): from .venv-acapy, or why not. */
async function startAgents(parties: PartyConfig[], started: Closable[]): Promise<Map<string, AcaPyAgent & { installKind: string }>> {
  const wanted = parties.flatMap((party, index) => (party.driver === 'acapy' && party.start ? [{ party, index }] : []))
  if (!wanted.length) return new Map()
  const installation = acapyInstallation()
  if ('unsupported' in installation) throw new Error(`parties.${wanted[0]!.index}: cannot start ACA-Py: ${installation.unsupported}`)
  const agents = await Promise.allSettled(wanted.map(({ party }) => startAcaPy(installation.acaPy, `Interop Lab ${party.name}`)))
  for (const agent of agents) if (agent.status === 'fulfilled') started.push({ close: () => agent.value.stop() })
  const failed = agents.findIndex((agent) => agent.status === 'rejected')
  if (failed >= 0) throw new Error(`parties.${wanted[failed]!.index}: ACA-Py did not start: ${String((agents[failed] as PromiseRejectedResult).reason)}`)
  return new Map(wanted.map(({ party }, i) => [party.name, { ...(agents[i] as PromiseFulfilledResult<AcaPyAgent>).value, installKind: installation.kind }]))
}

/**
 * The parties a run targets: the whole local stack (with its dashboard) when nothing is remote; otherwise
 * local services only for the roles the lab plays (a role no party names, or a `lab` party without URL), the ACA-Py
 * agents the file asks to start, plus a local trust registry when a local issuer or verifier needs one. Several
 * parties in a role make `implementations` lists that the matrix crosses.
 */
export async function startTargets(options: StackOptions & { remote?: RemoteEndpoints; file?: TargetsFile }): Promise<Targets> {
  const adminApiKey = options.adminApiKey ?? LOCAL_ADMIN_API_KEY
  const env = options.env ?? process.env
  const remoteParties: PartyConfig[] = ROLES.flatMap((role) => {
    const url = options.remote?.[role]
    return url ? [{ name: `remote-${role}`, role, driver: 'lab' as const, url }] : []
  })
  const configured: PartyConfig[] = [...(options.file?.parties ?? []), ...remoteParties]
  const where = (index: number) => (index < (options.file?.parties.length ?? 0) ? `parties.${index}` : `--${configured[index]!.role}-url`)
  if (!configured.length) {
    // every party is the lab's: its pilots' waits move the lab's one clock instead of sleeping
    const stack = await startStack({ ...options, controllableClock: true })
    const parties = labParties(stack.endpoints)
    return {
      parties,
      implementations: { issuer: [parties.issuer], wallet: [parties.wallet], verifier: [parties.verifier] },
      endpoints: stack.endpoints,
      local: { issuer: true, verifier: true, wallet: true },
      requested: [],
      trustRegistryUrl: stack.trustRegistry.url,
      dashboardUrl: stack.dashboardUrl,
      warnings: [],
      close: () => stack.close(),
    }
  }
  const ofRole = (role: Role) => configured.filter((party) => party.role === role)
  // the lab plays a role no party names, and one a `lab` party without URL names
  const labPlays = (role: Role) => !ofRole(role).length || ofRole(role).some(playedByLab)
  // a VC API verifier asks no trust registry: the runner asks the lab's (or the foreign one) after its verdict
  const vcApiVerifies = ofRole('verifier').some((party) => party.driver === 'vc-api')
  const remoteLabUrl = (role: Role) => ofRole(role).flatMap((party) => (party.driver === 'lab' && party.url ? [party.url.replace(/\/+$/, '')] : []))[0]
  const host = options.host ?? '127.0.0.1'
  const database = (service: string) => databaseConfigFor(service, options.dataDir, env)
  const started: Closable[] = []
  const warnings: string[] = []
  const trust = options.file?.trustRegistry
  try {
    const agents = await startAgents(configured, started)
    const peers = new Map<string, AcaPyPeer>()
    const peerEndpoints: string[] = []
    for (const [index, party] of configured.entries()) {
      if (party.driver !== 'acapy') continue
      const agent = agents.get(party.name)
      const headers: Record<string, string> = {}
      const key = adminKeyOf(party, env, where(index))
      if (key) headers['x-api-key'] = key
      const admin = agent?.admin ?? new AcaPyAdmin(party.adminUrl!.replace(/\/+$/, ''), () => '', headers)
      peers.set(party.name, { name: party.name, admin, installKind: agent ? agent.installKind : 'remote', errors: agent?.errors })
      peerEndpoints.push(agent?.endpoint ?? party.endpoint!)
    }
    // the lab's services answer the agents' DIDComm endpoints on their own: on their outbound allow-list
    const outbound = peerEndpoints.length ? (options.outbound ?? new OutboundPolicy()).allowing(...peerEndpoints) : options.outbound
    const needsRegistry = labPlays('issuer') || ((labPlays('verifier') || vcApiVerifies) && !trust?.url)
    const registry = needsRegistry
      ? await startTrustRegistry({ port: options.ports?.trustRegistry, host, dataDir: options.dataDir, adminApiKeys: [adminApiKey], database: database('trust_registry') })
      : undefined
    if (registry) started.push(registry)
    const issuer = labPlays('issuer')
      ? await startIssuerService({
          port: options.ports?.issuer,
          host,
          dataDir: options.dataDir,
          database: database('issuer'),
          adminApiKeys: [adminApiKey],
          trustRegistryUrl: registry?.url,
          outbound,
          anonCredsMaterialDir: options.anonCredsMaterialDir,
        })
      : undefined
    if (issuer) started.push(issuer)
    // a remote lab issuer publishes the notifications the local verifier checks
    // the lab issuer publishes the notifications the local verifier checks, when it is in the run
    const labIssuerUrl = issuer?.url ?? remoteLabUrl('issuer')
    const verifier = labPlays('verifier')
      ? await startVerifierService({
          port: options.ports?.verifier,
          host,
          dataDir: options.dataDir,
          database: database('verifier'),
          trust: trust?.url ? { url: trust.url } : trustRegistryCheck(registry!.url),
          adminApiKeys: [adminApiKey],
          publisherJwksUrl: labIssuerUrl && `${labIssuerUrl}/notifications/jwks.json`,
          outbound,
        })
      : undefined
    if (verifier) started.push(verifier)
    const wallet = labPlays('wallet')
      ? await startWalletService({
          port: options.ports?.wallet,
          host,
          dataDir: options.dataDir,
          databaseFor: (id) => database(`wallet_${id}`),
          trustRegistryUrl: options.walletTrustRegistry ? registry?.url : undefined,
          // HAIP requests are signed under a verifier root this registry lists
          verifierRegistryUrl: registry?.url,
        })
      : undefined
    if (wallet) started.push(wallet)
    const startedParts: Started = {
      local: { issuer: issuer?.url ?? '', verifier: verifier?.url ?? '', wallet: wallet?.url ?? '', adminApiKey },
      agents: peers,
      onIssuerDid: (party) => async (organisation, did) => {
        if (registry) await mirrorEntity(registry.url, adminApiKey, organisation, party, did)
      },
      trust: trust?.url ? trustRegistryCheck(trust.url) : registry && trustRegistryCheck(registry.url),
      handoffs: configured.some(isManual) ? new HandoffBoard() : undefined,
    }
    const localParties = labParties(startedParts.local)
    const built = configured.map((party, index) => ({ party, index, driver: driverFor(party, env, where(index), adminApiKey, startedParts) }))
    const implementationsOf = <R extends Role>(role: R): Parties[R][] => {
      const drivers = built.flatMap(({ party, driver }) => (party.role === role ? [driver as Parties[R]] : []))
      return drivers.length ? drivers : [localParties[role]]
    }
    const implementations: Implementations = { issuer: implementationsOf('issuer'), wallet: implementationsOf('wallet'), verifier: implementationsOf('verifier') }
    // a role the lab does not play keeps its first party's URL
    const endpoints: Endpoints = {
      issuer: issuer?.url ?? implementations.issuer[0]!.url,
      verifier: verifier?.url ?? implementations.verifier[0]!.url,
      wallet: wallet?.url ?? implementations.wallet[0]!.url,
      adminApiKey,
    }
    // the lab issuer is onboarded when it plays, and so is a remote lab issuer the local registry serves
    if (registry && labIssuerUrl)
      await onboardIssuers(labIssuerUrl, registry.url, adminApiKey).catch((error: unknown) => warnings.push(`trust registry onboarding of ${labIssuerUrl} failed: ${String(error)}`))
    if (trust?.register.length) {
      if (!registry || (verifier === undefined && !vcApiVerifies))
        warnings.push('trustRegistry.register: the lab plays no verifier in this run, so nothing asks its trust registry; the DIDs were not registered')
      else await registerDids(registry.url, adminApiKey, trust.register)
    }
    const labVerifierUrl = verifier?.url ?? remoteLabUrl('verifier')
    const labWalletUrl = wallet?.url ?? remoteLabUrl('wallet')
    // HAIP: the lab verifier's request certificates and the lab wallet's attestations chain to roots the registry lists
    if (registry && labVerifierUrl)
      await onboardVerifiers(labVerifierUrl, registry.url, adminApiKey).catch((error: unknown) =>
        warnings.push(`trust registry listing of ${labVerifierUrl}'s verifier roots failed: ${String(error)}`),
      )
    if (registry && labWalletUrl)
      await onboardWalletProvider(labWalletUrl, registry.url, adminApiKey).catch((error: unknown) =>
        warnings.push(`trust registry listing of ${labWalletUrl}'s wallet-provider root failed: ${String(error)}`),
      )
    if (labIssuerUrl && labVerifierUrl) await subscribePrograms(labIssuerUrl, labVerifierUrl, adminApiKey).catch((error: unknown) => warnings.push(`program subscriptions failed: ${String(error)}`))
    // the dashboard, for people to paste or scan the offers and requests of `manual` targets
    const { handoffs } = startedParts
    const dashboard = handoffs
      ? await startDashboard({
          port: options.ports?.dashboard,
          host,
          endpoints,
          trustRegistryUrl: registry?.url ?? trust?.url ?? '',
          reportsDir: options.reportsDir ?? join(options.dataDir, 'reports'),
          publicUrl: options.dashboardPublicUrl,
          handoffs,
        })
      : undefined
    if (dashboard) {
      started.push(dashboard)
      handoffs!.link = dashboard.loginUrl
    }
    return {
      parties: { issuer: implementations.issuer[0]!, wallet: implementations.wallet[0]!, verifier: implementations.verifier[0]! },
      implementations,
      endpoints,
      dashboardUrl: dashboard?.loginUrl,
      local: { issuer: labPlays('issuer'), verifier: labPlays('verifier'), wallet: labPlays('wallet') },
      trustRegistryUrl: registry?.url,
      requested: built.filter(({ index }) => index < (options.file?.parties.length ?? 0)).map(({ party, driver }) => ({ role: party.role, name: party.name, implementation: driver.implementation })),
      warnings,
      async close() {
        for (const service of started.reverse()) await service.close()
      },
    }
  } catch (error) {
    for (const service of started.reverse()) await service.close().catch(() => undefined)
    throw error
  }
}
