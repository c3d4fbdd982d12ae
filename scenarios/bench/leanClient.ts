import http from 'node:http'

/**
 * A plain node:http JSON client on kept-alive connections: it adds less than fetch (undici) does, so a
 * fast service's own latency shows (fetch adds about 0.2 ms per call and most of the tail on this machine).
 */
export function leanJsonClient(maxSockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets })
  return {
    post<T>(url: string, body: unknown): Promise<{ status: number; body: T }> {
      const payload = JSON.stringify(body)
      return new Promise((resolve, reject) => {
        const request = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (response) => {
          const chunks: Buffer[] = []
          response.on('data', (chunk: Buffer) => chunks.push(chunk))
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as T }))
          response.on('error', reject)
        })
        request.on('error', reject)
        request.end(payload)
      })
    },
    close: () => agent.destroy(),
  }
}
