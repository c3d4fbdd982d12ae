import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type { Agent } from '@credo-ts/core'
import { type OpenId4VcVerificationSessionRecord, OpenId4VcVerificationSessionState, OpenId4VcVerifierApi } from '@credo-ts/openid4vc'
import type { RequestHandler } from 'express'
import type { Clock } from '@interop-lab/common/clock'
import type { Database } from '@interop-lab/common/db'
import type { CheckName } from '@interop-lab/contracts'
import type { Decision } from './decision'
import { type CredentialQuery, readVpToken, type VpTokenShape } from './oid4vp/adapter'
import type { OpenedResponse } from './oid4vp/encryptedResponses'

export interface ResponseGateDependencies {
  agent: Agent
  db: Database
  /** When a response is received (the holder's proof is judged fresh against it). */
  clock: Clock
  /** Decides the verification (its id is the session's) from the response just kept, and keeps the decision. */
  decide(response: KeptResponse): Promise<Decision | undefined>
}

/** A request object's payload (Credo decodes the request JWT each time a session's `requestPayload` is read: read it once). */
export type RequestPayload = OpenId4VcVerificationSessionRecord['requestPayload']

/** A response the gate has just kept, with what it read to judge it: the decision reads none of it again. */
export interface KeptResponse {
  session: OpenId4VcVerificationSessionRecord
  request: RequestPayload
  rawVpToken: string
  receivedAt: Date
  encrypted: boolean
  shape: VpTokenShape
}

/**
 * The checks that find a response invalid as a presentation (not a valid presentation that a policy refuses): the
 * response endpoint answers an error for these, as it does not process such a response successfully (OID4VP 1.0 §8.2).
 */
const INVALID_PRESENTATION: ReadonlySet<CheckName> = new Set<CheckName>(['signature', 'holder-binding', 'nonce', 'freshness', 'expiry', 'status', 'disclosures', 'format', 'response', 'spec-version'])

/** The states of a Credo verification session whose request no response has answered yet. */
export const OPEN_STATES: string[] = [OpenId4VcVerificationSessionState.RequestCreated, OpenId4VcVerificationSessionState.RequestUriRetrieved]
const ONE_RESPONSE = 'a request takes one response (OID4VP 1.0 §8.2)'

/** The credential queries of the DCQL query a request made (its request object's, as the wallet read it). */
export const credentialQueriesOf = (request: RequestPayload): CredentialQuery[] =>
  ((request.dcql_query as { credentials?: CredentialQuery[] } | undefined)?.credentials ?? []).map(({ id, format, multiple }) => ({ id, format, multiple }))

/**
 * The response endpoint of the lab's OID4VP requests (mount before the agent creates Credo's; `deps` is there once it
 * has). A `direct_post` response whose `state` is that of an open request of ours is kept, once: the first response to
 * that request, so that of concurrent responses exactly one is decided on, by the lab's own checks (verifier/oid4vp),
 * at once (a same-device request: when the wallet follows the redirect back). The gate answers the wallet itself: 200
 * (with the request's redirect_uri if it has one, OID4VP 1.0 §8.2), or 400 when the vp_token's shape does not answer
 * the request's DCQL query or the decision finds it no valid presentation (the response is kept all the same: the
 * decision names the fault). Credo's endpoint never sees a vp_token; it still takes a wallet's
 * error response (`error=…`), which closes the request, and a response to an expired request, which it refuses.
 */
