import { DidExchangeProtocol } from '@credo-ts/didcomm'

let installed = false

/**
 * RFC 0023: the DID Exchange `response` names the invitation as its parent thread (`~thread.pthid`), as ACA-Py's does.
 * Credo 0.6.3 leaves it out; ACA-Py, the requester of a lab invitation, builds its `complete` from the response's thread,
 * finds no pthid ("DIDXComplete schema validation failed: Missing required field(s) in thread decorator") and sends
 * none, so the lab's connection stays `response-sent`. Installed once per process, for every agent.
 */
export function installDidExchangeResponseThread(): void {
  if (installed) return
  installed = true
  const createResponse = DidExchangeProtocol.prototype.createResponse
  DidExchangeProtocol.prototype.createResponse = async function (this: DidExchangeProtocol, agentContext, connectionRecord, outOfBandRecord, routing) {
    const message = await createResponse.call(this, agentContext, connectionRecord, outOfBandRecord, routing)
    message.setThread({ threadId: message.threadId, parentThreadId: outOfBandRecord.outOfBandInvitation.id })
    return message
  }
}
