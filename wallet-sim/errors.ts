import { DomainError } from '@interop-lab/common/errors'

/**
 * Why the wallet did not do what it was asked, by check; the HTTP edge answers it as a problem, its status from the
 * kind. A refusal by the issuer or verifier, or an offer or request that cannot be used, is the caller's to look into
 * (4xx: `offer_failed`, `issuer_refused` with the issuer's OAuth error as details, `request_failed`, `vc_api_refused`); a failure inside the wallet itself is `internal` (500).
 */
export type WalletErrorCode = 'unknown_persona' | 'offer_failed' | 'issuer_refused' | 'request_failed' | 'vc_api_refused' | 'internal'
export class WalletError extends DomainError<WalletErrorCode> {}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** What went wrong while the wallet dealt with a peer (resolving, fetching, exchanging, checking what it sent): the peer's side. */
export const PEER_FAILURES = {
  offer_failed: 'The offer could not be accepted',
  request_failed: 'The presentation request could not be resolved',
} as const

/** Runs the part of an exchange that is the peer's: whatever fails there is refused as `code` (422), naming why. */
export async function fromPeer<T>(code: keyof typeof PEER_FAILURES, exchange: () => Promise<T>): Promise<T> {
  try {
    return await exchange()
  } catch (error) {
    if (error instanceof DomainError) throw error
    throw new WalletError('unprocessable', code, `${PEER_FAILURES[code]}: ${messageOf(error)}`)
  }
}

/** A failure that is not a peer's (storing a credential, the wallet's own database or keys): the wallet's own, a 500. */
export function walletFailure(error: unknown, doing: string): DomainError {
  if (error instanceof DomainError) return error
  return Object.assign(new WalletError('internal', 'internal', `The wallet failed while ${doing}: ${messageOf(error)} (a fault of the wallet, not of the peer)`), { cause: error })
}
