import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadCredentialTypes } from '@interop-lab/common/credentialTypes'

/**
 * What the wallet checks of an OID4VP 1.0 request beyond what Credo verifies (the request object's signature and
 * client id prefix, §5.9.3), before it answers.
 */

/** The published data-minimization catalogue: for each purpose, the claims it needs of each credential type. */
const catalogue = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'verifier', 'purposes.json'), 'utf8')) as {
  purposes: Record<string, { necessaryClaims: Record<string, string[]> }>
}
const types = [...loadCredentialTypes().values()]

/** The `verifier_info` format (OID4VP 1.0 §5.1) in which a verifier declares its purpose by the catalogue's key. */
export const PURPOSE_VERIFIER_INFO = 'interop-lab-purpose'

interface DcqlCredentialQuery {
  meta?: { vct_values?: string[]; type_values?: string[][] }
  claims?: { path: (string | number | null)[] }[]
}

/**
 * Over-asking: a request that declares its purpose may ask only for that purpose's necessary claims. Answers why the
 * wallet refuses, or undefined. A request that declares no purpose cannot be judged here (the verifier's own
 * minimization check then applies).
 */
export function overAsked(payload: Record<string, unknown>): string | undefined {
  const declared = (payload.verifier_info as { format?: string; data?: { purpose?: string } }[] | undefined)?.find((info) => info.format === PURPOSE_VERIFIER_INFO)
  if (!declared) return undefined
  const purpose = String(declared.data?.purpose)
  const needs = catalogue.purposes[purpose]?.necessaryClaims
  if (!needs) return `The request declares the purpose '${purpose}', which the data-minimization catalogue does not list: refused (OID4VP 1.0 §5.1 verifier_info)`
  const queries = ((payload.dcql_query as { credentials?: DcqlCredentialQuery[] } | undefined)?.credentials ?? []) as DcqlCredentialQuery[]
  const excess: string[] = []
  for (const query of queries) {
    const typeId = types.find((type) => query.meta?.vct_values?.includes(type.vct) || query.meta?.type_values?.some((t) => t.includes(type.id)))?.id
    const allowed = (typeId && needs[typeId]) || []
    for (const { path } of query.claims ?? []) {
      const claim = String(path[path.length - 1])
      if (!allowed.includes(claim)) excess.push(`${typeId ?? 'an unlisted type'}.${claim}`)
    }
  }
  if (!excess.length) return undefined
  return `The request asks for more than its declared purpose '${purpose}' needs (${excess.join(', ')}): refused (OID4VP 1.0 §5.1 verifier_info, data minimization)`
}

export const replayMessage = (clientId: string) => `This wallet already answered a request from ${clientId} with this nonce: a replayed request is refused (OID4VP 1.0 §5.2 nonce, §14.1)`
