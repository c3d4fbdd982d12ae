import type { AnonCredsProof } from '@credo-ts/anoncreds'
import { encodeAnonCredsValue } from '@interop-lab/common/anoncreds'
import type { Fault } from '../faults'

/** The shape of a proof request (its referents), so a replay answers a request of the same shape. */
export const requestShape = (request: { requested_attributes?: object; requested_predicates?: object }) =>
  JSON.stringify([Object.keys(request.requested_attributes ?? {}).sort(), Object.keys(request.requested_predicates ?? {}).sort()])

function alterFirstRevealed(proof: AnonCredsProof, change: (revealed: { raw: string; encoded: string }) => void): AnonCredsProof {
  const altered = structuredClone(proof)
  const [first] = Object.values(altered.requested_proof.revealed_attrs)
  if (!first) throw new Error('The proof reveals no attribute to alter')
  change(first)
  return altered
}

/**
 * Breaks an AnonCreds proof the way the fault says: tamper (a revealed value changed with its encoding, so the
 * signature no longer covers it), alter-raw (only the raw value changed: the proof itself still verifies, its
 * encoding does not match), replay (an earlier proof for a request of the same shape, made for another nonce).
 * AnonCreds has no holder key to swap and reveals only what is asked: the other faults do not apply.
 */
export function applyAnonCredsFault(fault: Fault | undefined, proof: AnonCredsProof, earlier: AnonCredsProof | undefined): AnonCredsProof {
  switch (fault?.kind) {
    case undefined:
      return proof
    case 'tamper':
      return alterFirstRevealed(proof, (revealed) => {
        revealed.raw = `${revealed.raw} (altered)`
        revealed.encoded = encodeAnonCredsValue(revealed.raw)
      })
    case 'alter-raw':
      return alterFirstRevealed(proof, (revealed) => {
        revealed.raw = `${revealed.raw} (altered)`
      })
    case 'replay':
      if (!earlier) throw new Error('Nothing to replay: this wallet has not answered such an AnonCreds request before')
      return earlier
    case 'wrong-holder-key':
    case 'withhold':
    case 'unencrypted-response':
    case 'ignore-redirect':
      throw new Error(`The ${fault.kind} fault does not apply to AnonCreds proofs`)
  }
}
