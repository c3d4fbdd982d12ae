import type { CredentialFormat } from '@interop-lab/common/credentialTypes'
import type { Fault } from '@interop-lab/contracts'
import { ServiceCallError } from '../client'
import { DriverError, type IssuerDriver, type OfferRequest, type VerifierDriver, type WalletDriver } from '../drivers/types'
import type { OperationEnd } from './openLoop'

/** A forgery the lab's wallet makes, and the check of the target that must refuse it. */
export interface Forgery {
  name: string
  check: string
}

/** The lab wallet's faults presented in turn to a verifier under load (its Mallory mode). */
export const PRESENTATION_FORGERIES: (Forgery & { fault: Fault })[] = [
  { name: 'tamper', fault: { kind: 'tamper' }, check: "the issuer's signature over each credential (RFC 9901 §7.1; JWS, RFC 7515 §5.2)" },
  {
    name: 'wrong-holder-key',
    fault: { kind: 'wrong-holder-key' },
    check: 'holder binding: the key binding JWT or the VP is signed by the key the credential is bound to (RFC 9901 §7.3; OID4VP 1.0 §14.1)',
  },
]

/** A redemption with the wrong transaction code, which an issuer under load must still refuse. */
export const ISSUANCE_FORGERY: Forgery = { name: 'wrong-tx-code', check: 'the token endpoint refuses a pre-authorized code with the wrong tx_code (OID4VCI 1.0 §6.1, §6.3 invalid_grant)' }

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** The end of an operation that failed talking to the target: the driver's error code, else what the HTTP call says. */
function targetError(error: unknown): OperationEnd {
  if (error instanceof DriverError) return { error: error.code, message: error.message }
  if (error instanceof ServiceCallError) return { error: error.status === undefined ? 'unreachable' : 'refused', message: error.message }
  return { error: 'other', message: messageOf(error) }
}

/** A transaction code that is not the one the issuer sent (same length and alphabet when it is digits). */
export const wrongTxCode = (txCode: string) => (/^\d+$/.test(txCode) ? txCode.slice(0, -1) + String((Number(txCode.at(-1)) + 1) % 10) : `${txCode}x`)

export interface PresentationTarget {
  verifier: VerifierDriver
  wallet: WalletDriver
  holders: string[]
  policy: string
  format: CredentialFormat
}

/** One OID4VP exchange: the target verifier makes a request, a lab wallet answers (a forgery when asked), the verdict is read. */
export function presentationOperation({ verifier, wallet, holders, policy, format }: PresentationTarget) {
  let forgeries = 0
  return async (slot: number, forged: boolean): Promise<OperationEnd> => {
    const forgery = forged ? PRESENTATION_FORGERIES[forgeries++ % PRESENTATION_FORGERIES.length] : undefined
    let request: Awaited<ReturnType<VerifierDriver['request']>>
    try {
      request = await verifier.request(policy, format, 'oid4vc')
    } catch (error) {
      return targetError(error)
    }
    let outcome: Awaited<ReturnType<WalletDriver['present']>>
    try {
      outcome = await wallet.present(holders[slot]!, request, forgery?.fault)
    } catch (error) {
      return { error: 'wallet', message: `the lab wallet failed: ${messageOf(error)}` }
    }
    if (!outcome.submitted) return { error: 'wallet', message: `the lab wallet did not present: ${outcome.error ?? 'no reason given'}` }
    try {
      const verdict = await verifier.verdict(request, outcome)
      if (!verdict) return { error: 'no-verdict', message: `${verifier.implementation} decided nothing on request ${request.id}` }
      return { verdict: verdict.outcome, failedChecks: verdict.failedChecks, reason: verdict.reason, forgery: forgery?.name }
    } catch (error) {
      return targetError(error)
    }
  }
}

export interface IssuanceTarget {
  issuer: IssuerDriver
  wallet: WalletDriver
  holders: string[]
  credential: Omit<OfferRequest, 'format' | 'protocol'>
  format: CredentialFormat
}

/** One OID4VCI exchange: the target issuer makes an offer, a lab wallet redeems it (with a wrong tx_code when forged). */
export function issuanceOperation({ issuer, wallet, holders, credential, format }: IssuanceTarget) {
  return async (slot: number, forged: boolean): Promise<OperationEnd> => {
    let offer: Awaited<ReturnType<IssuerDriver['offer']>>
    try {
      offer = await issuer.offer({ ...credential, format, protocol: 'oid4vc' })
    } catch (error) {
      return targetError(error)
    }
    if (forged && !offer.txCode) return { error: 'bad-answer', message: `${issuer.implementation} made an offer without tx_code (OID4VCI 1.0 §4.1.1): there is no wrong code to try` }
    const forgery = forged ? ISSUANCE_FORGERY.name : undefined
    try {
      const stored = await wallet.acceptOffer(holders[slot]!, { ...offer, txCode: forged ? wrongTxCode(offer.txCode!) : offer.txCode })
      return stored > 0 ? { verdict: 'accepted', forgery } : { error: 'wallet', message: 'the lab wallet stored no credential' }
    } catch (error) {
      // the wallet answers with the issuer's refusal (its token or credential error)
      return forged ? { verdict: 'rejected', reason: messageOf(error), forgery } : { error: 'refused', message: messageOf(error) }
    }
  }
}
