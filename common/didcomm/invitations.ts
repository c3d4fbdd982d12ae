import { utils } from '@credo-ts/core'
import { type DidCommMessage, DidCommHandshakeProtocol, DidCommOutOfBandRepository } from '@credo-ts/didcomm'
import { DIDCOMM_CONNECTIONS, type DidCommConnection } from '@interop-lab/contracts'
import type { DidCommAgentApi } from './modules'

/**
 * How a DIDComm v1 exchange the lab starts reaches the other agent: the message attached to an out-of-band invitation
 * with no connection (`connectionless`, RFC 0434), or attached to an invitation that asks for a DID Exchange 1.1
 * connection first (`did-exchange`, RFC 0023): the peer connects, then answers the attached message on the connection.
 */
export { DIDCOMM_CONNECTIONS, type DidCommConnection }

/**
 * An out-of-band invitation carrying `message` (an offer or a request) for whoever accepts it, with or without a
 * DID Exchange handshake first. RFC 0434: a message attached to an invitation names the invitation as its parent
 * thread (`~thread.pthid`); Credo 0.6.3 leaves it out, and ACA-Py then finds "no connection or associated
 * connectionless exchange" for the message. The invitation's id is chosen first, so the attached message can
 * name it, and given to the invitation Credo makes.
 */
export async function createInvitation(didcomm: DidCommAgentApi, message: DidCommMessage, label: string, connection: DidCommConnection = 'connectionless') {
  const invitationId = utils.uuid()
  message.setThread({ threadId: message.threadId, parentThreadId: invitationId })
  const record = await didcomm.oob.createInvitation(
    connection === 'did-exchange' ? { handshake: true, handshakeProtocols: [DidCommHandshakeProtocol.DidExchange], messages: [message], label } : { handshake: false, messages: [message], label },
  )
  record.outOfBandInvitation.id = invitationId
  await didcomm.agentContext.dependencyManager.resolve(DidCommOutOfBandRepository).update(didcomm.agentContext, record)
  return record
}
