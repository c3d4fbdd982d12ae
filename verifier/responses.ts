import type { Agent, AgentContext } from '@credo-ts/core'
import { type OpenId4VcVerificationSessionRecord, type OpenId4VcVerificationSessionRepository, OpenId4VcVerificationSessionState, OpenId4VcVerifierApi } from '@credo-ts/openid4vc'
import type { RequestHandler } from 'express'
import type { Clock } from '@interop-lab/common/clock'
import type { Database } from '@interop-lab/common/db'
import type { OpenedResponse } from './oid4vp/encryptedResponses'

export interface ResponseGateDependencies {
  agent: Agent
  db: Database
  /** How long an undecided response is kept. */
  retentionMs: number
  /** When a response is received (the holder's proof is judged fresh against it). */
  clock: Clock
}

const OPEN_STATES: string[] = [OpenId4VcVerificationSessionState.RequestCreated, OpenId4VcVerificationSessionState.RequestUriRetrieved]

/**
 * In front of Credo's OID4VP response endpoint (mount before the agent creates it; `deps` is there once it has): a
 * `direct_post` response is kept until the lab's own checks decide on it (verifier/oid4vp), and passed on only when its
 * `state` is that of an open request of ours, and only for the first response to that request. Anything else (no
 * state included) is refused before it is stored, so of concurrent responses to one request exactly one decides.
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
      const sessions = await ready.agent.dependencyManager.resolve(OpenId4VcVerifierApi).findVerificationSessionsByQuery({ verifierId, payloadState: state })
      if (!sessions.length) return refuse('No presentation request of this verifier has this state: a response must answer a request it made (OID4VP 1.0 §8.2, state)')
      if (!sessions.some((session) => OPEN_STATES.includes(session.state))) return refuse('This presentation request was already answered: a request takes one response (OID4VP 1.0 §8.2)')
      if (vpToken === undefined) return next() // an error response from the wallet: Credo closes the request
      const receivedAt = ready.clock.now()
      await forgetStaleResponses(ready.db, ready.retentionMs, receivedAt)
      const kept = await ready.db.run('INSERT INTO verification_responses (state, vp_token, received_at, encrypted) VALUES (?, ?, ?, ?) ON CONFLICT (state) DO NOTHING', [
        state,
        typeof vpToken === 'string' ? vpToken : JSON.stringify(vpToken),
        receivedAt.toISOString(),
        opened ? 1 : 0,
      ])
      if (!kept) return refuse('This presentation request already received a response: a request takes one response (OID4VP 1.0 §8.2)')
      next()
    }
    admit().catch(next)
  }
}

/** Deletes the responses kept longer than `retentionMs` that no one asked a decision for. */
export async function forgetStaleResponses(db: Database, retentionMs: number, now = new Date()): Promise<number> {
  return db.run('DELETE FROM verification_responses WHERE received_at < ?', [new Date(now.getTime() - retentionMs).toISOString()])
}

/**
 * Once decided, a response's raw vp_token is deleted: ours, and the copy Credo keeps in its session record. On SQLite
 * the deleted bytes are overwritten (`secure_delete`, set at start) and the write-ahead log emptied, so the file no
 * longer holds them; on PostgreSQL old row versions stay until the table is vacuumed.
 */
export async function forgetResponse(
  db: Database,
  sessions: OpenId4VcVerificationSessionRepository,
  agentContext: AgentContext,
  session: OpenId4VcVerificationSessionRecord,
  state: string,
): Promise<void> {
  await db.run('DELETE FROM verification_responses WHERE state = ?', [state])
  if (session.authorizationResponsePayload) {
    session.authorizationResponsePayload = undefined
    await sessions.update(agentContext, session)
  }
  if (db.engine === 'sqlite') await truncateWal(db)
}

const queuedTruncations = new WeakMap<Database, Promise<void>>()

/**
 * Empties SQLite's write-ahead log (`PRAGMA wal_checkpoint(TRUNCATE)`, which syncs the file: milliseconds). Deciders
 * that ask while a truncation waits in the connection's queue share it: their deletes ran before they asked, so
 * before it starts. It stops taking sharers at a marker queued just before it (statements run in queue order, and
 * the marker's own continuation runs before the next statement starts).
 */
export function truncateWal(db: Database): Promise<void> {
  let queued = queuedTruncations.get(db)
  if (!queued) {
    const marker = db.query('SELECT 1').then(() => void queuedTruncations.delete(db))
    queued = Promise.all([marker, db.exec('PRAGMA wal_checkpoint(TRUNCATE)')]).then(() => undefined)
    queuedTruncations.set(db, queued)
  }
  return queued
}
