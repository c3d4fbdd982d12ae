// The counter goes first: Credo and jose are loaded below, dynamically, so they see the counting crypto.
import { signatureCounts } from './signatureCounter'
import type { ServiceProcessConfig, ServiceProcessMessage, ServiceProcessRequest } from './serviceProtocol'

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
      const { trustRegistryCheck } = await import('@interop-lab/verifier/trust')
      if (!config.trustRegistryUrl) throw new Error('The verifier needs a trust registry URL')
      return startVerifierService({ ...common, database: database('verifier'), trust: trustRegistryCheck(config.trustRegistryUrl), publisherJwksUrl: config.publisherJwksUrl })
    }
    case 'wallet': {
      const { loadPersonas, startWalletService } = await import('@interop-lab/wallet-sim')
      const benchPersonas = Array.from({ length: config.benchPersonas ?? 0 }, (_, i) => ({ id: `bench-${i + 1}`, name: { en: `Bench holder ${i + 1}`, fr: `Titulaire d'essai ${i + 1}` } }))
      return startWalletService({ port: 0, host: '127.0.0.1', dataDir: config.dataDir, personas: [...loadPersonas(), ...benchPersonas], databaseFor: (id) => database(`wallet_${id}`) })
    }
  }
}

const service = await start()
send({ type: 'ready', url: service.url })
process.on('message', (raw) => {
  const request = raw as ServiceProcessRequest
  if (request.type === 'stats') {
    const cpu = process.cpuUsage()
    send({ type: 'stats', id: request.id, cpuMs: (cpu.user + cpu.system) / 1000, signatures: signatureCounts(), rssMb: process.memoryUsage().rss / 2 ** 20 })
  } else if (request.type === 'stop') {
    void service.close().finally(() => process.exit(0))
  }
})
