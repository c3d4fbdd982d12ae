import type { AnonCredsProofRequest, AnonCredsSelectedCredentials } from '@credo-ts/anoncreds'
import { AnonCredsInputError, AnonCredsUnsupportedError } from '../errors'

const LIMIT = 'The WASM AnonCreds backend'

/**
 * The one credential a WASM proof draws on. Its prover takes a single credential and reveals every requested
 * attribute, so anything else the holder selected (a second credential, an attribute kept unrevealed,
 * self-attested values, revocation timestamps) is refused rather than silently proven differently.
 */
export function assertSingleCredentialSelection(proofRequest: AnonCredsProofRequest, selected: AnonCredsSelectedCredentials): string {
  if (Object.keys(selected.selfAttestedAttributes ?? {}).length) throw new AnonCredsUnsupportedError(`${LIMIT} cannot add self-attested attributes to a proof`)
  const attributeReferents = Object.keys(proofRequest.requested_attributes ?? {})
  const predicateReferents = Object.keys(proofRequest.requested_predicates ?? {})
  for (const referent of attributeReferents) {
    const match = selected.attributes[referent]
    if (!match) throw new AnonCredsInputError(`No credential was selected for requested attribute ${referent}`)
    if (!match.revealed) throw new AnonCredsUnsupportedError(`${LIMIT} reveals every requested attribute: it cannot keep ${referent} unrevealed`)
  }
  for (const referent of predicateReferents) {
    if (!selected.predicates[referent]) throw new AnonCredsInputError(`No credential was selected for requested predicate ${referent}`)
  }
  const matches = [...attributeReferents.map((r) => selected.attributes[r]), ...predicateReferents.map((r) => selected.predicates[r])]
  if (matches.length === 0) throw new AnonCredsInputError('The proof request asks for nothing')
  if (matches.some((match) => match.timestamp !== undefined)) throw new AnonCredsUnsupportedError(`${LIMIT} cannot prove non-revocation`)
  const credentialIds = new Set(matches.map((match) => match.credentialId))
  if (credentialIds.size > 1) {
    throw new AnonCredsUnsupportedError(
      `${LIMIT} proves from one credential at a time; this request needs ${credentialIds.size}: ask for them in separate proofs, or install @hyperledger/anoncreds-nodejs`,
    )
  }
  return [...credentialIds][0]
}
