import { type AnonCredsProofRequest, type AnonCredsSelectedCredentials, getCredentialsForAnonCredsProofRequest } from '@credo-ts/anoncreds'
import type { AgentContext } from '@credo-ts/core'
import { AnonCredsInputError } from './errors'

const satisfies: Record<string, (value: number, threshold: number) => boolean> = {
  '>=': (v, t) => v >= t,
  '>': (v, t) => v > t,
  '<=': (v, t) => v <= t,
  '<': (v, t) => v < t,
}

/**
 * A holder's selection that answers the whole proof request from one credential, every attribute revealed: what
 * the WASM prover can prove. Credo's automatic selection picks per referent and may mix credentials; pass this as
 * `proofFormats.anoncreds` when accepting a present-proof request instead. Predicates are checked against the
 * raw values, so a credential that cannot satisfy them is not chosen.
 */
export async function selectFromOneCredential(agentContext: AgentContext, proofRequest: AnonCredsProofRequest): Promise<AnonCredsSelectedCredentials> {
  const available = await getCredentialsForAnonCredsProofRequest(agentContext, proofRequest, { filterByNonRevocationRequirements: true })
  const attributeMatches = Object.entries(available.attributes)
  const predicateMatches = Object.entries(available.predicates)
  const candidates = [...new Set([...attributeMatches, ...predicateMatches].flatMap(([, matches]) => matches.map((m) => m.credentialId)))]
  for (const credentialId of candidates) {
    const selected: AnonCredsSelectedCredentials = { attributes: {}, predicates: {}, selfAttestedAttributes: {} }
    const fits =
      attributeMatches.every(([referent, matches]) => {
        const match = matches.find((m) => m.credentialId === credentialId)
        if (match) selected.attributes[referent] = { ...match, revealed: true }
        return match !== undefined
      }) &&
      predicateMatches.every(([referent, matches]) => {
        const match = matches.find((m) => m.credentialId === credentialId)
        const predicate = proofRequest.requested_predicates[referent]
        const raw = Number(match ? attributeValue(match.credentialInfo.attributes, predicate.name) : undefined)
        if (!match || !Number.isInteger(raw) || !satisfies[predicate.p_type]?.(raw, predicate.p_value)) return false
        selected.predicates[referent] = match
        return true
      })
    if (fits) return selected
  }
  throw new AnonCredsInputError('No single credential in this wallet answers every attribute and predicate of the proof request')
}

/** AnonCreds matches attribute names ignoring case and spaces. */
function attributeValue(attributes: Record<string, unknown>, name: string): unknown {
  const common = (n: string) => n.toLowerCase().replace(/ /g, '')
  const key = Object.keys(attributes).find((k) => common(k) === common(name))
  return key === undefined ? undefined : attributes[key]
}
