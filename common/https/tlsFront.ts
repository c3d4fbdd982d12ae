import { request } from 'node:http'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'

export interface TlsFront {
  url: string
  port: number
  close(): Promise<void>
}

/**
 * An HTTPS listener that passes every request on to a service listening on plain HTTP, so the lab's
 * services can be reached over TLS without changing them. Give the service `--public-url` = this URL
 * so the URLs it puts in credentials (status lists) are the https ones.
 */
export async function startTlsFront(options: { target: string; port?: number; host?: string; cert: string; key: string }): Promise<TlsFront> {
  const target = new URL(options.target)
  const server = createServer({ cert: options.cert, key: options.key }, (req, res) => {
    const upstream = request(
      { hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host, 'x-forwarded-proto': 'https' } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: 'bad_gateway', message: `${options.target} did not answer: ${error.message}` }))
    })
    req.pipe(upstream)
  })
  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, resolve)
  })
  const { port } = server.address() as AddressInfo
  return {
    port,
    url: `https://${host === '0.0.0.0' || host === '127.0.0.1' ? 'localhost' : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
