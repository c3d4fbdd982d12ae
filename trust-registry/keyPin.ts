import type { Database, Migration } from '@interop-lab/common/db'

/**
 * Which signing key a party trusts the trust registry at a URL to use: a configured JWK thumbprint
 * (`--trust-registry-key`, `TRUST_REGISTRY_KEY`), or the first one it saw, kept and required ever after.
 */
export interface RegistryKeyPin {
  /** The thumbprint required of the registry at `registryUrl`; `seen` becomes it when none is pinned yet. */
  required(registryUrl: string, seen: string): Promise<RequiredKey>
}

export interface RequiredKey {
  thumbprint: string
  /** Where the requirement comes from, for the error a changed key gets. */
  source: 'configured' | 'first use'
}

export const registryKeyPinMigrations: Migration[] = [
  { id: 'trust-registry-key-pins-1', sql: 'CREATE TABLE trust_registry_key_pins (registry_url TEXT PRIMARY KEY, thumbprint TEXT NOT NULL, pinned_at TEXT NOT NULL)' },
]

export const configuredKeyPin = (thumbprint: string): RegistryKeyPin => ({ required: async () => ({ thumbprint, source: 'configured' }) })

/** Pinned for as long as this process runs (a check built without a database). */
export function memoryKeyPin(): RegistryKeyPin {
  const pins = new Map<string, string>()
  return {
    async required(registryUrl, seen) {
      if (!pins.has(registryUrl)) pins.set(registryUrl, seen)
      return { thumbprint: pins.get(registryUrl)!, source: 'first use' }
    },
  }
}

/** Pinned in the service's database (survives restarts; replicas agree on the first key stored). */
export function databaseKeyPin(db: Database): RegistryKeyPin {
  // a stored pin never changes: once read, it is not asked of the database again
  const pinned = new Map<string, string>()
  return {
    async required(registryUrl, seen) {
      const known = pinned.get(registryUrl)
      if (known) return { thumbprint: known, source: 'first use' }
      await db.run('INSERT INTO trust_registry_key_pins (registry_url, thumbprint, pinned_at) VALUES (?, ?, ?) ON CONFLICT (registry_url) DO NOTHING', [registryUrl, seen, new Date().toISOString()])
      const [pin] = await db.query<{ thumbprint: string }>('SELECT thumbprint FROM trust_registry_key_pins WHERE registry_url = ?', [registryUrl])
      pinned.set(registryUrl, pin.thumbprint)
      return { thumbprint: pin.thumbprint, source: 'first use' }
    },
  }
}

/** The configured key when there is one, else the first one seen, kept in `db`. */
export const registryKeyPin = (db: Database, configuredThumbprint?: string): RegistryKeyPin => (configuredThumbprint ? configuredKeyPin(configuredThumbprint) : databaseKeyPin(db))
