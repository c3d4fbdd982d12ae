import type { Database } from '@interop-lab/common/db'
import { DEFAULT_RETRY_POLICY, retryDelayMs, type RetryPolicy } from './backoff'
import { claimDelivery, dueDeliveries, nextDueAt, recordAttempt, type AttemptResult, type DueDelivery } from './outbox'
import type { PublisherSigner } from './signer'

export interface DispatcherSettings {
  retry: RetryPolicy
  /** Longest sleep between looks at the outbox (other publishers may share the database). */
  pollIntervalMs: number
  /** A subscriber that has not answered by then counts as a failed attempt. */
  requestTimeoutMs: number
  /** Deliveries attempted concurrently per round. */
  batchSize: number
}

export const DEFAULT_DISPATCHER_SETTINGS: DispatcherSettings = {
  retry: DEFAULT_RETRY_POLICY,
  pollIntervalMs: 1_000,
  requestTimeoutMs: 10_000,
  batchSize: 16,
}

const LEASE_MARGIN_MS = 5_000
const ERROR_BODY_CHARS = 300

/**
 * Sends pending deliveries from the outbox, one round at a time on a timer, retrying
 * failures with backoff. All state lives in the database, so `start` after a restart resumes.
 */
export class NotificationDispatcher {
  private timer: NodeJS.Timeout | undefined
  private round: Promise<void> | undefined
  private running = false
  private wakeRequested = false

  public constructor(
    private readonly db: Database,
    private readonly signer: PublisherSigner,
    private readonly settings: DispatcherSettings,
  ) {}

  public start(): void {
    if (this.running) return
    this.running = true
    this.schedule(0)
  }

  /** Looks at the outbox now rather than at the next scheduled round (e.g. right after a publish). */
  public wake(): void {
    if (!this.running) return
    if (this.round) this.wakeRequested = true
    else this.schedule(0)
  }

  /** Stops the timer and waits for the round in flight, so nothing is left running. */
  public async stop(): Promise<void> {
    this.running = false
    clearTimeout(this.timer)
    this.timer = undefined
    await this.round
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => this.runRound(), delayMs)
    this.timer.unref()
  }

  private runRound(): void {
    this.timer = undefined
    this.wakeRequested = false
    this.round = this.deliverDue()
      .catch((error: unknown) => {
        console.error('[notifications] dispatcher round failed', error)
        return this.settings.pollIntervalMs
      })
      .then((delayMs) => {
        this.round = undefined
        if (this.running) this.schedule(this.wakeRequested ? 0 : delayMs)
      })
  }

  /** Attempts what is due; returns how long to sleep before the next round. */
  private async deliverDue(): Promise<number> {
    const due = await dueDeliveries(this.db, Date.now(), this.settings.batchSize)
    await Promise.all(due.map((delivery) => this.attempt(delivery)))
    if (due.length === this.settings.batchSize) return 0
    const next = await nextDueAt(this.db)
    if (next === undefined) return this.settings.pollIntervalMs
    return Math.min(Math.max(next - Date.now(), 0), this.settings.pollIntervalMs)
  }

  private async attempt(delivery: DueDelivery): Promise<void> {
    const leaseUntil = Date.now() + this.settings.requestTimeoutMs + LEASE_MARGIN_MS
    if (!(await claimDelivery(this.db, delivery, leaseUntil))) return
    const startedAt = Date.now()
    const { ok, ...sent } = await this.send(delivery)
    // a pending delivery's earlier attempts all failed: after a failure here, `attempt` have
    const attempt = delivery.attempts + 1
    let result: AttemptResult
    if (ok) result = { startedAt, statusCode: sent.statusCode, outcome: 'delivered' }
    else if (attempt >= this.settings.retry.maxAttempts) result = { startedAt, ...sent, outcome: 'dead' }
    else result = { startedAt, ...sent, outcome: 'retry', nextAttemptAt: Date.now() + retryDelayMs(attempt, this.settings.retry) }
    await recordAttempt(this.db, delivery, result)
  }

  private async send(delivery: DueDelivery): Promise<{ ok: boolean; statusCode?: number; error?: string }> {
    try {
      const jws = await this.signer.sign(delivery.payload)
      const response = await fetch(delivery.callbackUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/jose' },
        body: jws,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.settings.requestTimeoutMs),
      })
      const body = await response.text().catch(() => '')
      if (response.ok) return { ok: true, statusCode: response.status }
      return { ok: false, statusCode: response.status, error: `HTTP ${response.status}: ${body.slice(0, ERROR_BODY_CHARS)}` }
    } catch (error) {
      return { ok: false, error: describeFailure(error) }
    }
  }
}

/** fetch hides the useful part (ECONNREFUSED, a timeout) in `cause` or the error name. */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = error.cause as { code?: string; message?: string } | undefined
  if (cause?.code) return `${cause.code}: ${cause.message ?? error.message}`
  return `${error.name}: ${error.message}`
}
