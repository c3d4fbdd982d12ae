import { parseArgs } from 'node:util'
import { resolve } from 'node:path'
import type { DatabaseConfig } from './db'
import { databaseConfigFor } from './db'
import { z } from 'zod'
import { type Clock, ControllableClock, systemClock } from './clock'
import { OutboundPolicy, requireSecureServiceUrl } from './net/outboundPolicy'

export interface ServiceConfig {
  port: number
  host: string
  dataDir: string
  database: DatabaseConfig
  adminApiKeys: string[]
  /** Hosts this service may fetch URLs from that came from outside (`--allow-outbound`); the service adds its peers. */
  outbound: OutboundPolicy
  /** The trust registry's signing key (JWK thumbprint) when configured; otherwise it is pinned on first use. */
  trustRegistryKey?: string
}

/** The lab's default admin key, for local runs only: set INTEROP_ADMIN_API_KEY anywhere else. */
export const LOCAL_ADMIN_API_KEY = 'local-admin-key-change-me'

/**
 * The admin API keys from `INTEROP_ADMIN_API_KEY` (comma-separated; the local default when unset). An empty entry
 * (`""`, `"key,"`) would accept a request with no key at all, so it is refused: the service does not start.
 */
export function adminApiKeysFrom(value: string | undefined): string[] {
  const keys = (value ?? LOCAL_ADMIN_API_KEY).split(',').map((key) => key.trim())
  const empty = keys.findIndex((key) => !key)
  if (empty >= 0) {
    // the message names the entry, never a key
    throw new Error(`INTEROP_ADMIN_API_KEY has an empty key (entry ${empty + 1} of ${keys.length}): an empty key would open every admin route. Set one or more non-empty keys, separated by commas`)
  }
  return keys
}

const flag = { type: 'string' } as const
/** The flags every service takes. */
const COMMON_FLAGS = {
  port: flag,
  host: flag,
  'data-dir': flag,
  'public-url': flag,
  'allow-outbound': flag,
  'allow-insecure-http': { type: 'boolean' },
  'trust-registry-key': flag,
  'controllable-clock': { type: 'boolean' },
} as const
/** The flags each service takes beyond the common ones. */
const SERVICE_FLAGS = {
  issuer: { 'trust-registry': flag, 'anoncreds-material': flag, workers: flag },
  verifier: { 'trust-registry': flag, issuer: flag },
  'wallet-sim': { 'trust-registry': flag, 'verifier-registry': flag },
  'trust-registry': { governance: flag, jurisdiction: flag },
} as const
export type ServiceName = keyof typeof SERVICE_FLAGS

/** Where a service announces itself when it is published beyond this machine (`--public-url`). */
const PUBLIC_URL_ENV: Record<ServiceName, string | undefined> = { issuer: 'ISSUER_PUBLIC_URL', verifier: 'VERIFIER_PUBLIC_URL', 'wallet-sim': 'WALLET_PUBLIC_URL', 'trust-registry': undefined }

const optionalText = z.string().trim().min(1).optional()
const url = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional()
const environmentSchema = z.object({
  INTEROP_HOST: optionalText,
  INTEROP_DATA_DIR: optionalText,
  INTEROP_ALLOWED_OUTBOUND_HOSTS: z.string().optional(),
  INTEROP_ALLOW_INSECURE_HTTP: z.enum(['true', 'false'], { error: 'expected true or false' }).optional(),
  INTEROP_CONTROLLABLE_CLOCK: z.enum(['true', 'false'], { error: 'expected true or false' }).optional(),
  TRUST_REGISTRY_KEY: optionalText,
  TRUST_REGISTRY_URL: url,
  TRUST_REGISTRY_GOVERNANCE: optionalText,
  TRUST_REGISTRY_JURISDICTION: optionalText,
  ISSUER_URL: url,
  ISSUER_PUBLIC_URL: url,
  VERIFIER_PUBLIC_URL: url,
  WALLET_PUBLIC_URL: url,
  INTEROP_NOTIFICATION_RETRY_BASE_MS: z.coerce.number().int().min(1).optional(),
})
const flagsSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).optional(),
  'public-url': url,
  'trust-registry': url,
  'verifier-registry': url,
  issuer: url,
  // processes serving the issuer's port on its one database (common/workers.ts); DIDComm needs one (see README)
  workers: z.coerce.number().int().min(1).max(32).optional(),
})

const splitList = (value: string | undefined) =>
  value
    ? value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean)
    : []

/** A configuration that does not parse: the service does not start, and the message says what to fix. */
export class ConfigError extends Error {
  public constructor(message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}

function parseFlags(service: ServiceName, argv: string[]) {
  const options = { ...COMMON_FLAGS, ...SERVICE_FLAGS[service] }
  const valid = Object.keys(options)
    .map((name) => `--${name}`)
    .join(', ')
  try {
    return parseArgs({ args: argv, strict: true, allowPositionals: false, options }).values
  } catch (error) {
    const offending = /'([^']+)'/.exec(error instanceof Error ? error.message : '')?.[1] ?? argv.join(' ')
    throw new ConfigError(`The ${service} does not take '${offending}' (a mistyped flag, or a value without its flag). Valid flags: ${valid}`)
  }
}

function parsed<T extends z.ZodType>(schema: T, input: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(input)
  if (!result.success) throw new ConfigError(`Invalid ${what}: ${result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`)
  return result.data
}

