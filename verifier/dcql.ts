import type { DcqlQuery } from '@credo-ts/core'
import type { CredentialFormat, CredentialType } from '../common/credentialTypes'
import { HttpError } from '../common/http'
import type { VerificationPolicy } from './policy'

/** The DCQL query asking for exactly the claims the policy names, in one credential format. */
export function dcqlQueryFor(policy: VerificationPolicy, types: Map<string, CredentialType>, format: CredentialFormat): DcqlQuery {
  return {
    credentials: policy.credentials.map((wanted) => {
      const type = types.get(wanted.credentialType)
      if (!type) throw new HttpError(422, 'unknown_credential_type', `Policy ${policy.id} names unknown credential type ${wanted.credentialType}`)
      return format === 'dc+sd-jwt'
        ? { id: wanted.id, format, meta: { vct_values: [type.vct] }, claims: wanted.claims.map((claim) => ({ path: [claim] })) }
        : { id: wanted.id, format, meta: { type_values: [type.w3cType] }, claims: wanted.claims.map((claim) => ({ path: ['credentialSubject', claim] })) }
    }),
  } as DcqlQuery
}
