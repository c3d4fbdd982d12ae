import type { Response } from 'express'

/** Opens a Server-Sent Events stream on `res`; `send` writes one named event with a JSON payload. */
export function openEventStream(res: Response) {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // proxies (nginx) must not hold the events back
    'x-accel-buffering': 'no',
  })
  res.flushHeaders()
  return {
    send(event: string, data: unknown) {
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
    },
    end() {
      res.end()
    },
  }
}
