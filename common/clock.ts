import { randomUUID } from 'node:crypto'
import { Router } from 'express'
import { type ClockState, clockAdvanceSchema } from '@interop-lab/contracts'
import { handle, HttpError, parseInput, requireApiKey } from './http'

/** What time it is for a service: every check that judges time (expiry, freshness, answer age) asks its clock. */
export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }

/**
 * A lab clock: the system clock moved by an offset a run sets (`POST /clock`), so a pilot's `wait` step advances time
 * instead of sleeping. The runner moves it back by as much when the variant ends. Services get one only when started
 * with it (`--controllable-clock`, or a lab stack started with `controllableClock`); services in one process share one.
 */
export class ControllableClock implements Clock {
  /** Tells clocks apart: the runner moves each clock once, however many services share it. */
  public readonly id = randomUUID()
  private offsetMs = 0

  public now(): Date {
    return new Date(Date.now() + this.offsetMs)
  }

  /** Moves the clock by `seconds` (negative: back, as a run undoes its waits). */
  public advance(seconds: number): void {
    this.offsetMs += seconds * 1000
  }

  public get offsetSeconds(): number {
    return this.offsetMs / 1000
  }
}

const stateOf = (clock: Clock): ClockState =>
  clock instanceof ControllableClock
    ? { id: clock.id, now: clock.now().toISOString(), offsetSeconds: clock.offsetSeconds, controllable: true }
    : { now: clock.now().toISOString(), offsetSeconds: 0, controllable: false }

/**
 * `GET /clock` (what time it is here, and whether a run may move it) and `POST /clock {advanceSeconds}`, which moves a
 * controllable clock and is refused (409 `clock_not_controllable`) on the system clock. `adminApiKeys`: the keys both
 * need (the wallet simulator has none: it has no authentication at all).
 */
export function clockRouter(clock: Clock, adminApiKeys?: readonly string[]): Router {
  const router = Router()
  const admin = adminApiKeys ? [requireApiKey(adminApiKeys)] : []
  router.get('/clock', ...admin, (_req, res) => void res.json(stateOf(clock)))
  router.post(
    '/clock',
    ...admin,
    handle((req, res) => {
      const { advanceSeconds } = parseInput(clockAdvanceSchema, req.body)
      if (!(clock instanceof ControllableClock)) {
        throw new HttpError(409, 'clock_not_controllable', 'This service runs on the system clock: start it with --controllable-clock (lab runs only) for a run to move its time')
      }
      clock.advance(advanceSeconds)
      res.json(stateOf(clock))
    }),
  )
  return router
}
