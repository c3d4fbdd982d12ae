import { randomUUID } from 'node:crypto'
import type { CredentialFormat } from '@interop-lab/common/credentialTypes'
import { DomainError } from '@interop-lab/common/errors'
import type { RunEvent, StepResult, VariantResult } from '../runner'

/** What a run's watchers receive: the runner's events, then exactly one `done` or `failed`. */
export type RunStreamEvent = RunEvent | { type: 'done'; result: VariantResult } | { type: 'failed'; message: string }

export interface RunRequest {
  scenarioId: string
  variantId: string
  format: CredentialFormat
}

export interface DashboardRun extends RunRequest {
  id: string
  status: 'running' | 'finished' | 'failed'
  startedAt: string
  finishedAt?: string
  events: RunEvent[]
  result?: VariantResult
  error?: string
}

type Listener = (event: RunStreamEvent) => void
type Execute = (request: RunRequest, onEvent: (event: RunEvent) => void) => Promise<VariantResult>

const KEPT_RUNS = 50

/** Why the run board refused, by check; the HTTP edge answers it as a problem, its status from the kind. */
export type RunBoardErrorCode = 'run_in_progress' | 'unknown_run'
export class RunBoardError extends DomainError<RunBoardErrorCode> {}

/** Runs one scenario variant at a time in the background and lets any number of watchers follow it. */
export function createRunBoard(execute: Execute) {
  const runs = new Map<string, DashboardRun>()
  const listeners = new Map<string, Set<Listener>>()
  let current: Promise<void> | undefined
  let currentId: string | undefined

  const publish = (id: string, event: RunStreamEvent) => {
    for (const listener of listeners.get(id) ?? []) listener(event)
  }

  const forgetOldRuns = () => {
    for (const id of [...runs.keys()].slice(0, Math.max(0, runs.size - KEPT_RUNS))) {
      if (id !== currentId) runs.delete(id)
    }
  }

  return {
    start(request: RunRequest): DashboardRun {
      if (currentId) throw new RunBoardError('conflict', 'run_in_progress', `Run ${currentId} is still in progress; wait for it to finish`, { runId: currentId })
      const run: DashboardRun = { ...request, id: randomUUID(), status: 'running', startedAt: new Date().toISOString(), events: [] }
      runs.set(run.id, run)
      currentId = run.id
      forgetOldRuns()
      current = execute(request, (event) => {
        run.events.push(event)
        publish(run.id, event)
      })
        .then(
          (result) => {
            Object.assign(run, { status: 'finished', result, finishedAt: new Date().toISOString() })
            publish(run.id, { type: 'done', result })
          },
          (error: unknown) => {
            const message = error instanceof Error ? error.message : String(error)
            Object.assign(run, { status: 'failed', error: message, finishedAt: new Date().toISOString() })
            publish(run.id, { type: 'failed', message })
          },
        )
        .finally(() => {
          currentId = undefined
          listeners.delete(run.id)
        })
      return run
    },

    get(id: string): DashboardRun {
      const run = runs.get(id)
      if (!run) throw new RunBoardError('not-found', 'unknown_run', `No run ${id}`)
      return run
    },

    /** Replays what already happened, then forwards what happens next; returns the unsubscribe. */
    watch(id: string, listener: Listener): () => void {
      const run = this.get(id)
      for (const event of run.events) listener(event)
      if (run.status === 'finished') listener({ type: 'done', result: run.result! })
      if (run.status === 'failed') listener({ type: 'failed', message: run.error! })
      if (run.status !== 'running') return () => {}
      const set = listeners.get(id) ?? new Set<Listener>()
      listeners.set(id, set.add(listener))
      return () => set.delete(listener)
    },

    /** Waits for the run in progress, if any, so nothing keeps calling services that are shutting down. */
    async settle(): Promise<void> {
      await current
    },
  }
}

export type RunBoard = ReturnType<typeof createRunBoard>

/** The steps finished so far, in order. */
export const finishedSteps = (run: DashboardRun): StepResult[] => run.events.flatMap((e) => (e.type === 'step-finished' ? [e.result] : []))
