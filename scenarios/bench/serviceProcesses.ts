import { fork } from 'node:child_process'
import { join } from 'node:path'
import type { BenchService, ProcessStats, ServiceProcessConfig, ServiceProcessMessage, ServiceProcessRequest } from './serviceProtocol'

export interface ServiceProcess {
  service: BenchService
  url: string
  stats(): Promise<ProcessStats>
  stop(): Promise<void>
}

export interface ProcessOptions {
  /** Write a V8 CPU profile of the process here when it stops (`--cpu-prof`). */
  profileDir?: string
}

const STARTUP_TIMEOUT_MS = 120_000

/** Starts one service in a child process (the tsx loader is inherited) and waits until it listens. */
export function startServiceProcess(config: ServiceProcessConfig, options: ProcessOptions = {}): Promise<ServiceProcess> {
  // one directory per service: the main thread and tsx's loader thread each write a profile there
  const execArgv = [...process.execArgv, ...(options.profileDir ? ['--cpu-prof', '--cpu-prof-dir', join(options.profileDir, config.service)] : [])]
  const child = fork(join(import.meta.dirname, 'serviceProcess.ts'), [JSON.stringify(config)], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  let nextId = 0
  const pending = new Map<number, (stats: ProcessStats) => void>()
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${config.service} did not start within ${STARTUP_TIMEOUT_MS / 1000} s`)), STARTUP_TIMEOUT_MS)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${config.service} exited with code ${code} before it was ready`))
    })
    child.on('message', (raw) => {
      const message = raw as ServiceProcessMessage
      if (message.type === 'stats') {
        const { type: _type, id, ...stats } = message
        pending.get(id)?.(stats)
        pending.delete(id)
        return
      }
      clearTimeout(timer)
      resolve({
        service: config.service,
        url: message.url,
        stats: () =>
          new Promise((resolveStats) => {
            const id = nextId++
            pending.set(id, resolveStats)
            child.send({ type: 'stats', id } satisfies ServiceProcessRequest)
          }),
        async stop() {
          if (child.exitCode === null) child.send({ type: 'stop' } satisfies ServiceProcessRequest)
          await exited
        },
      })
    })
  })
}
