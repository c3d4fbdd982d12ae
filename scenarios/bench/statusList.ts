import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { createAgent } from '@interop-lab/common/agent'
import { databaseConfigFor, openDatabase } from '@interop-lab/common/db'
import { bitAt, bitstringStatusEntry, checkBitstringStatus, checkTokenStatus, decodeBitstring, decodeTokenStatusList, readTokenStatus, TOKEN_STATUS_CODES } from '@interop-lab/common/status'
import { callJson } from '../client'
import { percentile, runLoad } from './load'
import { type BenchContext, type BenchRow, rowFromLoad } from './rows'

export const STATUS_LIST_SIZE = 1_048_576
const SECTION = `Status list, ${STATUS_LIST_SIZE.toLocaleString('en-CA')} entries (verifier side)`

/** Every index is allocated; about 1% revoked and 0.5% suspended, spread over the list. */
const expectedStatus = (idx: number) => (idx % 97 === 0 ? 'revoked' : idx % 199 === 0 ? 'suspended' : 'valid')

/** Creates a full 1M-entry list for `issuerDid` in the issuer's database (a recursive CTE: one statement). */
async function insertFullList(dataDir: string, issuerDid: string): Promise<string> {
  const db = await openDatabase(databaseConfigFor('bench_issuer', dataDir))
  const listId = randomUUID()
  const now = new Date().toISOString()
  try {
    await db.transaction(async (tx) => {
      await tx.run('INSERT INTO status_lists (id, issuer, kid, size, bits_per_status, version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
        listId,
        issuerDid,
        `${issuerDid}#0`,
        STATUS_LIST_SIZE,
        2,
        0,
        now,
      ])
      await tx.run(
        `WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < CAST(? AS INTEGER))
         INSERT INTO status_entries (list_id, idx, credential_ref, status, updated_at)
         SELECT ?, n, NULL, CASE WHEN n % 97 = 0 THEN 'revoked' WHEN n % 199 = 0 THEN 'suspended' ELSE 'valid' END, ? FROM seq`,
        [STATUS_LIST_SIZE - 1, listId, now],
      )
    })
    return listId
  } finally {
    await db.close()
  }
}

async function bumpVersion(dataDir: string, listId: string): Promise<void> {
  const db = await openDatabase(databaseConfigFor('bench_issuer', dataDir))
  await db.run('UPDATE status_lists SET version = version + 1 WHERE id = ?', [listId])
  await db.close()
}

// biome-ignore lint/suspicious/noExplicitAny: a JWT payload read for two claims the bench then checks itself
const payloadOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')) as Record<string, any>

/**
 * A verifier checking credentials against a 1,048,576-entry list the issuer publishes: the full check
 * (fetch, signature, decompression, lookup) in both list formats, the in-memory part alone, and what the
 * issuer pays to re-sign the list after a status change.
 */
export async function measureStatusList(context: BenchContext, dataDir: string, issuerUrl: string): Promise<BenchRow[]> {
  const { issuers } = await callJson<{ issuers: { key: string; did: string }[] }>('GET', `${issuerUrl}/issuers`)
  const did = issuers.find((i) => i.key === 'bc-registries')!.did
  const started = performance.now()
  const listId = await insertFullList(dataDir, did)
  context.log(`Status list: ${STATUS_LIST_SIZE.toLocaleString('en-CA')} entries inserted in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  const tokenUri = `${issuerUrl}/status/token/${listId}`
  const bitstringUri = `${issuerUrl}/status/bitstring/${listId}`
  const checker = await createAgent({ database: { engine: 'sqlite', file: join(dataDir, 'bench_status_checker.sqlite') }, dataDir, modules: {}, allowInsecureHttp: true })
  const randomIndex = () => Math.floor(Math.random() * STATUS_LIST_SIZE)
  const load = { concurrency: 1, maxOps: context.quick ? 200 : 1000, maxSeconds: context.maxSeconds }
  const rows: BenchRow[] = []
  try {
    const publishTimes: number[] = []
    for (let i = 0; i < (context.quick ? 3 : 10); i++) {
      await bumpVersion(dataDir, listId)
      const started = performance.now()
      await fetch(tokenUri).then((r) => r.text())
      publishTimes.push(performance.now() - started)
    }
    publishTimes.sort((a, b) => a - b)
    rows.push({
      section: SECTION,
      name: 'issuer re-signs the token list after a change (GET)',
      concurrency: 1,
      ops: publishTimes.length,
      p50Ms: percentile(publishTimes, 50),
      p99Ms: percentile(publishTimes, 99),
    })

    const tokenCheck = await runLoad(load, async () => {
      const idx = randomIndex()
      const result = await checkTokenStatus(checker.agent.context, { header: { kid: `${did}#0` }, payload: { iss: did, status: { status_list: { idx, uri: tokenUri } } } })
      if (result.status !== expectedStatus(idx)) throw new Error(`Index ${idx} read as ${result.status}`)
    })
    rows.push(rowFromLoad(SECTION, 'token list: fetch + verify + inflate + check', tokenCheck))

    const tokenPayload = payloadOf(await fetch(tokenUri).then((r) => r.text()))
    const tokenRead = await runLoad(load, async () => {
      const idx = randomIndex()
      if (readTokenStatus(tokenPayload.status_list, idx).value !== TOKEN_STATUS_CODES[expectedStatus(idx)]) throw new Error(`Index ${idx} misread`)
    })
    rows.push(rowFromLoad(SECTION, 'token list: inflate + read the index (in memory)', tokenRead))
    const tokenUnpack = await runLoad({ ...load, maxOps: Math.min(load.maxOps, 100) }, async () => {
      const idx = randomIndex()
      if (decodeTokenStatusList(tokenPayload.status_list)[idx] !== TOKEN_STATUS_CODES[expectedStatus(idx)]) throw new Error(`Index ${idx} misread`)
    })
    rows.push(rowFromLoad(SECTION, 'token list: inflate + unpack all 1M + check (in memory)', tokenUnpack))

    const bitstringCheck = await runLoad(load, async () => {
      const idx = randomIndex()
      const result = await checkBitstringStatus(checker.agent.context, bitstringStatusEntry(idx, bitstringUri), { issuer: did })
      if (result.status !== (expectedStatus(idx) === 'revoked' ? 'revoked' : 'valid')) throw new Error(`Index ${idx} read as ${result.status}`)
    })
    rows.push(rowFromLoad(SECTION, 'bitstring list: fetch + verify + gunzip + check', bitstringCheck))

    const encodedList = (payloadOf(await fetch(bitstringUri).then((r) => r.text())).vc as { credentialSubject: { encodedList: string } }).credentialSubject.encodedList
    const bitstringDecode = await runLoad(load, async () => {
      bitAt(decodeBitstring(encodedList), randomIndex())
    })
    rows.push(rowFromLoad(SECTION, 'bitstring list: gunzip + check (in memory)', bitstringDecode))
  } finally {
    await checker.shutdown()
  }
  for (const row of rows) context.log(`  ${row.name}: p50 ${row.p50Ms?.toFixed(2)} ms p99 ${row.p99Ms?.toFixed(2)} ms${row.firstError ? ` (error: ${row.firstError})` : ''}`)
  return rows
}
