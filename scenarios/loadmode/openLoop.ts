import { setTimeout as sleep } from 'node:timers/promises'

/** How one operation against the target ended: with a verdict, or with an error of a kind. */
export type OperationEnd =
  /** `forgery`: which forgery was presented, when the operation was one. */
  { verdict: 'accepted' | 'rejected'; failedChecks?: string[]; reason?: string; forgery?: string } | { error: ErrorKind; message: string }

/**
 * Why an operation reached no verdict: the target's own error codes (`unreachable`, `refused`, `bad-answer`), the
 * lab's wallet not answering (`wallet`), the verifier deciding nothing (`no-verdict`), no end within the time
 * allowed (`timeout`), or not started because the in-flight cap was reached (`shed`).
 */
export type ErrorKind = 'unreachable' | 'refused' | 'bad-answer' | 'unsupported' | 'wallet' | 'no-verdict' | 'timeout' | 'shed' | 'other'

export interface Sample {
  /** When the operation was due, in seconds from the start of the run. */
  at: number
  /** From when it was due to when it ended (a late start counts: no coordinated omission). */
  ms: number
  forged: boolean
  end: OperationEnd
}

export interface OpenLoopOptions {
  /** Arrivals per second, evenly spaced, whatever the target's answers (open loop). */
  rate: number
  durationSeconds: number
  /** An arrival finding this many operations still running is not started (`shed`). */
  maxInFlight: number
  timeoutMs: number
  /** Which arrivals are forgeries: a fixed share, spread evenly over the run. */
  forgeryShare: number
}

/** Whether arrival `index` is a forgery, so that `share` of any stretch of arrivals are. */
export const isForgery = (index: number, share: number) => Math.floor((index + 1) * share) > Math.floor(index * share)

/**
 * Runs `operation` at a fixed arrival rate for a duration. Each in-flight operation holds one of `maxInFlight` slots
 * (the lab's wallets give each slot its own holder); the run ends when the last started operation has ended.
 */
export async function runOpenLoop(options: OpenLoopOptions, operation: (slot: number, forged: boolean) => Promise<OperationEnd>): Promise<{ samples: Sample[]; seconds: number }> {
  const freeSlots = Array.from({ length: options.maxInFlight }, (_, slot) => options.maxInFlight - 1 - slot)
  const samples: Sample[] = []
  const running: Promise<void>[] = []
  const arrivals = Math.max(1, Math.round(options.rate * options.durationSeconds))
  const begin = performance.now()
  for (let index = 0; index < arrivals; index++) {
    const due = begin + (index * 1000) / options.rate
    const wait = due - performance.now()
    if (wait > 0) await sleep(wait)
    const forged = isForgery(index, options.forgeryShare)
    const at = (due - begin) / 1000
    const slot = freeSlots.pop()
    if (slot === undefined) {
      samples.push({ at, ms: 0, forged, end: { error: 'shed', message: `${options.maxInFlight} operations were still running (--max-in-flight)` } })
      continue
    }
    const work = operation(slot, forged).catch((error: unknown): OperationEnd => ({ error: 'other', message: error instanceof Error ? error.message : String(error) }))
    running.push(
      endWithin(options.timeoutMs, work).then((end) => {
        samples.push({ at, ms: performance.now() - due, forged, end })
      }),
      work.then(() => {
        freeSlots.push(slot)
      }),
    )
  }
  await Promise.all(running)
  return { samples: samples.sort((a, b) => a.at - b.at), seconds: (performance.now() - begin) / 1000 }
}

/** The operation's end, or a `timeout` once it has run `ms` (the slot stays taken until the operation itself ends). */
async function endWithin(ms: number, work: Promise<OperationEnd>): Promise<OperationEnd> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<OperationEnd>((resolve) => {
    timer = setTimeout(() => resolve({ error: 'timeout', message: `no verdict within ${ms / 1000} s` }), ms)
  })
  try {
    return await Promise.race([work, late])
  } finally {
    clearTimeout(timer)
  }
}
