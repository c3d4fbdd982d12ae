import { closeSync, openSync, statSync, utimesSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A lab run with `--port-base B` listens on B, B+100 … B+400 (scenarios/main.ts). */
const OFFSETS = [0, 100, 200, 300, 400]
/** Bases 500 apart, below Linux's ephemeral ports (32768 up): no two runs share a port, nor a run and an outgoing connection. */
const FIRST_BASE = 10_000
const BASES = 45
/** A reservation covers the time a run takes to bind its ports (from then on the probe sees them taken): seconds. */
const RESERVED_MS = 2 * 60 * 1000

/**
 * A `--port-base` for a lab run started by a test: every port of it free now, and reserved for {@link RESERVED_MS}
 * against the test files choosing one at the same time (a file per base in the temporary directory). Random bases on a
 * 100-port grid collided, one run's trust registry on another's issuer port (EADDRINUSE).
 */
export async function freePortBase(): Promise<number> {
  for (let attempt = 0; attempt < 2 * BASES; attempt++) {
    const base = FIRST_BASE + Math.floor(Math.random() * BASES) * 500
    if (reserve(base) && (await Promise.all(OFFSETS.map((offset) => isFree(base + offset)))).every(Boolean)) return base
  }
  throw new Error(`No free --port-base between ${FIRST_BASE} and ${FIRST_BASE + (BASES - 1) * 500}`)
}

function reserve(base: number): boolean {
  const file = join(tmpdir(), `interop-lab-port-base-${base}`)
  try {
    closeSync(openSync(file, 'wx'))
  } catch {
    const reservedAt = statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()
    if (Date.now() - reservedAt < RESERVED_MS) return false
    utimesSync(file, new Date(), new Date())
  }
  return true
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}
