import { parseArgs } from 'node:util'
import { resolve } from 'node:path'
import type { DatabaseConfig } from './db'
import { databaseConfigFor } from './db'

export interface ServiceConfig {
  port: number
  host: string
  dataDir: string
  database: DatabaseConfig
  adminApiKeys: string[]
}

/** The lab's default admin key, for local runs only: set INTEROP_ADMIN_API_KEY anywhere else. */
export const LOCAL_ADMIN_API_KEY = 'local-admin-key-change-me'

/**
 * Reads `--port`, `--host`, `--data-dir` (and env fallbacks `<SERVICE>_PORT`, `INTEROP_DATA_DIR`,
 * `INTEROP_ADMIN_API_KEY`, `INTEROP_DATABASE_URL`) for a service started on its own.
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
    adminApiKeys: (env.INTEROP_ADMIN_API_KEY ?? LOCAL_ADMIN_API_KEY).split(','),
    extra: values as Record<string, string | undefined>,
  }
}
