import express, { type ErrorRequestHandler, type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express'
import { createServer, IncomingMessage, type Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createHash, timingSafeEqual } from 'node:crypto'
import type { z } from 'zod'
import { PROBLEM_MEDIA_TYPE, problemTypeOf } from '@interop-lab/contracts'
import { UnstorableValueError } from './db/storable'
import { DomainError, InvalidInputError, STATUS_OF_KIND } from './errors'
import { registerLabService } from './net/outboundPolicy'
import { workerNumber } from './workers'

/** An error whose message is safe to show the caller; `status` is always a 4xx unless the fault is ours. */
export class HttpError extends Error {
  public constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
    public readonly details?: unknown,
  ) {
    super(message)
  }
}

/** Parses `input` with `schema` or throws an InvalidInputError (a 400 at the edge) naming every invalid field. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const issues = result.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }))
  throw new InvalidInputError('invalid', 'invalid_request', `Invalid request: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues)
}

/** Wraps an async handler so a rejected promise reaches the error middleware instead of crashing. */
export const handle =
  (fn: (req: Request, res: Response) => Promise<unknown> | unknown): RequestHandler =>
  (req, res, next) => {
    Promise.resolve(fn(req, res)).catch(next)
  }

/** Requires `Authorization: Bearer <key>` matching one of `keys`. */
export function requireApiKey(keys: readonly string[]): RequestHandler {
  // an empty key would match a request that presents none
  if (!keys.length) throw new Error('An admin route needs at least one API key')
  if (keys.some((key) => !key)) throw new Error('An admin API key is empty: it would let any request through')
  const accepted = keys.map((k) => Buffer.from(k))
  return (req: Request, _res: Response, next: NextFunction) => {
    const header = req.header('authorization') ?? ''
    const presented = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '')
    const ok = accepted.some((k) => k.length === presented.length && timingSafeEqual(k, presented))
    next(ok ? undefined : new HttpError(401, 'unauthorized', 'A valid API key is required (Authorization: Bearer <key>)'))
  }
}

const titleOf = (code: string) => code.charAt(0).toUpperCase() + code.slice(1).replace(/_/g, ' ')

/**
 * The body of the lab's errors: RFC 9457 problem details with the lab's `code`. `error`, `message` and `details`
 * repeat `code`, `detail` and the findings for clients written against the lab's earlier `{error, message, details}`.
 */
export function problemBody(status: number, code: string, detail: string, details?: unknown) {
  return {
    type: problemTypeOf(code),
    title: titleOf(code),
    status,
    detail,
    code,
    ...(Array.isArray(details) ? { errors: details } : {}),
    error: code,
    message: detail,
    ...(details === undefined ? {} : { details }),
  }
}

export const sendProblem = (res: Response, status: number, code: string, detail: string, details?: unknown) =>
  void res
    .status(status)
    .type(PROBLEM_MEDIA_TYPE)
    .send(JSON.stringify(problemBody(status, code, detail, details)))

const errorHandler: ErrorRequestHandler = (err, _req, res, _next) => {
  if (res.headersSent) return // Credo's routers answer, then pass the request on
  if (err instanceof HttpError) return sendProblem(res, err.status, err.code, err.message, err.details)
  if (err instanceof DomainError) {
    if (err.kind === 'internal') console.error('[internal]', err)
    return sendProblem(res, STATUS_OF_KIND[err.kind], err.code, err.message, err.details)
  }
  if (err instanceof UnstorableValueError) return sendProblem(res, 400, 'invalid_request', err.message)
  // body-parser errors (malformed JSON, oversized body) carry their own 4xx status
  const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500
  if (status === 500) {
    console.error('[unhandled]', err)
    return sendProblem(res, 500, 'server_error', 'Internal error')
  }
  sendProblem(res, status, typeof err.type === 'string' ? err.type : 'invalid_request', String(err.message ?? 'Bad request'))
}

/** Apps from `createApp` whose `finishApp` has not run yet: some route or key may still be missing. */
const startingApps = new WeakSet<Express>()

