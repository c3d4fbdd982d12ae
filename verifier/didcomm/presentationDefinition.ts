import type { DifPresentationExchangeDefinitionV1 } from '@credo-ts/core'
import { randomUUID } from 'node:crypto'
import type { CredentialType } from '@interop-lab/common/credentialTypes'
import { LDP_PROOF_TYPE } from '@interop-lab/common/didcomm/ldp'
import { bundledContexts, CONTEXTS } from '@interop-lab/common/jsonld'
import { PolicyError, type VerificationPolicy } from '../policy'

/** The IRI a credential type name of the lab's JSON-LD context expands to. */
function expandedTypeIri(name: string): string {
  const terms = (bundledContexts().get(CONTEXTS.interopLabCredentialsV1)?.['@context'] ?? {}) as Record<string, string | { '@id'?: string }>
  const term = terms[name]
  const iri = typeof term === 'string' ? term : term?.['@id']
  if (!iri) throw new Error(`The lab's JSON-LD context does not define the credential type ${name}`)
  return iri
}

/**
 * The DIF Presentation Exchange (v1) definition asking for exactly the claims the policy names, as
 * JSON-LD credentials: one input descriptor per credential, matched by W3C type (PEX v1 `schema`).
 * PE schema matching: compact vs expanded IRI — Credo matches the compact type name, ACA-Py the expanded
 * type IRI, and ACA-Py's holder looks for credentials of every schema not marked `required: false`: the list names
 * both, the compact one not required. ACA-Py also reads the definition's `id` as a UUID.
 */
export function presentationDefinitionFor(policy: VerificationPolicy, types: Map<string, CredentialType>): DifPresentationExchangeDefinitionV1 {
  return {
    id: randomUUID(),
    name: policy.name.en,
    purpose: policy.purpose.en,
    // only Ed25519Signature2020: ACA-Py 1.6 then signs its presentation with Ed25519Signature2018 (which this verifier
    // checks too); naming Ed25519Signature2018 here would make it look for credentials with 2018 proofs
    format: { ldp_vc: { proof_type: [LDP_PROOF_TYPE] }, ldp_vp: { proof_type: [LDP_PROOF_TYPE] } },
    input_descriptors: policy.credentials.map((wanted) => {
      const type = types.get(wanted.credentialType)
      if (!type) throw new PolicyError('unprocessable', 'unknown_credential_type', `Policy ${policy.id} names unknown credential type ${wanted.credentialType}`)
      return {
        id: wanted.id,
        name: type.display.en,
        schema: [{ uri: type.w3cType.at(-1)!, required: false }, { uri: expandedTypeIri(type.w3cType.at(-1)!) }],
        constraints: { fields: wanted.claims.map((claim) => ({ path: [`$.credentialSubject.${claim}`] })) },
      }
    }),
  }
}
