import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ChainLink } from '@interop-lab/trust-registry/federation'
import { TrustAnswerCache } from '@interop-lab/trust-registry/client'
import { memoryKeyPin } from '@interop-lab/trust-registry/keyPin'
import { startTrustRegistry, type TrustRegistry } from '@interop-lab/trust-registry'
import { trustRegistryCheck } from '@interop-lab/verifier/trust'

// A verifier keeps a registry's positive signed answers while the registry's change feed (GET /registry/changes,
// server-sent events) is connected, and drops them on any change before the change's caller hears back.

const ADMIN = 'answer-cache-admin-key'
const BC_DID = 'did:web:bc-registries.example:issuer'
const BUSINESS = 'BusinessRegistrationCredential'
const dataDir = mkdtempSync(join(tmpdir(), 'interop-answer-cache-'))
let registry: TrustRegistry
const answers = new TrustAnswerCache()

const admin = async (method: string, path: string, body?: unknown) =>
  (await fetch(`${registry.url}${path}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` }, body: body === undefined ? undefined : JSON.stringify(body) }))
    .status

/** The BC business registry, recognized by the federal authority: a recognition and an authorization, both signed. */
const check = (options: { maxAnswerAgeSeconds?: number; cache?: TrustAnswerCache } = {}) =>
  trustRegistryCheck(registry.url, memoryKeyPin(), { answers: options.cache ?? answers })({
    issuer: BC_DID,
    credentialType: BUSINESS,
    jurisdiction: 'CA-BC',
    authority: 'CA',
    maxAnswerAgeSeconds: options.maxAnswerAgeSeconds,
  })
const signaturesOf = (answer: { detail?: unknown }) => (answer.detail as { chain: ChainLink[] }).chain.map((link) => link.jws)

/** Asks until the answers come back as they were kept: the feed is connected once a repeated check is answered from what was kept. */
async function keptAnswers(options: { maxAnswerAgeSeconds?: number } = {}) {
  let first = signaturesOf(await check(options))
  await expect
    .poll(async () => {
      const again = signaturesOf(await check(options))
      const same = JSON.stringify(again) === JSON.stringify(first)
      first = again
      return same
    })
    .toBe(true)
  return first
}

beforeAll(async () => {
  registry = await startTrustRegistry({ dataDir, adminApiKeys: [ADMIN], database: { engine: 'sqlite', file: join(dataDir, 'registry.sqlite') } })
  expect(await admin('PUT', '/admin/entities/bc-registries/did', { did: BC_DID })).toBe(200)
})
afterAll(async () => {
  answers.close()
  await registry?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

describe("a verifier's kept trust registry answers", () => {
  it('uses the signed answers again while the registry has not changed: the same signatures, no new ones', async () => {
    const kept = await keptAnswers()
    expect(kept).toHaveLength(2)
    const again = await check()
    expect(again.authorized).toBe(true)
    expect(signaturesOf(again)).toEqual(kept)
  })

  it('refuses at once, without waiting, an issuer its registry suspended after its answer was kept; trusts it again once reinstated', async () => {
    const kept = await keptAnswers()
    expect(await admin('PATCH', '/admin/entities/bc-registries', { status: 'suspended' })).toBe(200)
    try {
      const answer = await check()
      expect(answer.authorized).toBe(false)
      expect(answer.message).toMatch('BC Registries is suspended')
    } finally {
      expect(await admin('PATCH', '/admin/entities/bc-registries', { status: 'active' })).toBe(200)
    }
    const reinstated = await check()
    expect(reinstated.authorized).toBe(true)
    expect(signaturesOf(reinstated)).not.toEqual(kept)
  })

  it('refuses at once a recognition withdrawn after it was kept (TRQP recognition: not recognized)', async () => {
    await keptAnswers()
    expect(await admin('DELETE', `/admin/recognitions/CA-BC?resource=${BUSINESS}`)).toBe(200)
    try {
      const answer = await check()
      expect(answer).toMatchObject({ authorized: false, detail: { refusal: 'not-recognized' } })
    } finally {
      expect(await admin('PUT', '/admin/recognitions/CA-BC', { resources: [BUSINESS] })).toBe(200)
    }
    expect((await check()).authorized).toBe(true)
  })

  it('asks again once a kept answer is older than the policy allows (trustAnswerMaxAgeSeconds)', async () => {
    const kept = await keptAnswers({ maxAnswerAgeSeconds: 1 })
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    const answer = await check({ maxAnswerAgeSeconds: 1 })
    expect(answer.authorized).toBe(true)
    expect(signaturesOf(answer)).not.toEqual(kept)
  })

  it('keeps no refusal: a suspended issuer is asked about every time, and seen trusted once reinstated', async () => {
    expect(await admin('PATCH', '/admin/entities/bc-registries', { status: 'suspended' })).toBe(200)
    try {
      const first = await check()
      const second = await check()
      expect([first.authorized, second.authorized]).toEqual([false, false])
      expect(signaturesOf(second).at(-1)).not.toEqual(signaturesOf(first).at(-1))
    } finally {
      expect(await admin('PATCH', '/admin/entities/bc-registries', { status: 'active' })).toBe(200)
    }
  })

  it('keeps nothing once closed (no change feed followed): each check asks again', async () => {
    const closed = new TrustAnswerCache()
    closed.close()
    const first = await check({ cache: closed })
    const second = await check({ cache: closed })
    expect(first.authorized).toBe(true)
    expect(signaturesOf(second)).not.toEqual(signaturesOf(first))
  })
})