export function responseGate(deps: () => ResponseGateDependencies | undefined): RequestHandler<{ path: string[] }> {
  return (req, res, next) => {
    // a direct_post.jwt response was opened in front of this gate (oid4vp/encryptedResponses.ts): what its JWE carried
    const opened = res.locals.openedResponse as OpenedResponse | undefined
    const { vp_token: vpToken, state, error } = (opened?.fields ?? req.body ?? {}) as Record<string, unknown>
    const ready = deps()
    // mounted on POST <oid4vp base>/*path: the first segment is the verifier the response is for
    const verifierId = req.params.path?.[0]
    if (!verifierId || !ready) return next()
    const refuse = (description: string) => res.status(400).json({ error: 'invalid_request', error_description: description })
    const isResponse = vpToken !== undefined || error !== undefined
    if (!isResponse && state === undefined) return next() // not an authorization response (a request_uri POST, say)
    // every request of ours carries a state: a response without one answers none of them (Credo would answer 500)
    if (typeof state !== 'string') return refuse('The response has no state: a direct_post response carries the state of the request it answers (OID4VP 1.0 §8.2, state)')
    const admit = async () => {
      const { db } = ready
      const sessions = await ready.agent.dependencyManager.resolve(OpenId4VcVerifierApi).findVerificationSessionsByQuery({ verifierId, payloadState: state })
      const session = sessions.find((s) => OPEN_STATES.includes(s.state))
      if (!sessions.length) return refuse('No presentation request of this verifier has this state: a response must answer a request it made (OID4VP 1.0 §8.2, state)')
      if (!session) return refuse(`This presentation request was already answered: ${ONE_RESPONSE}`)
      // Credo refuses a response to an expired request, and closes it (Error): the verification is then refused
      if (session.expiresAt && Date.now() > session.expiresAt.getTime()) return next()
      if (vpToken === undefined) {
        // an error response from the wallet: Credo closes the request, unless a response was kept for it already
        const kept = await db.query('SELECT 1 FROM verification_responses WHERE state = ?', [state])
        return kept.length ? refuse(`This presentation request already received a response: ${ONE_RESPONSE}`) : next()
      }
      const raw = typeof vpToken === 'string' ? vpToken : JSON.stringify(vpToken)
      const receivedAt = ready.clock.now()
      const kept = await db.run('INSERT INTO verification_responses (state, vp_token, received_at, encrypted) VALUES (?, ?, ?, ?) ON CONFLICT (state) DO NOTHING', [
        state,
        raw,
        receivedAt.toISOString(),
        opened ? 1 : 0,
      ])
      if (!kept) return refuse(`This presentation request already received a response: ${ONE_RESPONSE}`)
      const request = session.requestPayload
      const shape = readVpToken(raw, credentialQueriesOf(request))
      const fault = shapeFault(shape)
      if (fault) return refuse(`The response does not answer this request’s DCQL query: ${fault}`)
      const redirectUri = session.authorizationResponseRedirectUri
      // same-device: decided when the wallet follows the redirect back (the decision counts that it did)
      if (redirectUri) return res.status(200).json({ redirect_uri: redirectUri })
      const decision = await ready.decide({ session, request, rawVpToken: raw, receivedAt, encrypted: Boolean(opened), shape })
      const invalid = decision?.outcome === 'rejected' && decision.failedChecks.some((check) => INVALID_PRESENTATION.has(check))
      if (invalid) return refuse(`The presentation is not valid: ${decision.reasons.join('; ')}`)
      res.status(200).json({})
    }
    admit().catch(next)
  }
}

/** What the wallet is told is wrong with a kept vp_token's shape (verifier/oid4vp/adapter.ts, readVpToken): the decision names it too. */
function shapeFault({ json, faults, unanswered }: VpTokenShape): string | undefined {
  if (!json) return 'the vp_token is not a JSON object (OID4VP 1.0 §8.1)'
  if (faults.length) return faults.map((f) => f.reason.en).join('; ')
  if (unanswered.length) return `no presentation answers ${unanswered.join(', ')}, which the request requires (OID4VP 1.0 §6.4.2: without credential_sets, every credential query is)`
  return undefined
}

/**
 * Forgets the raw vp_token of the responses kept longer than `retentionMs` that no one asked a decision for. Each row
 * stays, blanked, as the marker that its request was answered: a request takes one response.
 */
export async function forgetStaleResponses(db: Database, retentionMs: number, now = new Date()): Promise<number> {
  return db.run("UPDATE verification_responses SET vp_token = '', forgotten = 1 WHERE forgotten = 0 AND received_at < ?", [new Date(now.getTime() - retentionMs).toISOString()])
}

/** Forgets stale responses (forgetStaleResponses) every `intervalMs`, until stopped. */
export function pruneStaleResponses(db: Database, retentionMs: number, clock: Clock, intervalMs = Math.max(1_000, Math.min(retentionMs, 60_000))): { stop(): void } {
  const timer = setInterval(() => {
    forgetStaleResponses(db, retentionMs, clock.now()).catch((error: unknown) => console.error('[verifier] forgetting stale responses failed:', error))
  }, intervalMs)
  timer.unref()
  return { stop: () => clearInterval(timer) }
}

/**
 * Once decided, a response's raw vp_token is forgotten: its row stays as the marker that its request was answered, the
 * vp_token blanked. On SQLite the overwritten bytes are zeroed (`secure_delete`, set at start) and the write-ahead log
 * emptied (`wal`), so the file no longer holds them; on PostgreSQL old row versions stay until the table is vacuumed.
 */
