import { type AnonCredsCredentialRecord, type AnonCredsProofRequest, AnonCredsRestrictionWrapper, type ReferentWalletQuery } from '@credo-ts/anoncreds'
import { JsonTransformer, type Query } from '@credo-ts/core'
import { AnonCredsInputError } from '../errors'

type CredentialQuery = Query<AnonCredsCredentialRecord>

/**
 * The storage query for the credentials that can answer one referent of a proof request: every named
 * attribute present, and any one of the restrictions met (tags as AnonCredsCredentialRecord sets them).
 */
export function credentialQueryForReferent(proofRequest: AnonCredsProofRequest, referent: string, extraQuery?: ReferentWalletQuery): CredentialQuery {
  const requested = proofRequest.requested_attributes[referent] ?? proofRequest.requested_predicates[referent]
  if (!requested) throw new AnonCredsInputError(`Referent ${referent} is not in the proof request`)
  const names = 'names' in requested && requested.names ? requested.names : [requested.name]
  const markers: Record<string, true> = {}
  for (const name of names) markers[`attr::${name}::marker`] = true
  const $and: CredentialQuery[] = [markers as CredentialQuery]
  if (requested.restrictions?.length) $and.push(restrictionsQuery(requested.restrictions))
  if (extraQuery) $and.push(extraQuery as CredentialQuery)
  return { $and }
}

function restrictionsQuery(restrictions: unknown[]): CredentialQuery {
  const { restrictions: parsed } = JsonTransformer.fromJSON({ restrictions }, AnonCredsRestrictionWrapper)
  const alternatives = parsed.map((restriction) => {
    const query: Record<string, string | boolean | undefined> = {
      credentialDefinitionId: restriction.credentialDefinitionId,
      issuerId: restriction.issuerId ?? restriction.issuerDid,
      schemaId: restriction.schemaId,
      schemaIssuerId: restriction.schemaIssuerId ?? restriction.schemaIssuerDid,
      schemaName: restriction.schemaName,
      schemaVersion: restriction.schemaVersion,
    }
    for (const [name, value] of Object.entries(restriction.attributeValues)) query[`attr::${name}::value`] = value
    for (const [name, present] of Object.entries(restriction.attributeMarkers)) if (present) query[`attr::${name}::marker`] = true
    return query as CredentialQuery
  })
  return alternatives.length === 1 ? alternatives[0] : { $or: alternatives }
}
