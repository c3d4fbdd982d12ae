import { utils } from '@credo-ts/core'
import { type DidCommMessage, DidCommOutOfBandRepository } from '@credo-ts/didcomm'
import type { DidCommAgentApi } from './modules'

/**
 * An out-of-band invitation carrying `message` (an offer or a request) for whoever accepts it, no connection
 * first. RFC 0434: a message attached to an invitation names the invitation as its parent thread
 * (`~thread.pthid`); Credo 0.6.3 leaves it out, and ACA-Py then finds "no connection or associated
 * connectionless exchange" for the message. The invitation's id is chosen first, so the attached message can
 * name it, and given to the invitation Credo makes.
 */
export async function createConnectionlessInvitation(didcomm: DidCommAgentApi, message: DidCommMessage, label: string) {
  const invitationId = utils.uuid()
  message.setThread({ threadId: message.threadId, parentThreadId: invitationId })
  const record = await didcomm.oob.createInvitation({ handshake: false, messages: [message], label })
  record.outOfBandInvitation.id = invitationId
  await didcomm.agentContext.dependencyManager.resolve(DidCommOutOfBandRepository).update(didcomm.agentContext, record)
  return record
}