/** An express app with JSON parsing and a size limit; call `finishApp` after adding routes. */
export function createApp(): Express {
  const app = express()
  startingApps.add(app)
  app.disable('x-powered-by')
  // express's default weak ETag hashed every response, and no client of the lab revalidates one: the documents that a
  // peer may revalidate (status lists) set their own, see setEntityTag
  app.set('etag', false)
  app.use(parseBody())
  return app
}

/** A JSON or URL-encoded form body of up to 256 kB as `req.body`: one layer for both parsers, none of them on a request without a body. */
function parseBody(): RequestHandler {
  const json = express.json({ limit: '256kb' })
  const form = express.urlencoded({ extended: false, limit: '256kb' })
  return (req, res, next) => {
    // a request has a body when it says how long it is or that it is chunked (RFC 9112 §6.3), as the parsers check
    if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) return next()
    json(req, res, (error?: unknown) => (error ? next(error) : form(req, res, next)))
  }
}

/**
 * Gives the response about to be sent with `body` a strong ETag (RFC 9110 §8.8.3), for a document peers fetch again
 * and again: express then answers a GET whose If-None-Match names it with a 304 and no body (RFC 9110 §13.1.2).
 */
export function setEntityTag(res: Response, body: string | Uint8Array): Response {
  return res.set('ETag', `"${createHash('sha256').update(body).digest('base64url')}"`)
}

/** Adds the 404 and error handlers; must come after every route. From then on the app is ready (see `listen`). */
export function finishApp(app: Express): Express {
  app.use((req, res, next) => {
    // Credo's OID4VC routers call next() after answering; only unanswered requests are a 404
    if (!res.headersSent) next(new HttpError(404, 'not_found', `No route for ${req.method} ${req.path}`))
  })
  app.use(errorHandler)
  startingApps.delete(app)
  return app
}

export interface Listening {
  server: Server
  port: number
  url: string
  close(): Promise<void>
}

/** Seconds a caller should wait before retrying a service that is starting. */
const STARTING_RETRY_AFTER_S = 1

/**
 * `base` (node's request or response constructor) making objects whose prototype is `prototype` from the start: express
 * gives each request and response its app's prototype (Object.setPrototypeOf), which leaves V8's property access on them
 * unoptimized for the rest of the request (~90 µs of CPU per request here); on an object that has it already, that is a no-op.
 */
function constructorWithPrototype<C extends new (...args: never[]) => object>(base: C, prototype: object): C {
  // a function constructor, not a class: a class's prototype cannot be replaced
  function WithPrototype(this: object, ...args: unknown[]) {
    Reflect.apply(base, this, args)
  }
  WithPrototype.prototype = prototype
  return WithPrototype as unknown as C
}

/**
 * Listens on `port`. A service may listen before its routes exist (it needs its own URL to build its agent): until
 * `finishApp(app)` has run, every request, `/health` included, gets 503 with `Retry-After`, never a 404 from a route
 * not mounted yet; from then on the app answers.
 */
export async function listen(app: Express, port = 0, host = '127.0.0.1'): Promise<Listening> {
  const worker = workerNumber()
  const messages = { IncomingMessage: constructorWithPrototype(IncomingMessage, app.request), ServerResponse: constructorWithPrototype(ServerResponse, app.response) }
  const server = createServer(messages, (req, res) => {
    // which of a pool's processes answered (common/workers.ts): a worker's log lines and answers can be matched up
    if (worker !== undefined) res.setHeader('Interop-Worker', String(worker))
    if (!startingApps.has(app)) return void app(req, res)
    req.resume()
    res.writeHead(503, { 'content-type': PROBLEM_MEDIA_TYPE, 'retry-after': String(STARTING_RETRY_AFTER_S) })
    res.end(JSON.stringify(problemBody(503, 'starting', `The service is starting: retry in ${STARTING_RETRY_AFTER_S} s (GET /health answers 200 once it is ready)`)))
  })
  server.listen(port, host)
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  const actual = (server.address() as AddressInfo).port
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${actual}`
  // the lab's services in one process reach each other through the outbound guard
  const withdraw = registerLabService(url)
  return {
    server,
    port: actual,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        withdraw()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
