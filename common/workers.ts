import cluster, { type Worker } from 'node:cluster'

/** A started service: where it listens, and how it stops. */
export interface Serving {
  url: string
  close(): Promise<void>
}

/** What a worker tells the primary once its service answers. */
interface WorkerReady {
  type: 'worker-ready'
  url: string
}

const isWorkerReady = (message: unknown): message is WorkerReady => (message as WorkerReady | undefined)?.type === 'worker-ready'

/** The primary of `count` worker processes serving one port. */
export interface WorkerPool extends Serving {
  workers: Worker[]
}

/**
 * Runs `start` in `count` processes listening on one port (node:cluster: the primary accepts the connections and
 * hands each to a worker in turn). With one, `start` runs in this process. The workers start one after the other:
 * the first migrates the database and creates the records they all share. A worker keeps nothing between the
 * requests of an exchange (each may land on another worker): what a request needs is in the database.
 * A worker that stops on its own stops the pool (exit code 1): a supervisor restarts the service as a whole.
 */
export async function serveWithWorkers(count: number, start: () => Promise<Serving>): Promise<Serving | WorkerPool> {
  if (cluster.isWorker) {
    const service = await start()
    process.send?.({ type: 'worker-ready', url: service.url } satisfies WorkerReady)
    return service
  }
  if (count === 1) return start()

  const workers: Worker[] = []
  let stopping = false
  let url = ''
  for (let i = 0; i < count; i++) {
    const worker = cluster.fork()
    workers.push(worker)
    url = await new Promise<string>((resolve, reject) => {
      worker.on('message', (message: unknown) => isWorkerReady(message) && resolve(message.url))
      worker.once('exit', (code, signal) => reject(new Error(`Worker ${i + 1} of ${count} exited (${signal ?? code}) before it was ready`)))
    }).catch(async (error: unknown) => {
      await stopAll(workers)
      throw error
    })
    worker.on('exit', (code, signal) => {
      if (stopping) return
      console.error(`Worker ${i + 1} of ${count} (pid ${worker.process.pid}) exited (${signal ?? code}): stopping the others`)
      stopping = true
      void stopAll(workers).finally(() => process.exit(1))
    })
  }
  return {
    url,
    workers,
    async close() {
      stopping = true
      await stopAll(workers)
    },
  }
}

/** SIGTERM to each running worker (its service closes, then it exits), and waits until all are gone. */
async function stopAll(workers: Worker[]): Promise<void> {
  await Promise.all(
    workers.map((worker) => {
      if (worker.isDead()) return undefined
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
      worker.process.kill('SIGTERM')
      return exited
    }),
  )
}

/** Which worker of a pool this process is (1…N), or undefined outside a pool. */
export const workerNumber = (): number | undefined => (cluster.isWorker ? cluster.worker?.id : undefined)
