import { type AgentContext, type BaseRecord, EventEmitter, Repository, RepositoryEventTypes, type StorageService } from '@credo-ts/core'
import { OpenId4VcIssuerEvents, OpenId4VcIssuerService, OpenId4VcVerifierEvents, OpenId4VpVerifierService } from '@credo-ts/openid4vc'

/** The TypeScript-private members of Credo's Repository that its public methods use. */
interface RepositoryInternals {
  eventEmitter: EventEmitter
  getStorageService(agentContext: AgentContext): StorageService<BaseRecord>
}

/** Whether anything listens to `type` on the agent's Node EventEmitter (which Credo's EventEmitter keeps TypeScript-private). */
function isListened(emitter: EventEmitter, type: string): boolean {
  const nodeEmitter = (emitter as unknown as { eventEmitter: { listenerCount?: (type: string) => number } }).eventEmitter
  return nodeEmitter.listenerCount?.(type) !== 0
}

/** Emits a repository event with a copy of the record, as Credo's Repository does, when the event has a listener. */
function emitRecordEvent(repository: RepositoryInternals, agentContext: AgentContext, type: RepositoryEventTypes, record: BaseRecord): void {
  if (!isListened(repository.eventEmitter, type)) return
  repository.eventEmitter.emit(agentContext, { type, payload: { record: record.clone() } })
}

type EmitStateChangedEvent = (this: unknown, agentContext: AgentContext, ...rest: unknown[]) => void

/** A service's `emitStateChangedEvent` (TypeScript-private) that does nothing when nothing listens to `type`. */
function emitWhenListened(prototype: object, type: string): void {
  const target = prototype as { emitStateChangedEvent: EmitStateChangedEvent }
  const emit = target.emitStateChangedEvent
  target.emitStateChangedEvent = function (this: unknown, agentContext: AgentContext, ...rest: unknown[]) {
    if (isListened(agentContext.dependencyManager.resolve(EventEmitter), type)) emit.call(this, agentContext, ...rest)
  }
}

let installed = false

/**
 * Credo copies a record (`record.clone()`: class-transformer's instanceToInstance of the whole record) for each event
 * it emits about it: on every save, update and delete of any record, and on each state change of an OID4VCI issuance
 * or OID4VP verification session, whether or not anything listens (neither Credo nor the lab listens to these). Those
 * copies were a third of an issuance's record handling. They are now made only for an event that has a listener: the
 * Repository methods below are Credo's, emitting through `emitRecordEvent`. Installing twice is harmless.
 */
export function installUnheardRecordEvents(): void {
  if (installed) return
  installed = true
  Object.assign(Repository.prototype as unknown as RepositoryInternals, {
    async save(this: RepositoryInternals, agentContext: AgentContext, record: BaseRecord) {
      await this.getStorageService(agentContext).save(agentContext, record)
      emitRecordEvent(this, agentContext, RepositoryEventTypes.RecordSaved, record)
    },
    async update(this: RepositoryInternals, agentContext: AgentContext, record: BaseRecord) {
      await this.getStorageService(agentContext).update(agentContext, record)
      emitRecordEvent(this, agentContext, RepositoryEventTypes.RecordUpdated, record)
    },
    async delete(this: RepositoryInternals, agentContext: AgentContext, record: BaseRecord) {
      await this.getStorageService(agentContext).delete(agentContext, record)
      emitRecordEvent(this, agentContext, RepositoryEventTypes.RecordDeleted, record)
    },
  })
  emitWhenListened(OpenId4VcIssuerService.prototype, OpenId4VcIssuerEvents.IssuanceSessionStateChanged)
  emitWhenListened(OpenId4VpVerifierService.prototype, OpenId4VcVerifierEvents.VerificationSessionStateChanged)
}
