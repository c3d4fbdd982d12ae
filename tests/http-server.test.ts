import { IncomingMessage, ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp, finishApp, type Listening, listen } from '@interop-lab/common/http'

/**
 * The server `listen` makes builds each request and response with its express app's prototypes: express then has no
 * prototype to swap (a swap leaves V8's property access on them unoptimized for the whole request), and answers as before.
 */

const app = createApp()
let service: Listening
/** The prototypes of the last request and response as the server made them, before express saw them. */
let made: { request: object | null; response: object | null } | undefined

beforeAll(async () => {
  service = await listen(app)
  service.server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    made = { request: Object.getPrototypeOf(req), response: Object.getPrototypeOf(res) }
  })
})
afterAll(() => service.close())

describe('the HTTP server of a service', () => {
  it('answers 503 with Retry-After while the app is starting, from a response made with the app prototype', async () => {
    const answer = await fetch(`${service.url}/health`)
    expect(answer.status).toBe(503)
    expect(answer.headers.get('retry-after')).toBe('1')
    expect((await answer.json()).code).toBe('starting')
    expect(made?.response).toBe(app.response)
  })

  it('makes requests and responses with the app prototypes, and express answers them as before', async () => {
    app.get('/echo', (req, res) => {
      res.json({ isIncomingMessage: req instanceof IncomingMessage, isServerResponse: res instanceof ServerResponse, query: req.query, path: req.path })
    })
    app.post('/echo', (req, res) => void res.status(201).json(req.body))
    finishApp(app)

    const got = await fetch(`${service.url}/echo?a=1`)
    expect(made).toEqual({ request: app.request, response: app.response })
    expect(got.status).toBe(200)
    expect(got.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(await got.json()).toEqual({ isIncomingMessage: true, isServerResponse: true, query: { a: '1' }, path: '/echo' })

    const posted = await fetch(`${service.url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ b: 2 }) })
    expect(posted.status).toBe(201)
    expect(await posted.json()).toEqual({ b: 2 })

    const missing = await fetch(`${service.url}/nowhere`)
    expect(missing.status).toBe(404)
    expect((await missing.json()).code).toBe('not_found')
  })
})
