import type { DifPresentationExchangeDefinitionV1 } from '@credo-ts/core'
import type { CredentialType } from '../../common/credentialTypes'
import { LDP_PROOF_TYPE } from '../../common/didcomm/ldp'
import { HttpError } from '../../common/http'
import type { VerificationPolicy } from '../policy'

/**
 * The DIF Presentation Exchange (v1) definition asking for exactly the claims the policy names, as
 * JSON-LD credentials: one input descriptor per credential, matched by W3C type (PEX v1 `schema`).
 */
export function presentationDefinitionFor(policy: VerificationPolicy, types: Map<string, CredentialType>): DifPresentationExchangeDefinitionV1 {
  return {
    id: policy.id,
    name: policy.name.en,
    purpose: policy.purpose.en,
    format: { ldp_vc: { proof_type: [LDP_PROOF_TYPE] }, ldp_vp: { proof_type: [LDP_PROOF_TYPE] } },
    input_descriptors: policy.credentials.map((wanted) => {
      const type = types.get(wanted.credentialType)
      if (!type) throw new HttpError(422, 'unknown_credential_type', `Policy ${policy.id} names unknown credential type ${wanted.credentialType}`)
      return {
        id: wanted.id,
        name: type.display.en,
        schema: [{ uri: type.w3cType.at(-1)! }],
        constraints: { fields: wanted.claims.map((claim) => ({ path: [`$.credentialSubject.${claim}`] })) },
      }
    }),
  }
}
