import { LOCAL_ADMIN_API_KEY } from '@interop-lab/common/config'
import { type Database, databaseConfigFor, openDatabase } from '@interop-lab/common/db'
import type { AuthorizationAnswer } from '@interop-lab/contracts'
import { leanJsonClient } from './leanClient'
import { measureLoad } from './measure'
import type { BenchContext, BenchRow } from './rows'
import { startServiceProcess } from './serviceProcesses'

export const REGISTRY_P99_TARGET_MS = 5
const DATABASE_NAME = 'trust_registry_scale'
const INSERT_BATCH = 100_000
const AUTHORITY = 'CA-ON'
const RESOURCE = 'BusinessRegistrationCredential'

export const benchEntityDid = (n: number) => `did:web:bench.example:issuers:${n}`

/**
 * Adds entities `from`…`to - 1` (each with one authorization) straight into the registry's tables, in
 * batches of one statement each: a recursive CTE generates the rows (SQLite and PostgreSQL alike).
 */
async function insertEntities(db: Database, from: number, to: number): Promise<void> {
  for (let start = from; start < to; start += INSERT_BATCH) {
    const end = Math.min(to, start + INSERT_BATCH) - 1
    const sequence = 'WITH RECURSIVE seq(n) AS (SELECT CAST(? AS INTEGER) UNION ALL SELECT n + 1 FROM seq WHERE n < CAST(? AS INTEGER))'
    await db.transaction(async (tx) => {
      await tx.run(
        `${sequence} INSERT INTO registry_entities (entity_key, entity_id, name_en, name_fr, jurisdiction, status, valid_from, valid_until)
         SELECT 'bench-' || n, 'did:web:bench.example:issuers:' || n, 'Bench issuer ' || n, 'Émetteur d''essai ' || n, '${AUTHORITY}', 'active', NULL, NULL FROM seq`,
        [start, end],
      )
      await tx.run(
        `${sequence} INSERT INTO registry_authorizations (entity_key, authority_id, action, resource)
         SELECT 'bench-' || n, '${AUTHORITY}', 'issue', '${RESOURCE}' FROM seq`,
        [start, end],
      )
    })
  }
}

/**
 * TRQP authorization queries against a registry holding 1k, 100k and 1M entities: one client for the
 * latency a verifier sees, then many for throughput. A registry of its own, so the sizes are exact.
 */
export async function measureRegistry(context: BenchContext, dataDir: string, sizes: number[]): Promise<BenchRow[]> {
  const registry = await startServiceProcess({ service: 'trust-registry', dataDir, adminApiKey: LOCAL_ADMIN_API_KEY, databaseName: DATABASE_NAME })
  const db = await openDatabase(databaseConfigFor(`bench_${DATABASE_NAME}`, dataDir))
  const rows: BenchRow[] = []
  const client = leanJsonClient(16)
  const stats = async () => ({ 'trust-registry': await registry.stats() })
  try {
    let held = 0
    for (const size of sizes) {
      const started = performance.now()
      await insertEntities(db, held, size)
      held = size
      context.log(`Trust registry: ${size.toLocaleString('en-CA')} entities (inserted in ${((performance.now() - started) / 1000).toFixed(1)} s)`)
      const query = async () => {
        const n = Math.floor(Math.random() * size)
        const { status, body } = await client.post<AuthorizationAnswer & { jws?: string; message?: string }>(`${registry.url}/trqp/authorization`, {
          entity_id: benchEntityDid(n),
          authority_id: AUTHORITY,
          action: 'issue',
          resource: RESOURCE,
        })
        if (status !== 200 || !body.authorized || !body.jws) throw new Error(`Entity ${n} was not authorized (${status}): ${body.message}`)
      }
      const label = { section: 'Trust registry (TRQP authorization, signed answer; node:http client)', name: `query, ${size.toLocaleString('en-CA')} entities` }
      for (const concurrency of [1, 16]) {
        const row = await measureLoad({ stats }, context, label, { concurrency, maxOps: context.maxOps * 2, warmupPerClient: 20 }, query)
        if (concurrency === 1 && size >= 1_000_000) row.target = { text: `p99 < ${REGISTRY_P99_TARGET_MS} ms at 1M`, met: (row.p99Ms ?? Infinity) < REGISTRY_P99_TARGET_MS }
        rows.push(row)
      }
    }
  } finally {
    client.close()
    await db.close()
    await registry.stop()
  }
  return rows
}
