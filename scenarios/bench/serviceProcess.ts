// The counter goes first: Credo and jose are loaded below, dynamically, so they see the counting crypto.
import { signatureCounts } from './signatureCounter'
import cluster, { type Worker } from 'node:cluster'
import type { ProcessStats, ServiceProcessConfig, ServiceProcessMessage, ServiceProcessRequest } from './serviceProtocol'

/** One service of the stack in its own process (a child of the bench), reporting its URL and its CPU and signature counts. */
const config = JSON.parse(process.argv[2] ?? '{}') as ServiceProcessConfig
// BENCH_SLOW_FETCH_MS=500 logs every outgoing call a service makes that takes longer (how the vct fetches were found)
const slowFetchMs = Number(process.env.BENCH_SLOW_FETCH_MS)
if (slowFetchMs > 0) {
  const original = globalThis.fetch
  globalThis.fetch = async (input, init) => {
    const started = performance.now()
    try {
      return await original(input, init)
    } finally {
      const ms = performance.now() - started
      if (ms > slowFetchMs) console.error(`[${config.service}] slow fetch: ${ms.toFixed(0)} ms ${init?.method ?? 'GET'} ${String(input)}`)
    }
  }
}
const send = (message: ServiceProcessMessage) => process.send?.(message)

async function start(): Promise<{ url: string; close(): Promise<void> }> {
  const { databaseConfigFor } = await import('@interop-lab/common/db')
  const database = (name: string) => databaseConfigFor(`bench_${name}`, config.dataDir)
  const common = { port: 0, host: '127.0.0.1', dataDir: config.dataDir, adminApiKeys: [config.adminApiKey] }
  switch (config.service) {
    case 'trust-registry': {
      const { startTrustRegistry } = await import('@interop-lab/trust-registry')
      return startTrustRegistry({ ...common, database: database(config.databaseName ?? 'trust_registry') })
    }
    case 'issuer': {
      const { startIssuerService } = await import('@interop-lab/issuer')
      return startIssuerService({ ...common, database: database('issuer'), trustRegistryUrl: config.trustRegistryUrl })
    }
    case 'verifier': {
      const { startVerifierService } = await import('@interop-lab/verifier')
      if (!config.trustRegistryUrl) throw new Error('The verifier needs a trust registry URL')
      // as deployed (verifier/main.ts): the registry's key pinned in its database, its answers kept while its change feed is up
      return startVerifierService({ ...common, database: database('verifier'), trust: { url: config.trustRegistryUrl }, publisherJwksUrl: config.publisherJwksUrl })
    }
    case 'wallet': {
      const { loadPersonas, startWalletService } = await import('@interop-lab/wallet-sim')
      const benchPersonas = Array.from({ length: config.benchPersonas ?? 0 }, (_, i) => ({ id: `bench-${i + 1}`, name: { en: `Bench holder ${i + 1}`, fr: `Titulaire d'essai ${i + 1}` } }))
      return startWalletService({ port: 0, host: '127.0.0.1', dataDir: config.dataDir, personas: [...loadPersonas(), ...benchPersonas], databaseFor: (id) => database(`wallet_${id}`) })
    }
  }
}

const ownStats = (): ProcessStats => {
  const cpu = process.cpuUsage()
  return { cpuMs: (cpu.user + cpu.system) / 1000, signatures: signatureCounts(), rssMb: process.memoryUsage().rss / 2 ** 20 }
}

/** A worker's counts, asked over the cluster's channel (a worker of this file answers `stats` as below). */
const workerStats = (worker: Worker, id: number) =>
  new Promise<ProcessStats>((resolve) => {
    const answer = (message: ServiceProcessMessage) => {
      if (message.type !== 'stats' || message.id !== id) return
      worker.off('message', answer)
      const { type: _type, id: _id, ...stats } = message
      resolve(stats)
    }
    worker.on('message', answer)
    worker.send({ type: 'stats', id } satisfies ServiceProcessRequest)
  })

/** This process's counts, with its workers' when it is the primary of a pool: the service's whole cost. */
async function totalStats(workers: Worker[], id: number): Promise<ProcessStats> {
  const all = [ownStats(), ...(await Promise.all(workers.map((worker) => workerStats(worker, id))))]
  return all.reduce((sum, stats) => ({
    cpuMs: sum.cpuMs + stats.cpuMs,
    signatures: { sign: sum.signatures.sign + stats.signatures.sign, verify: sum.signatures.verify + stats.signatures.verify },
    rssMb: sum.rssMb + stats.rssMb,
  }))
}

const { serveWithWorkers } = await import('@interop-lab/common/workers')
const service = await serveWithWorkers(config.workers ?? 1, start)
const workers = 'workers' in service ? service.workers : []
// a worker is stopped by its primary (SIGTERM) and reports to it; the bench talks to the primary only
if (cluster.isWorker) process.once('SIGTERM', () => void service.close().finally(() => process.exit(0)))
else send({ type: 'ready', url: service.url })
process.on('message', (raw) => {
  const request = raw as ServiceProcessRequest
  if (request.type === 'stats') {
    void totalStats(workers, request.id).then((stats) => send({ type: 'stats', id: request.id, ...stats }))
  } else if (request.type === 'stop') {
    void service.close().finally(() => process.exit(0))
  }
})
