import { type Agent, JwsService } from '@credo-ts/core'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createAgent } from '@interop-lab/common/agent'
import { createApp, finishApp, listen, type Listening } from '@interop-lab/common/http'
import { bitstringStatusEntry, checkBitstringStatus, checkTokenStatus, StatusCheckError, tokenStatusClaim } from '@interop-lab/common/status'
import { StatusListFeeds } from '@interop-lab/common/status/statusListFeeds'
import { createStatusRouter, credoJwtSigner, statusListMigrations, StatusListService } from '@interop-lab/issuer/status'

// A verifier keeps an issuer's status list for its Cache-Control max-age (the list's ttl) only while it follows the
// issuer's status change feed (GET /status/changes); a status change returns to its caller (the death pilot's
// correction) only once the verifier dropped the list, so the next check sees the revocation.

const VCT = 'https://interop.example.ca/vct/DeathNotification'
const dataDir = mkdtempSync(join(tmpdir(), 'interop-status-feed-'))
let issuerStack: Awaited<ReturnType<typeof createAgent>>
let verifierStack: Awaited<ReturnType<typeof createAgent>>
let issuer: Agent
let verifier: Agent
let issuerKid: string
let service: StatusListService
let server: Listening
let feeds: StatusListFeeds
/** GET requests the issuer answered for its status lists. */
let listFetches = 0

beforeAll(async () => {
  issuerStack = await createAgent({ database: { engine: 'sqlite', file: join(dataDir, 'issuer.sqlite') }, dataDir: join(dataDir, 'issuer'), modules: {}, migrations: statusListMigrations })
  verifierStack = await createAgent({ database: { engine: 'sqlite', file: join(dataDir, 'verifier.sqlite') }, dataDir: join(dataDir, 'verifier'), modules: {}, allowInsecureHttp: true })
  issuer = issuerStack.agent
  verifier = verifierStack.agent
  const created = await issuer.dids.create({ method: 'jwk', options: { createKey: { type: { kty: 'OKP', crv: 'Ed25519' } } } })
  issuerKid = `${created.didState.did}#0`
  const app = createApp()
  server = await listen(app)
  // each signed list is valid for a minute and may be kept for five (its ttl): a kept list can expire while kept (test below)
  service = new StatusListService({ db: issuerStack.db, baseUrl: server.url, signerFor: (list) => credoJwtSigner(issuer.context, list.kid), validitySeconds: 60, ttlSeconds: 300 })
  app.use(['/status/token', '/status/bitstring'], (_req, _res, next) => {
    listFetches++
    next()
  })
  app.use(createStatusRouter(service))
  finishApp(app)
  feeds = new StatusListFeeds(verifier.config.agentDependencies.fetch)
  verifier.dependencyManager.registerInstance(StatusListFeeds, feeds)
})

afterAll(async () => {
  feeds?.close()
  await server?.close()
  await verifierStack?.shutdown()
  await issuerStack?.shutdown()
  rmSync(dataDir, { recursive: true, force: true })
})

/** Checks until the list is kept (the feed connects on the first check): a check, valid, that fetched nothing. */
async function keptOnceValid(status: () => Promise<{ status: string }>): Promise<void> {
  await expect
    .poll(async () => {
      const before = listFetches
      expect((await status()).status).toBe('valid')
      return listFetches - before
    })
    .toBe(0)
}

async function credentialAt(listId: string) {
  const allocation = await service.allocate(listId)
  const { compact } = await issuer.sdJwtVc.sign({ payload: { vct: VCT, registration_number: 'NL-2024-0007', status: tokenStatusClaim(allocation) }, issuer: { method: 'did', didUrl: issuerKid } })
  const { header, payload } = verifier.sdJwtVc.fromCompact(compact)
  return {
    allocation,
    status: () => checkTokenStatus(verifier.context, { header, payload }),
    bitstringStatus: () => checkBitstringStatus(verifier.context, bitstringStatusEntry(allocation.idx, allocation.bitstringUri), { issuer: issuerKid.split('#')[0] }),
  }
}