/**
 * A service's configuration when it is started on its own, from its flags and the environment, both validated: a
 * mistyped flag or a malformed value stops it with a message naming the valid flags or the field. Flags: see
 * `COMMON_FLAGS` and `SERVICE_FLAGS`; environment: `<SERVICE>_PORT`, `INTEROP_HOST`, `INTEROP_DATA_DIR`,
 * `INTEROP_ADMIN_API_KEY`, `INTEROP_DATABASE_URL`, `INTEROP_ALLOWED_OUTBOUND_HOSTS`, `INTEROP_ALLOW_INSECURE_HTTP`,
 * `TRUST_REGISTRY_KEY`, `TRUST_REGISTRY_URL`, `ISSUER_URL`, `<SERVICE>_PUBLIC_URL`, `TRUST_REGISTRY_GOVERNANCE`,
 * `TRUST_REGISTRY_JURISDICTION`, `INTEROP_NOTIFICATION_RETRY_BASE_MS`, `INTEROP_CONTROLLABLE_CLOCK`. Plain http is allowed to loopback only, unless
 * `--allow-insecure-http` (or `INTEROP_ALLOW_INSECURE_HTTP=true`) says otherwise: a public `http:` URL refuses to start.
 */
export function serviceConfigFromArgs(service: ServiceName, defaultPort: number, argv = process.argv.slice(2), env = process.env) {
  const values = parseFlags(service, argv) as Partial<Record<string, string | boolean>>
  const flags = parsed(flagsSchema, values, `flags for the ${service}`)
  const environment = parsed(environmentSchema, env, `environment for the ${service}`)
  const portVariable = `${service.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_PORT`
  const port = flags.port ?? parsed(z.coerce.number().int().min(0).max(65535).default(defaultPort), env[portVariable], portVariable)
  const dataDir = resolve(String(values['data-dir'] ?? environment.INTEROP_DATA_DIR ?? './data'))
  const allowInsecureHttp = values['allow-insecure-http'] === true || environment.INTEROP_ALLOW_INSECURE_HTTP === 'true'
  const publicUrlVariable = PUBLIC_URL_ENV[service]
  const publicUrl = flags['public-url'] ?? (publicUrlVariable ? (environment[publicUrlVariable as keyof typeof environment] as string | undefined) : undefined)
  const trustRegistryUrl = service === 'wallet-sim' ? flags['trust-registry'] : (flags['trust-registry'] ?? environment.TRUST_REGISTRY_URL)
  const issuerUrl = flags.issuer ?? environment.ISSUER_URL
  // the wallet: the registry listing the verifier roots HAIP requests are signed under (its --trust-registry if not given)
  const verifierRegistryUrl = flags['verifier-registry']
  for (const serviceUrl of [publicUrl, trustRegistryUrl, issuerUrl, verifierRegistryUrl]) if (serviceUrl) requireSecureServiceUrl(serviceUrl, allowInsecureHttp)
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined)
  return {
    port,
    host: String(values.host ?? environment.INTEROP_HOST ?? '127.0.0.1'),
    dataDir,
    database: databaseConfigFor(service, dataDir, env),
    outbound: new OutboundPolicy({ allowedHosts: splitList(text('allow-outbound') ?? environment.INTEROP_ALLOWED_OUTBOUND_HOSTS), allowInsecureHttp }),
    trustRegistryKey: text('trust-registry-key') ?? environment.TRUST_REGISTRY_KEY,
    adminApiKeys: adminApiKeysFrom(env.INTEROP_ADMIN_API_KEY),
    /** Plain http beyond loopback was allowed explicitly (`--allow-insecure-http`). */
    allowInsecureHttp,
    publicUrl,
    trustRegistryUrl,
    verifierRegistryUrl,
    issuerUrl,
    anonCredsMaterialDir: text('anoncreds-material'),
    governanceFile: text('governance') ?? environment.TRUST_REGISTRY_GOVERNANCE,
    jurisdiction: text('jurisdiction') ?? environment.TRUST_REGISTRY_JURISDICTION,
    notificationRetryBaseMs: environment.INTEROP_NOTIFICATION_RETRY_BASE_MS,
    /** A clock a lab run may move (`POST /clock`), only when asked for: never in the documented production topology. */
    clock: (values['controllable-clock'] === true || environment.INTEROP_CONTROLLABLE_CLOCK === 'true' ? new ControllableClock() : systemClock) as Clock,
    workers: flags.workers ?? 1,
  } satisfies ServiceConfig & Record<string, unknown>
}

const agentSettingsSchema = z.object({
  /** Credo's console logger (`off` unless set). */
  CREDO_LOG_LEVEL: z.enum(['test', 'trace', 'debug', 'info', 'warn', 'error', 'fatal', 'off']).default('off'),
  INTEROP_ANONCREDS_BACKEND: z.enum(['auto', 'native', 'wasm'], { error: 'expected auto, native or wasm' }).default('auto'),
  /** The file AnonCreds registry (default `<data dir>/anoncreds-registry`). */
  INTEROP_ANONCREDS_REGISTRY_DIR: optionalText,
  /** AnonCreds issuer material an issuer imports instead of generating it. */
  INTEROP_ANONCREDS_MATERIAL_DIR: optionalText,
})

/** The process-wide settings the agents read from the environment (log level, AnonCreds backend and files), validated. */
export const agentSettings = (env: NodeJS.ProcessEnv = process.env) => parsed(agentSettingsSchema, env, 'environment')
