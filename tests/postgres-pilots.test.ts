import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runVariant } from '@interop-lab/scenarios/runner'
import { loadScenarios } from '@interop-lab/scenarios/scenario'
import { type PostgresCluster, startPostgres } from './support/postgres'
import { startTestStack } from './support/stack'

// The pilots again, every service on PostgreSQL (INTEROP_DATABASE_URL), as a multi-host deployment runs them.

const scenarios = loadScenarios()
let postgres: PostgresCluster
let stack: Awaited<ReturnType<typeof startTestStack>>

beforeAll(async () => {
  postgres = await startPostgres()
  stack = await startTestStack({ env: { INTEROP_DATABASE_URL: postgres.url }, notificationRetryBaseMs: 50 })
})
afterAll(async () => {
  await stack?.close()
  await postgres?.stop()
})

async function serverDatabases(): Promise<string[]> {
  const client = new pg.Client({ connectionString: postgres.url })
  await client.connect()
  try {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY datname')
    return rows.map((r) => r.datname)
  } finally {
    await client.end()
  }
}

describe('pilots on PostgreSQL', () => {
  it('gives every service, and every wallet persona, a database of its own on the server', async () => {
    const databases = await serverDatabases()
    // one trust registry per jurisdiction (the federated default), each with its own database
    expect(databases).toEqual(expect.arrayContaining(['issuer', 'verifier', 'trust_registry_ca', 'trust_registry_ca_bc', 'trust_registry_ca_nl']))
    expect(databases.filter((name) => name.startsWith('wallet_')).length).toBeGreaterThan(1)
  })

  it.each(['dc+sd-jwt', 'jwt_vc_json'] as const)('replays business banking in %s', async (format) => {
    const result = await runVariant(stack.endpoints, scenarios.find((s) => s.id === 'business-banking')!, undefined, format)
    expect(result.steps.map((s) => [s.stepId, s.passed, s.error])).toEqual(result.steps.map((s) => [s.stepId, true, undefined]))
    expect(result.passed).toBe(true)
    expect(result.steps.at(-1)!.decision!.outcome).toBe('accepted')
  })

  it('rejects a replayed presentation on PostgreSQL as on SQLite', async () => {
    const scenario = scenarios.find((s) => s.id === 'business-banking')!
    const result = await runVariant(
      stack.endpoints,
      scenario,
      scenario.variants.find((v) => v.id === 'replayed-nonce'),
      'dc+sd-jwt',
    )
    expect(result.passed).toBe(true)
    expect(result.steps.at(-1)!.decision!.failedChecks).toContain('nonce')
  })

  it.each(['dc+sd-jwt', 'jwt_vc_json'] as const)('replays the death notification in %s: registration, notifications, proof, revocation on correction', async (format) => {
    const scenario = scenarios.find((s) => s.id === 'death-notification')!
    const result = await runVariant(stack.endpoints, scenario, undefined, format)
    expect(result.steps.map((s) => [s.stepId, s.passed, s.error])).toEqual(scenario.steps.map((s) => [s.id, true, undefined]))
    expect(result.steps.find((s) => s.stepId === 'bank-rejects-revoked-proof')!.decision!.failedChecks).toEqual(['status'])
  })
})