describe("a verifier's kept status lists (common/status/statusListFeeds.ts)", () => {
  it('fetches a list once while the issuer has not changed it, and sees a revocation at once after it', async () => {
    const list = await service.createList({ issuer: issuerKid.split('#')[0], kid: issuerKid })
    const { allocation, status } = await credentialAt(list.id)
    await keptOnceValid(status)
    const kept = listFetches
    expect((await status()).status).toBe('valid')
    expect(listFetches).toBe(kept)

    await service.setStatus(list.id, allocation.idx, 'revoked')
    expect(await status()).toMatchObject({ status: 'revoked', value: 1 })
    expect(listFetches).toBe(kept + 1)
  })

  it.each([
    ['a Token Status List (draft-ietf-oauth-status-list, Verification and Processing: its signature, exp and ttl)', 'status'],
    ['a Bitstring Status List credential (Bitstring Status List v1.0 §3.2, validate: its proof and validity period)', 'bitstringStatus'],
  ] as const)('verifies %s kept from its issuer once per signer key, a changed list again, and its lifetime at every use', async (_name, reader) => {
    const list = await service.createList({ issuer: issuerKid.split('#')[0], kid: issuerKid })
    const credential = await credentialAt(list.id)
    const status = credential[reader]
    await keptOnceValid(status)
    // counts the signature verifications Credo makes (calling through): the list's, since the check verifies nothing else
    const verifications = vi.spyOn(JwsService.prototype, 'verifyJws')
    try {
      expect((await status()).status).toBe('valid')
      expect(verifications).not.toHaveBeenCalled()

      await service.setStatus(list.id, credential.allocation.idx, 'revoked')
      expect((await status()).status).toBe('revoked')
      expect(verifications).toHaveBeenCalledTimes(1)
      expect((await status()).status).toBe('revoked')
      expect(verifications).toHaveBeenCalledTimes(1)

      // two minutes on, the kept list (kept for five) has expired (signed for one, 30 s of skew): refused, not verified again
      const fetches = listFetches
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 120_000 })
      const refusal = await status().then(
        () => undefined,
        (error: unknown) => error,
      )
      expect(refusal).toBeInstanceOf(StatusCheckError)
      expect(refusal).toMatchObject({ code: 'status_list_invalid', message: expect.stringMatching(/expired/) })
      expect(listFetches).toBe(fetches)
      expect(verifications).toHaveBeenCalledTimes(1)
    } finally {
      vi.useRealTimers()
      verifications.mockRestore()
    }
  })

  it('fetches the list at every check once the verifier no longer follows the feed', async () => {
    const list = await service.createList({ issuer: issuerKid.split('#')[0], kid: issuerKid })
    const { status } = await credentialAt(list.id)
    feeds.close()
    const before = listFetches
    expect((await status()).status).toBe('valid')
    expect((await status()).status).toBe('valid')
    expect(listFetches).toBe(before + 2)
  })

  it('takes at most 64 followers: the feed is public, and a change waits for each of them', async () => {
    const followers: AbortController[] = []
    try {
      const follow = async () => {
        const controller = new AbortController()
        followers.push(controller)
        return fetch(`${server.url}/status/changes`, { signal: controller.signal })
      }
      // the test's verifier follows already, or not (closed above): fill the feed whatever it holds
      let answer = await follow()
      for (let opened = 1; answer.status === 200 && opened <= 65; opened++) answer = await follow()
      expect(followers.length).toBeLessThanOrEqual(65)
      expect(answer.status).toBe(503)
      expect(answer.headers.get('retry-after')).toBe('60')
      expect(await answer.json()).toMatchObject({ status: 503, code: 'change_feed_full' })
    } finally {
      for (const follower of followers) follower.abort()
    }
  })
})
