import { SdJwtVcModule, type SdJwtVcTypeMetadata } from '@credo-ts/core'
import { type CredentialType, loadCredentialTypes } from './credentialTypes'

type ResolverOptions = NonNullable<ConstructorParameters<typeof SdJwtVcModule>[0]>
type TypeMetadataResolver = NonNullable<ResolverOptions['customTypeMetadataResolver']>

/** SD-JWT VC Type Metadata (draft-ietf-oauth-sd-jwt-vc §6) for one of the lab's credential types, from its data file. */
export function sdJwtTypeMetadata(type: CredentialType): SdJwtVcTypeMetadata {
  return {
    vct: type.vct,
    name: type.id,
    display: [
      { locale: 'en-CA', name: type.display.en },
      { locale: 'fr-CA', name: type.display.fr },
    ],
    claims: Object.entries(type.claims).map(([name, claim]) => ({
      path: [name],
      sd: 'always' as const,
      display: [
        { locale: 'en-CA', label: claim.display.en },
        { locale: 'fr-CA', label: claim.display.fr },
      ],
    })),
  }
}

/** How long another type's metadata (or its absence) fetched over HTTPS is reused. */
const FETCHED_TTL_MS = 10 * 60_000
const MISSING_TTL_MS = 60_000

/**
 * A holder resolves a credential's type metadata when it receives it. The lab's own types are known
 * locally (their `vct` URLs are names, not documents anyone serves), so they are never fetched; others
 * are fetched over HTTPS as Credo does by default, and the answer is reused for a while rather than
 * fetched again for every credential received.
 */
export function typeMetadataResolver(types: Iterable<CredentialType> = loadCredentialTypes().values()): TypeMetadataResolver {
  const local = new Map([...types].map((type) => [type.vct, sdJwtTypeMetadata(type)]))
  const fetched = new Map<string, { until: number; metadata: Promise<Record<string, unknown> | undefined> }>()
  return async (vct, integrity, { defaultResolver, throwErrorOnFetchError, throwErrorOnUnsupportedVctValue }) => {
    // integrity protects the served document's bytes: only a fetch can be checked against it
    if (!integrity && local.has(vct)) return local.get(vct)
    const key = `${vct}#${integrity ?? ''}`
    const cached = fetched.get(key)
    if (cached && cached.until > Date.now()) return cached.metadata
    const metadata = defaultResolver({ throwErrorOnFetchError, throwErrorOnUnsupportedVctValue })
    fetched.set(key, { until: Date.now() + FETCHED_TTL_MS, metadata })
    metadata.then(
      (found) => found === undefined && fetched.set(key, { until: Date.now() + MISSING_TTL_MS, metadata }),
      () => fetched.delete(key),
    )
    return metadata
  }
}

/** Credo's SD-JWT VC module with the lab's type metadata resolver (register it on a holder agent as `sdJwtVc`). */
export const sdJwtVcModule = () => new SdJwtVcModule({ customTypeMetadataResolver: typeMetadataResolver() })
