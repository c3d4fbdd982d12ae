import { type BaseEvent, BaseRecord, GenericRecord, InjectionSymbols, JsonTransformer, Repository, RepositoryEventTypes, type StorageService } from '@credo-ts/core'
import { OpenId4VcIssuanceSessionRecord, OpenId4VcIssuanceSessionState, OpenId4VcIssuerEvents, OpenId4VcIssuerService } from '@credo-ts/openid4vc'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAgent } from '@interop-lab/common/agent'

type Agent = Awaited<ReturnType<typeof createAgent>>

/** Counts the record copies (`BaseRecord.clone`, what Credo's event payloads are made with) that `run` makes. */
async function countingClones(run: () => unknown): Promise<number> {
  const clone = BaseRecord.prototype.clone
  let clones = 0
  BaseRecord.prototype.clone = function (this: BaseRecord) {
    clones++
    return clone.call(this)
  }
  try {
    await run()
  } finally {
    BaseRecord.prototype.clone = clone
  }
  return clones
}

/** Saves `record`, updates it and deletes it: the three repository events. */
async function saveUpdateDelete(repository: Repository<GenericRecord>, agent: Agent['agent'], record: GenericRecord): Promise<void> {
  await repository.save(agent.context, record)
  record.content = { step: 2 }
  await repository.update(agent.context, record)
  await repository.delete(agent.context, record)
}

/** Credo's Repository for generic records, on the agent's storage and event emitter. */
const repositoryOf = (agent: Agent['agent']) => new Repository(GenericRecord, agent.dependencyManager.resolve<StorageService<GenericRecord>>(InjectionSymbols.StorageService), agent.events)

describe('record events are copied for listeners only (common/persistence/unheardRecordEvents.ts)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'interop-record-events-'))
  let started: Agent
  beforeAll(async () => {
    started = await createAgent({ database: { engine: 'sqlite', file: join(dataDir, 'agent.sqlite') }, dataDir, modules: {} })
  })
  afterAll(async () => {
    await started?.shutdown()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('saves, updates and deletes a record without copying it when nothing listens to the repository events', async () => {
    const { agent } = started
    const repository = repositoryOf(agent)
    const record = new GenericRecord({ content: { step: 1 } })
    const clones = await countingClones(() => saveUpdateDelete(repository, agent, record))
    expect(clones).toBe(0)
    expect(await repository.findById(agent.context, record.id)).toBeNull()
  })

  it('emits each repository event with its own copy of the record to a listener, as Credo does', async () => {
    const { agent } = started
    const repository = repositoryOf(agent)
    const heard: { type: string; record: BaseRecord }[] = []
    const listeners = Object.values(RepositoryEventTypes).map((type) => {
      const listener = (event: BaseEvent) => {
        heard.push({ type, record: event.payload.record as BaseRecord })
      }
      agent.events.on(type, listener)
      return [type, listener] as const
    })
    try {
      const record = new GenericRecord({ content: { step: 1 } })
      const clones = await countingClones(() => saveUpdateDelete(repository, agent, record))
      expect(clones).toBe(3)
      expect(heard.map((event) => event.type)).toEqual([RepositoryEventTypes.RecordSaved, RepositoryEventTypes.RecordUpdated, RepositoryEventTypes.RecordDeleted])
      for (const event of heard) {
        expect(event.record).not.toBe(record)
        expect(event.record).toBeInstanceOf(GenericRecord)
      }
      expect((heard[0].record as GenericRecord).content).toEqual({ step: 1 })
      expect(JsonTransformer.toJSON(heard[1].record)).toEqual(JsonTransformer.toJSON(record))
    } finally {
      for (const [type, listener] of listeners) agent.events.off(type, listener)
    }
  })

  it('copies an OID4VCI issuance session for its state-changed event only when the event has a listener', async () => {
    const { agent } = started
    const session = new OpenId4VcIssuanceSessionRecord({
      issuerId: 'issuer',
      state: OpenId4VcIssuanceSessionState.AccessTokenCreated,
      preAuthorizedCode: 'code',
      createdAt: new Date(),
      expiresAt: new Date(Date.now() + 60_000),
      credentialOfferId: 'offer',
      openId4VciVersion: 'v1',
      credentialOfferPayload: { credential_issuer: 'https://issuer.example', credential_configuration_ids: ['PersonCredential'] },
    })
    // the TypeScript-private method Credo's updateState calls after storing the new state
    const emitStateChangedEvent = (OpenId4VcIssuerService.prototype as unknown as { emitStateChangedEvent: (...args: unknown[]) => void }).emitStateChangedEvent
    const emit = () => emitStateChangedEvent.call(undefined, agent.context, session, OpenId4VcIssuanceSessionState.OfferCreated)
    expect(await countingClones(emit)).toBe(0)
    const heard: { issuanceSession: OpenId4VcIssuanceSessionRecord; previousState: string }[] = []
    const listener = (event: BaseEvent) => {
      heard.push(event.payload as (typeof heard)[number])
    }
    agent.events.on(OpenId4VcIssuerEvents.IssuanceSessionStateChanged, listener)
    try {
      expect(await countingClones(emit)).toBe(1)
    } finally {
      agent.events.off(OpenId4VcIssuerEvents.IssuanceSessionStateChanged, listener)
    }
    expect(heard).toHaveLength(1)
    expect(heard[0].previousState).toBe(OpenId4VcIssuanceSessionState.OfferCreated)
    expect(heard[0].issuanceSession).not.toBe(session)
    expect(JsonTransformer.toJSON(heard[0].issuanceSession)).toEqual(JsonTransformer.toJSON(session))
  })
})
