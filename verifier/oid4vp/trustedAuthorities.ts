import * as x509 from '@peculiar/x509'
import { MDOC_FORMAT, type RequestableFormat } from '@interop-lab/common/protocols'
import type { X509Anchor } from '@interop-lab/trust-registry/client'
import type { DcqlQuery } from '@credo-ts/core'
import { DomainError } from '@interop-lab/common/errors'
import type { VerificationPolicy } from '../policy'

/** A HAIP request cannot be made when the trust registry cannot say which authorities it names (a peer's failure: 502). */
export class TrustedAuthoritiesError extends DomainError<'trusted_authorities_unavailable'> {}

/** OID4VP 1.0 §6.1.1.1: an Authority Key Identifier as a trusted authority names it, the keyIdentifier's bytes in base64url. */
const base64urlOfHex = (hex: string) => Buffer.from(hex, 'hex').toString('base64url')

/** A CA certificate's own key identifier (its subjectKeyIdentifier): what the certificates it signs carry as their AKI. */
export function subjectAki(certificate: string): string | undefined {
  const keyId = new x509.X509Certificate(certificate).getExtension(x509.SubjectKeyIdentifierExtension)?.keyId
  return keyId ? base64urlOfHex(keyId) : undefined
}

/** The Authority Key Identifiers a credential's chain (x5c, an mdoc's x5chain) carries: one per certificate that names its issuer's key. */
export function chainAkis(chain: readonly string[]): string[] {
  return chain.flatMap((der) => {
    const keyId = new x509.X509Certificate(der).getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId
    return keyId ? [base64urlOfHex(keyId)] : []
  })
}

/**
 * HAIP 1.0 §5: each credential query names, as `trusted_authorities` of type `aki` (OID4VP 1.0 §6.1.1.1), the key
 * identifiers of the roots (SD-JWT VC) or IACAs (mdoc) the trust registry lists for its type; a query whose type has no
 * listed anchor names none (no wallet could match it).
 */
export async function withTrustedAuthorities(
  query: DcqlQuery,
  policy: VerificationPolicy,
  format: RequestableFormat,
  anchorsForType: (credentialType: string) => Promise<X509Anchor[]>,
): Promise<DcqlQuery> {
  const kind = format === MDOC_FORMAT ? 'iaca' : 'root'
  const credentials = await Promise.all(
    query.credentials.map(async (credentialQuery) => {
      const credentialType = policy.credentials.find((wanted) => wanted.id === credentialQuery.id)?.credentialType
      const listed = credentialType ? await anchorsForType(credentialType).catch(unavailable(credentialType)) : []
      const anchors = listed.filter((anchor) => anchor.kind === kind)
      const values = [...new Set(anchors.flatMap((anchor) => subjectAki(anchor.certificate) ?? []))]
      return values.length ? { ...credentialQuery, trusted_authorities: [{ type: 'aki' as const, values: values as [string, ...string[]] }] } : credentialQuery
    }),
  )
  return { ...query, credentials: credentials as DcqlQuery['credentials'] }
}

const unavailable = (credentialType: string) => (error: unknown) => {
  const why = error instanceof Error ? error.message : String(error)
  throw new TrustedAuthoritiesError(
    'upstream',
    'trusted_authorities_unavailable',
    `The trust registry could not list the authorities a HAIP request names for ${credentialType} (trusted_authorities, HAIP 1.0 §5 / OID4VP 1.0 §6.1.1.1): ${why}`,
  )
}
