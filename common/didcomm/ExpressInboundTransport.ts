import { type AgentContext, EventEmitter, utils } from '@credo-ts/core'
import {
  type DidCommEncryptedMessage,
  DidCommEnvelopeService,
  DidCommEventTypes,
  type DidCommInboundTransport,
  DidCommMessageHandlerRegistry,
  type DidCommMessageProcessedEvent,
  DidCommMimeType,
  DidCommModuleConfig,
  DidCommTransportService,
  type DidCommTransportSession,
  isValidJweStructure,
  replaceLegacyDidSovPrefix,
} from '@credo-ts/didcomm'
import express, { type Express, type Request, type Response } from 'express'
import { filter, firstValueFrom, take, timeout } from 'rxjs'

const CONTENT_TYPES: string[] = [DidCommMimeType.V0, DidCommMimeType.V1]
const PROCESSING_TIMEOUT_MS = 15_000
const MAX_ENVELOPE = '2mb'

/** One HTTP request carrying an envelope: a reply may travel back on its response (return route). */
class HttpSession implements DidCommTransportSession {
  public readonly id = utils.uuid()
  public readonly type = 'http'

  public constructor(
    private readonly req: Request,
    private readonly res: Response,
  ) {}

  public async send(agentContext: AgentContext, envelope: DidCommEncryptedMessage): Promise<void> {
    if (this.res.headersSent) throw new Error('The HTTP response for this DIDComm session was already sent')
    const requested = this.req.headers['content-type']
    const mimeType = requested && CONTENT_TYPES.includes(requested) ? requested : agentContext.dependencyManager.resolve(DidCommModuleConfig).didCommMimeType
    this.res.status(200).contentType(mimeType).send(JSON.stringify(envelope))
  }

  public async close(): Promise<void> {
    if (!this.res.headersSent) this.res.status(200).end()
  }
}

/**
 * Why an envelope cannot be processed, found before it is queued: Credo only logs such a failure, so
 * the sender would wait for the processing timeout and get a 500. (The envelope is decrypted twice.)
 */
async function refusalOf(agentContext: AgentContext, envelope: unknown): Promise<string | undefined> {
  if (!isValidJweStructure(envelope)) return 'A DIDComm message is sent encrypted, as a JWE envelope (protected, iv, ciphertext, tag)'
  let plaintext: Record<string, unknown>
  try {
    plaintext = (await agentContext.dependencyManager.resolve(DidCommEnvelopeService).unpackMessage(agentContext, envelope)).plaintextMessage
  } catch {
    return 'The envelope could not be decrypted with any key of this agent'
  }
  const type = plaintext['@type']
  const registry = agentContext.dependencyManager.resolve(DidCommMessageHandlerRegistry)
  try {
    if (typeof type === 'string' && registry.getMessageClassForMessageType(replaceLegacyDidSovPrefix(type))) return undefined
  } catch {
    // an unparseable type is refused below
  }
  return `This agent does not handle DIDComm messages of type ${JSON.stringify(type)}`
}

/**
 * DIDComm v1 over HTTP on a service's own express app (one port per service), at `path`:
 * Credo's Node transport would open a second listening port instead.
 */
export class ExpressInboundTransport implements DidCommInboundTransport {
  private running = false
  private mounted = false

  public constructor(
    private readonly app: Express,
    private readonly path: string,
  ) {}

  public async start(agentContext: AgentContext): Promise<void> {
    this.running = true
    if (this.mounted) return
    this.mounted = true
    const transports = agentContext.dependencyManager.resolve(DidCommTransportService)
    const events = agentContext.dependencyManager.resolve(EventEmitter)
    this.app.post(this.path, express.text({ type: CONTENT_TYPES, limit: MAX_ENVELOPE }), async (req, res) => {
      if (!this.running) return void res.status(503).json({ error: 'unavailable', message: 'This DIDComm agent is stopped' })
      if (!CONTENT_TYPES.includes(req.headers['content-type'] ?? '')) {
        return void res.status(415).json({ error: 'unsupported_media_type', message: `A DIDComm envelope is sent as ${CONTENT_TYPES.join(' or ')}` })
      }
      let envelope: DidCommEncryptedMessage
      try {
        envelope = JSON.parse(String(req.body)) as DidCommEncryptedMessage
      } catch {
        return void res.status(400).json({ error: 'invalid_request', message: 'The DIDComm envelope is not JSON' })
      }
      const refusal = await refusalOf(agentContext, envelope)
      if (refusal) return void res.status(400).json({ error: 'invalid_message', message: refusal })
      const session = new HttpSession(req, res)
      req.once('close', () => transports.removeSession(session))
      const processed = firstValueFrom(
        events.observable<DidCommMessageProcessedEvent>(DidCommEventTypes.DidCommMessageProcessed).pipe(
          filter((event) => event.payload.encryptedMessage === envelope),
          take(1),
          timeout({ first: PROCESSING_TIMEOUT_MS }),
        ),
      )
      events.emit(agentContext, { type: DidCommEventTypes.DidCommMessageReceived, payload: { message: envelope, session } })
      processed
        .then(() => session.close())
        .catch((error: unknown) => {
          // without a return route the response is already sent; Credo has logged why processing failed
          if (res.headersSent) return
          agentContext.config.logger.error('DIDComm inbound message was not processed', { error })
          res.status(500).json({ error: 'server_error', message: 'The DIDComm message could not be processed' })
        })
        .finally(() => transports.removeSession(session))
    })
  }

  public async stop(): Promise<void> {
    this.running = false
  }
}
