import { type AgentContext, type DependencyManager, EventEmitter, type Module } from '@credo-ts/core'
import {
  DidCommCredentialEventTypes,
  DidCommCredentialExchangeRepository,
  DidCommCredentialProblemReportReason,
  DidCommCredentialRole,
  DidCommCredentialsApi,
  DidCommCredentialState,
  type DidCommCredentialStateChangedEvent,
  DidCommCredentialV2ProblemReportMessage,
  type DidCommInboundMessageContext,
  DidCommIssueCredentialV2Message,
  DidCommMessageHandlerRegistry,
  DidCommPresentationV2ProblemReportMessage,
  DidCommProblemReportMessage,
  DidCommProofEventTypes,
  DidCommProofExchangeRepository,
  DidCommProofRole,
  DidCommProofsApi,
  DidCommProofState,
  type DidCommProofStateChangedEvent,
  getOutboundDidCommMessageContext,
} from '@credo-ts/didcomm'

// Credo 0.6.3 handles a refused presentation (and a refused credential, below) in an out-of-band (connectionless) exchange badly on both
// sides: the verifier sends its problem report only over a connection, and the prover's handler expects to
// be the invitation's sender. Either way the prover is never told and waits until it gives up.

/** Verifier: sends the refusal back on the exchange's own services, the way Credo sends an ack. */
async function sendRefusal(context: DidCommInboundMessageContext, next: () => Promise<void>): Promise<void> {
  try {
    await next()
  } catch (error) {
    const report = (error as { problemReport?: unknown }).problemReport
    if (context.connection || !(report instanceof DidCommProblemReportMessage)) throw error
    const proofs = context.agentContext.dependencyManager.resolve(DidCommProofsApi)
    const [exchange] = await proofs.findAllByQuery({ threadId: context.message.threadId, role: DidCommProofRole.Verifier })
    if (!exchange) throw error
    report.setThread({ threadId: context.message.threadId })
    const request = await proofs.findRequestMessage(exchange.id)
    context.setResponseMessage(
      await getOutboundDidCommMessageContext(context.agentContext, { message: report, lastReceivedMessage: context.message, lastSentMessage: request ?? undefined, associatedRecord: exchange }),
    )
  }
}

/** Prover: records the verifier's refusal (the exchange is abandoned, with the verifier's reason). */
async function receiveRefusal(context: DidCommInboundMessageContext, next: () => Promise<void>): Promise<void> {
  const { message, agentContext } = context
  if (context.connection || !(message instanceof DidCommPresentationV2ProblemReportMessage)) return next()
  const repository = agentContext.dependencyManager.resolve(DidCommProofExchangeRepository)
  const [exchange] = await repository.findByQuery(agentContext, { threadId: message.threadId, role: DidCommProofRole.Prover })
  if (!exchange || exchange.connectionId) return next()
  const previousState = exchange.state
  exchange.errorMessage = `${message.description.code}: ${message.description.en}`
  exchange.state = DidCommProofState.Abandoned
  await repository.update(agentContext, exchange)
  agentContext.dependencyManager.resolve(EventEmitter).emit<DidCommProofStateChangedEvent>(agentContext, {
    type: DidCommProofEventTypes.ProofStateChanged,
    payload: { proofRecord: exchange.clone(), previousState },
  })
}

/**
 * Holder: a credential it refuses (RFC 0593 options not honoured, a proof that does not verify) abandons the exchange
 * with the reason, at once, and the issuer is told with an issue-credential problem report (RFC 0035), on the
 * connection or the exchange's own services. Credo only logs the error: the holder would wait for a credential it
 * already refused, and the issuer never learn why.
 */
async function refuseCredential(context: DidCommInboundMessageContext, next: () => Promise<void>): Promise<void> {
  try {
    await next()
  } catch (error) {
    const { message, agentContext } = context
    if (!(message instanceof DidCommIssueCredentialV2Message)) throw error
    const repository = agentContext.dependencyManager.resolve(DidCommCredentialExchangeRepository)
    const [exchange] = await repository.findByQuery(agentContext, { threadId: message.threadId, role: DidCommCredentialRole.Holder })
    if (!exchange) throw error
    const reason = error instanceof Error ? error.message : String(error)
    const previousState = exchange.state
    exchange.errorMessage = `${DidCommCredentialProblemReportReason.IssuanceAbandoned}: ${reason}`
    exchange.state = DidCommCredentialState.Abandoned
    await repository.update(agentContext, exchange)
    agentContext.dependencyManager.resolve(EventEmitter).emit<DidCommCredentialStateChangedEvent>(agentContext, {
      type: DidCommCredentialEventTypes.DidCommCredentialStateChanged,
      payload: { credentialExchangeRecord: exchange.clone(), previousState },
    })
    const report = new DidCommCredentialV2ProblemReportMessage({ description: { code: DidCommCredentialProblemReportReason.IssuanceAbandoned, en: reason } })
    report.setThread({ threadId: message.threadId })
    const request = await agentContext.dependencyManager.resolve(DidCommCredentialsApi).findRequestMessage(exchange.id)
    context.setResponseMessage(
      await getOutboundDidCommMessageContext(agentContext, {
        message: report,
        connectionRecord: context.connection,
        lastReceivedMessage: message,
        lastSentMessage: request ?? undefined,
        associatedRecord: exchange,
      }),
    )
  }
}

export class ConnectionlessProblemReportsModule implements Module {
  public register(_dependencyManager: DependencyManager): void {}

  public async initialize(agentContext: AgentContext): Promise<void> {
    const registry = agentContext.dependencyManager.resolve(DidCommMessageHandlerRegistry)
    registry.registerMessageHandlerMiddleware(sendRefusal)
    registry.registerMessageHandlerMiddleware(receiveRefusal)
    registry.registerMessageHandlerMiddleware(refuseCredential)
  }
}
