import { z } from 'zod'
import type { Operation } from './openapi'

/**
 * A service's clock (common/clock.ts): the system clock, or in a lab run a controllable one that the runner's `wait`
 * step moves forward instead of sleeping (and back by as much when the variant ends).
 */
export const clockStateSchema = z.object({
  /** Tells clocks apart: services in one process share one clock, which the runner moves once. Absent on the system clock. */
  id: z.string().optional(),
  now: z.iso.datetime({ offset: true }),
  /** How far this clock is from the system clock. */
  offsetSeconds: z.number(),
  /** Whether `POST /clock` may move it (the service was started with `--controllable-clock`). */
  controllable: z.boolean(),
})
export type ClockState = z.infer<typeof clockStateSchema>

/** Moves a controllable clock by this many seconds: forward for a `wait` step, back when the run undoes it. */
export const clockAdvanceSchema = z.strictObject({ advanceSeconds: z.number().min(-86_400).max(86_400) })

const controllableOnly = 'refused (409 clock_not_controllable) unless the service was started with --controllable-clock, for lab runs'

/** `GET /clock` and `POST /clock`, the same on every service: admin routes, or open where the whole service is (the wallet simulator). */
export function clockOperations(access: { admin: true } | { openBecause: string }): Operation[] {
  return [
    {
      method: 'get',
      path: '/clock',
      summary: 'What time it is for this service, and whether a lab run may move it',
      answer: { status: 200, description: 'The clock', schema: clockStateSchema },
      ...access,
    },
    {
      method: 'post',
      path: '/clock',
      summary: `Move this service's clock (a pilot's wait step without sleeping): ${controllableOnly}`,
      body: clockAdvanceSchema,
      answer: { status: 200, description: 'The clock, moved', schema: clockStateSchema },
      ...access,
    },
  ]
}
