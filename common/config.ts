import { parseArgs } from 'node:util'
import { resolve } from 'node:path'
import type { DatabaseConfig } from './db'
import { databaseConfigFor } from './db'
import { OutboundPolicy } from './net/outboundPolicy'

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
    throw new Error(
      `INTEROP_ADMIN_API_KEY has an empty key (entry ${empty + 1} of ${keys.length}): an empty key would open every admin route. Set one or more non-empty keys, separated by commas`,
    )
  }
  return keys
}

const splitList = (value: unknown) => (typeof value === 'string' ? value.split(',').map((entry) => entry.trim()).filter(Boolean) : [])
const stringOrUndefined = (value: unknown) => (typeof value === 'string' && value ? value : undefined)

/**
 * Reads `--port`, `--host`, `--data-dir` (and env fallbacks `<SERVICE>_PORT`, `INTEROP_DATA_DIR`,
 * `INTEROP_ADMIN_API_KEY`, `INTEROP_DATABASE_URL`), the outbound allow-list (`--allow-outbound`,
 * `INTEROP_ALLOWED_OUTBOUND_HOSTS`, `--allow-insecure-http`, `INTEROP_ALLOW_INSECURE_HTTP`) and the trust registry's key
 * (`--trust-registry-key`, `TRUST_REGISTRY_KEY`) for a service started on its own.
 */
export function serviceConfigFromArgs(service: string, defaultPort: number, argv = process.argv.slice(2), env = process.env): ServiceConfig & { extra: Record<string, string | undefined> } {
  const { values } = parseArgs({
    args: argv,
    strict: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      'public-url': { type: 'string' },
      'trust-registry': { type: 'string' },
      issuer: { type: 'string' },
      governance: { type: 'string' },
      'anoncreds-material': { type: 'string' },
      'allow-outbound': { type: 'string' },
      'allow-insecure-http': { type: 'boolean' },
      'trust-registry-key': { type: 'string' },
    },
  })
  const envPrefix = service.toUpperCase().replace(/[^A-Z0-9]/g, '_')
  const port = Number(values.port ?? env[`${envPrefix}_PORT`] ?? defaultPort)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`Invalid port for ${service}: ${values.port}`)
  const dataDir = resolve(String(values['data-dir'] ?? env.INTEROP_DATA_DIR ?? './data'))
  return {
    port,
    host: String(values.host ?? env.INTEROP_HOST ?? '127.0.0.1'),
    dataDir,
    database: databaseConfigFor(service, dataDir, env),
    outbound: new OutboundPolicy({
      allowedHosts: splitList(values['allow-outbound'] ?? env.INTEROP_ALLOWED_OUTBOUND_HOSTS),
      allowInsecureHttp: values['allow-insecure-http'] === true || env.INTEROP_ALLOW_INSECURE_HTTP === 'true',
    }),
    trustRegistryKey: stringOrUndefined(values['trust-registry-key'] ?? env.TRUST_REGISTRY_KEY),
    adminApiKeys: adminApiKeysFrom(env.INTEROP_ADMIN_API_KEY),
    extra: values as Record<string, string | undefined>,
  }
}
