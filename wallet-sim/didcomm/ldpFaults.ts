import type { JsonObject } from '@credo-ts/core'
import type { Fault } from '../faults'
import type { PresentationRequestOptions } from './FaultInjectingPresentationFormat'

export interface LdpFaultTools {
  /** Signs a presentation (no proof yet) for the request with `verificationMethod`, whose DID becomes its holder. */
  sign(presentation: JsonObject, verificationMethod: string, request: PresentationRequestOptions): Promise<JsonObject>
  /** The holder's own key, which its credentials are bound to. */
  holderKey: string
  /** A key of Mallory's that no credential is bound to. */
  foreignKey(): Promise<string>
  /** The last presentation this wallet sent honestly, for a replay. */
  lastPresentation?: JsonObject
}

type Subject = Record<string, unknown>

/** The presentation with every credential subject changed by `change` and the holder's proof removed. */
function alterSubjects(presentation: JsonObject, change: (subject: Subject) => void): JsonObject {
  const { proof: _proof, ...unsigned } = structuredClone(presentation) as JsonObject & { verifiableCredential?: unknown }
  const credentials = Array.isArray(unsigned.verifiableCredential) ? unsigned.verifiableCredential : [unsigned.verifiableCredential]
  for (const credential of credentials as { credentialSubject?: Subject }[]) if (credential?.credentialSubject) change(credential.credentialSubject)
  return unsigned
}

function alterFirstClaim(subject: Subject): void {
  const claim = Object.keys(subject).find((name) => name !== 'id' && typeof subject[name] === 'string')
  if (claim) subject[claim] = `${String(subject[claim])} (altered)`
}

/**
 * Breaks a JSON-LD presentation the way the fault says, re-signing where a real attacker could:
 * tamper (a claim changed under the issuer's proof), withhold (a claim removed from it), wrong-holder-key
 * (signed by a key the credentials are not bound to), replay (an earlier presentation, for another challenge).
 */
export async function applyLdpFault(fault: Fault | undefined, presentation: JsonObject, request: PresentationRequestOptions, tools: LdpFaultTools): Promise<JsonObject> {
  switch (fault?.kind) {
    case undefined:
      return presentation
    case 'tamper':
      return tools.sign(alterSubjects(presentation, alterFirstClaim), tools.holderKey, request)
    case 'withhold':
      return tools.sign(
        alterSubjects(presentation, (subject) => delete subject[fault.claim]),
        tools.holderKey,
        request,
      )
    case 'wrong-holder-key':
      return tools.sign(
        alterSubjects(presentation, () => undefined),
        await tools.foreignKey(),
        request,
      )
    case 'alter-raw':
      throw new Error('The alter-raw fault applies to AnonCreds proofs only (a JSON-LD credential has no encoded values)')
    case 'unencrypted-response':
    case 'ignore-redirect':
      throw new Error(`The ${fault.kind} fault applies to OID4VP responses only (DIDComm messages are not posted to a response URI)`)
    case 'replay':
      if (!tools.lastPresentation) throw new Error('Nothing to replay: this wallet has not presented over DIDComm before')
      return tools.lastPresentation
  }
}
