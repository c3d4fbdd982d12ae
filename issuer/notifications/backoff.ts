export interface RetryPolicy {
  /** Delay after the first failed attempt; it doubles after each further failure. */
  baseDelayMs: number
  /** No wait between attempts is longer than this. */
  maxDelayMs: number
  /** After this many failed attempts a delivery is dead (kept in the log, no longer retried). */
  maxAttempts: number
}

/** About two days of retries (hourly once the cap is reached) before a delivery is given up. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseDelayMs: 1_000, maxDelayMs: 3_600_000, maxAttempts: 80 }

/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half random, so subscribers
 * that fail together are not all retried in lockstep, and no retry comes sooner than half the step.
 */
export function retryDelayMs(failedAttempts: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(Math.max(failedAttempts - 1, 0), 40))
  return Math.round(step / 2 + (random() * step) / 2)
}