export async function forgetResponse(db: Database, state: string, wal: WalTruncator | undefined): Promise<void> {
  await db.run("UPDATE verification_responses SET vp_token = '', forgotten = 1 WHERE state = ?", [state])
  await wal?.truncate().catch((error: unknown) => wal.retryUntilEmpty(error))
}

/** How long a truncation waits for the service's writers and readers to leave the log (the decider waits as long). */
const TRUNCATION_WAIT_MS = 1000

// Plain CommonJS run by the worker: its own connection to the file, which checkpoints until the log is empty. A
// TRUNCATE checkpoint holds off the service's writers while it runs (their statements wait, blocking its event loop):
// a PASSIVE one first copies the log into the file without holding them off, leaving the TRUNCATE little to do. The
// TRUNCATE also waits (busy_timeout) until no reader uses the log; under a steady stream of reads it may not get there.
const WAL_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driverPath)
const db = new Database(workerData.file)
db.pragma('busy_timeout = ${TRUNCATION_WAIT_MS}')
parentPort.on('message', (id) => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)')
    const [result] = db.pragma('wal_checkpoint(TRUNCATE)')
    if (result.busy !== 0) throw new Error('the connections of the service kept the write-ahead log in use for ${TRUNCATION_WAIT_MS / 1000} s: PRAGMA wal_checkpoint(TRUNCATE) could not empty it')
    parentPort.postMessage({ id })
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message || error) })
  }
})
`

/**
 * Empties an SQLite file's write-ahead log (`PRAGMA wal_checkpoint(TRUNCATE)`, which waits for writers and syncs the
 * file: milliseconds) on a connection of its own in a worker thread, so the service's event loop goes on meanwhile.
 * Callers that ask while a truncation waits its turn share it (what they deleted was committed before they asked, so
 * before it starts); one that asks while a truncation runs gets the next.
 */
export class WalTruncator {
  private readonly worker: Worker
  private readonly replies = new Map<number, { resolve(): void; reject(error: Error): void }>()
  private nextId = 0
  private running: Promise<void> = Promise.resolve()
  private waiting?: Promise<void>
  private retry?: NodeJS.Timeout
  /** How many truncations ran to the end. */
  checkpoints = 0

  constructor(file: string) {
    const driverPath = createRequire(import.meta.url).resolve('better-sqlite3')
    this.worker = new Worker(WAL_WORKER_SOURCE, { eval: true, workerData: { file, driverPath } })
    this.worker.unref()
    this.worker.on('message', ({ id, error }: { id: number; error?: string }) => {
      const reply = this.replies.get(id)
      this.replies.delete(id)
      if (error) reply?.reject(new Error(`Emptying the verifier's write-ahead log failed: ${error}`))
      else reply?.resolve()
    })
    this.worker.on('error', (error) => this.failAll(error))
  }

  truncate(): Promise<void> {
    if (this.waiting) return this.waiting
    const truncation = this.running.then(() => {
      this.waiting = undefined
      return this.checkpoint()
    })
    this.waiting = truncation
    this.running = truncation.catch(() => undefined)
    return truncation
  }

  /**
   * After a truncation the service's connections kept from finishing: says so, and tries again each second until one
   * empties the log (the decision that asked does not wait for it; any later decision's truncation empties it too).
   */
  retryUntilEmpty(error: unknown): void {
    if (this.retry) return
    console.warn(`[verifier] ${error instanceof Error ? error.message : String(error)}; a decided response may stay in the log until it is emptied: trying again each second`)
    this.retry = setInterval(() => {
      this.truncate().then(
        () => this.stopRetrying(),
        () => undefined,
      )
    }, 1000)
    this.retry.unref()
  }

  private stopRetrying(): void {
    clearInterval(this.retry)
    this.retry = undefined
  }

  async close(): Promise<void> {
    this.stopRetrying()
    await this.worker.terminate()
    this.failAll(new Error('The write-ahead log truncator was closed'))
  }

  private checkpoint(): Promise<void> {
    const id = this.nextId++
    return new Promise<void>((resolve, reject) => {
      this.replies.set(id, { resolve, reject })
      this.worker.postMessage(id)
    }).then(() => void this.checkpoints++)
  }

  private failAll(error: Error): void {
    for (const reply of this.replies.values()) reply.reject(error)
    this.replies.clear()
  }
}
