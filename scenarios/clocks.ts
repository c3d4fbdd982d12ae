import { type ClockState, clockStateSchema } from '@interop-lab/contracts'
import { callApi } from './client'

/** A lab party's clock, read and moved over its API (`GET`/`POST /clock`). */
export interface ClockControl {
  read(): Promise<ClockState>
  advance(seconds: number): Promise<ClockState>
}

export function labClock(url: string, adminApiKey?: string): ClockControl {
  return {
    read: () => callApi(clockStateSchema, 'GET', `${url}/clock`, undefined, adminApiKey),
    advance: (seconds) => callApi(clockStateSchema, 'POST', `${url}/clock`, { advanceSeconds: seconds }, adminApiKey),
  }
}

/** A party taking part in a run, and its clock when it is one of the lab's (undefined: another implementation's). */
export interface TimedParty {
  name: string
  clock?: ClockControl
}

/** How a `wait` step let its seconds pass: on the lab's clocks (none slept), or for real, and why. */
export type TimePassed = { mode: 'advanced'; seconds: number; clocks: ClockState[] } | { mode: 'slept'; seconds: number; because: string }

/**
 * The lab clocks this process's runs moved forward, and how many variants are running. Time only moves forward while
 * any variant runs — a variant running side by side must never see its clock go back between its own steps (an answer
 * recorded, then judged younger than it is) — and goes back by all it was moved once none runs, so that the lab stays
 * near real time for the checks Credo makes on the system clock (an SD-JWT's `iat`, an mdoc's `validFrom`).
 */
const held = { running: 0, moved: new Map<string, { clock: ClockControl; seconds: number }>() }

/** A variant starts: the lab's clocks stay where its waits (and others') move them until `release`. */
export function holdLabClocks(): { release(): Promise<void> } {
  held.running += 1
  let released = false
  return {
    async release() {
      if (released) return
      released = true
      held.running -= 1
      if (held.running > 0) return
      const moves = [...held.moved.entries()]
      held.moved.clear()
      for (const [id, { clock, seconds }] of moves) {
        await clock
          .advance(-seconds)
          .catch((error: unknown) => console.warn(`[runner] the lab clock ${id} could not be moved back ${seconds} s: ${error instanceof Error ? error.message : String(error)}`))
      }
    },
  }
}

/** The party's clock when the runner may move it; otherwise why not. */
async function readClock(party: TimedParty): Promise<ClockState | string> {
  if (!party.clock) return 'not a lab party'
  const state = await party.clock.read().catch((error: unknown) => `its clock could not be read: ${error instanceof Error ? error.message : String(error)}`)
  if (typeof state === 'string') return state
  return state.controllable && state.id ? state : 'on the system clock: started without --controllable-clock'
}

/**
 * Lets `seconds` pass for every party: when each one is the lab's on a controllable clock, each distinct clock
 * (services in one process share one) is moved forward once (back when no variant runs: `holdLabClocks`) and nothing sleeps; otherwise — a third-party party, whose
 * time the lab cannot move, or a lab service on the system clock — the runner really sleeps, and says who made it.
 */
export async function letTimePass(parties: TimedParty[], seconds: number): Promise<TimePassed> {
  const states = await Promise.all(parties.map(async (party) => ({ party, state: await readClock(party) })))
  const fixed = states.filter(({ state }) => typeof state === 'string')
  if (fixed.length) {
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
    return { mode: 'slept', seconds, because: `the runner cannot move the time of ${fixed.map(({ party, state }) => `${party.name} (${state})`).join(', ')}` }
  }
  const distinct = new Map(states.map(({ party, state }) => [(state as ClockState).id!, party.clock!]))
  const moved = await Promise.all(
    [...distinct].map(async ([id, clock]) => {
      const state = await clock.advance(seconds)
      held.moved.set(id, { clock, seconds: (held.moved.get(id)?.seconds ?? 0) + seconds })
      return state
    }),
  )
  return { mode: 'advanced', seconds, clocks: moved }
}
