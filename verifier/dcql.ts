import type { DcqlQuery } from '@credo-ts/core'
import type { CredentialType } from '@interop-lab/common/credentialTypes'
import { MDOC_FORMAT, type RequestableFormat } from '@interop-lab/common/protocols'
import { PolicyError, type VerificationPolicy } from './policy'

/** The DCQL query asking for exactly the claims the policy names, in one credential format. */
export function dcqlQueryFor(policy: VerificationPolicy, types: Map<string, CredentialType>, format: RequestableFormat): DcqlQuery {
  return {
    credentials: policy.credentials.map((wanted) => {
      const type = types.get(wanted.credentialType)
      if (!type) throw new PolicyError('unprocessable', 'unknown_credential_type', `Policy ${policy.id} names unknown credential type ${wanted.credentialType}`)
      if (format === MDOC_FORMAT) {
        if (!type.mdoc) throw new PolicyError('unprocessable', 'unsupported_format', `Policy ${policy.id} asks for ${type.id}, which has no mdoc doctype: it cannot be asked as ${MDOC_FORMAT}`)
        // a data element is named by its namespace and identifier (OID4VP 1.0 §7.1.1, mso_mdoc claims path)
        const { docType, namespace } = type.mdoc
        return { id: wanted.id, format, meta: { doctype_value: docType }, claims: wanted.claims.map((claim) => ({ path: [namespace, claim], intent_to_retain: false })) }
      }
      return format === 'dc+sd-jwt'
        ? { id: wanted.id, format, meta: { vct_values: [type.vct] }, claims: wanted.claims.map((claim) => ({ path: [claim] })) }
        : { id: wanted.id, format, meta: { type_values: [type.w3cType] }, claims: wanted.claims.map((claim) => ({ path: ['credentialSubject', claim] })) }
    }),
  } as DcqlQuery
}
