import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { selfSignedCertificate } from './selfSignedCertificate'
import { startTlsFront } from './tlsFront'

/**
 * HTTPS in front of lab services, for external test harnesses:
 *   tsx common/https/main.ts --front 4243=http://127.0.0.1:4200 --front 4443=http://127.0.0.1:4400
 * Uses --cert/--key when given, else a self-signed certificate kept in --cert-dir (default ./data/tls).
 */
const { values } = parseArgs({
  options: {
    front: { type: 'string', multiple: true },
    host: { type: 'string', default: '127.0.0.1' },
    cert: { type: 'string' },
    key: { type: 'string' },
    'cert-dir': { type: 'string', default: './data/tls' },
  },
})
const fronts = (values.front ?? []).map((spec) => {
  const match = /^(\d+)=(https?:\/\/.+)$/.exec(spec)
  if (!match) throw new Error(`--front expects <port>=<http target>, got '${spec}'`)
  return { port: Number(match[1]), target: match[2] }
})
if (!fronts.length) throw new Error('Give at least one --front <port>=<http target>, e.g. --front 4243=http://127.0.0.1:4200')

const tls =
  values.cert && values.key ? { cert: readFileSync(values.cert, 'utf8'), key: readFileSync(values.key, 'utf8'), certFile: resolve(values.cert) } : selfSignedCertificate(resolve(values['cert-dir']!))
const started = await Promise.all(fronts.map((front) => startTlsFront({ ...front, host: values.host, cert: tls.cert, key: tls.key })))
for (const [index, front] of started.entries()) console.log(`${front.url} -> ${fronts[index].target}`)
console.log(`Certificate: ${tls.certFile} (clients trust it with NODE_EXTRA_CA_CERTS=${tls.certFile}, or skip verification)`)
const stop = () => void Promise.all(started.map((front) => front.close())).then(() => process.exit(0))
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
