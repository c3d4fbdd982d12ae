import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'

export { freePort } from '@interop-lab/common/freePort'

const REPO = join(import.meta.dirname, '..', '..')
const STARTUP_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 15_000

export type ServiceName = 'trust-registry' | 'issuer' | 'verifier' | 'wallet-sim'

export interface ServiceProcessOptions {
  service: ServiceName
  port: number
  dataDir: string
  /** Further command-line flags (`--trust-registry`, `--issuer`…). */
  args?: string[]
  env: NodeJS.ProcessEnv
}

/** A service started from its own `main.ts` as a separate OS process, as a deployment runs it. */
export interface ServiceProcess {
  readonly url: string
  /** Everything the process printed, across restarts. */
  output(): string
  /** Stops it with `signal` (SIGKILL: a crash) and waits until it is gone; resolves to its exit code, or the signal. */
  stop(signal?: NodeJS.Signals): Promise<number | string>
  /** Starts it again, same port, same data, and waits until it answers. */
  restart(): Promise<void>
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${url} exited (${child.exitCode ?? child.signalCode}) before it answered:\n${output()}`)
    const healthy = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) }).then(
      (response) => response.ok,
      () => false,
    )
    if (healthy) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${url} did not answer /health within ${STARTUP_TIMEOUT_MS / 1000} s:\n${output()}`)
}

/** `node --import tsx <service>/main.ts --host 127.0.0.1 --port … --data-dir …`, waited on until GET /health answers. */
export async function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const url = `http://127.0.0.1:${options.port}`
  let log = ''
  let child: ChildProcess
  const launch = async () => {
    child = spawn(
      process.execPath,
      ['--import', 'tsx', join(options.service, 'main.ts'), '--host', '127.0.0.1', '--port', String(options.port), '--data-dir', options.dataDir, ...(options.args ?? [])],
      {
        cwd: REPO,
        env: options.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    const append = (chunk: Buffer) => {
      log += chunk.toString()
    }
    child.stdout?.on('data', append)
    child.stderr?.on('data', append)
    await waitForHealth(url, child, () => log)
  }
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    const running = child
    if (running.exitCode !== null || running.signalCode !== null) return running.exitCode ?? running.signalCode!
    const exited = new Promise<number | string>((resolve) => running.once('exit', (code, killedBy) => resolve(code ?? killedBy ?? 'unknown')))
    running.kill(signal)
    const timer = setTimeout(() => running.kill('SIGKILL'), STOP_TIMEOUT_MS)
    try {
      return await exited
    } finally {
      clearTimeout(timer)
    }
  }
  await launch().catch(async (error: unknown) => {
    await stop('SIGKILL')
    throw error
  })
  return { url, output: () => log, stop, restart: launch }
}

/** Runs a script of the repository to its end (`node --import tsx <script> …args`); resolves to its exit code and output. */
export function runScript(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.once('error', reject)
    child.once('exit', (code) => resolve({ code, output }))
  })
}
