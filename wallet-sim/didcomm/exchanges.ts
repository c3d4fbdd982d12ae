import type { EventEmitter } from '@credo-ts/core'
import {
  type DidCommCredentialExchangeRecord,
  DidCommCredentialEventTypes,
  type DidCommCredentialState,
  type DidCommCredentialStateChangedEvent,
  DidCommProofEventTypes,
  type DidCommProofExchangeRecord,
  type DidCommProofState,
  type DidCommProofStateChangedEvent,
} from '@credo-ts/didcomm'
import { filter, firstValueFrom, map, timeout } from 'rxjs'

export const EXCHANGE_TIMEOUT_MS = 15_000

/** A waiter nobody awaits any more (the exchange failed earlier) must not crash the process when it times out. */
function settledQuietly<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined)
  return promise
}

const timedOut = (what: string, threadId: string) => () => {
  throw new Error(`No ${what} on thread ${threadId} within ${EXCHANGE_TIMEOUT_MS / 1000} s: the other party did not answer`)
}

/** The credential exchange on `threadId` once it reaches one of `states` (subscribe before acting). */
export function credentialExchangeReaching(events: EventEmitter, threadId: string, states: DidCommCredentialState[]): Promise<DidCommCredentialExchangeRecord> {
  return settledQuietly(
    firstValueFrom(
      events.observable<DidCommCredentialStateChangedEvent>(DidCommCredentialEventTypes.DidCommCredentialStateChanged).pipe(
        map((event) => event.payload.credentialExchangeRecord),
        filter((record) => record.threadId === threadId && states.includes(record.state)),
        timeout({ first: EXCHANGE_TIMEOUT_MS, with: timedOut(`credential exchange ${states.join('/')}`, threadId) }),
      ),
    ),
  )
}

/** The proof exchange on `threadId` once it reaches one of `states` (subscribe before acting). */
export function proofExchangeReaching(events: EventEmitter, threadId: string, states: DidCommProofState[]): Promise<DidCommProofExchangeRecord> {
  return settledQuietly(
    firstValueFrom(
      events.observable<DidCommProofStateChangedEvent>(DidCommProofEventTypes.ProofStateChanged).pipe(
        map((event) => event.payload.proofRecord),
        filter((record) => record.threadId === threadId && states.includes(record.state)),
        timeout({ first: EXCHANGE_TIMEOUT_MS, with: timedOut(`presentation exchange ${states.join('/')}`, threadId) }),
      ),
    ),
  )
}
