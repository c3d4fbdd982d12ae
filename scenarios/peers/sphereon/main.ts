import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { JWK } from 'jose'
import { makeIssuerJwk, startSphereonIssuer } from './issuer'

const USAGE = `Usage: npx tsx scenarios/peers/sphereon/main.ts [--port 4700] [--host 127.0.0.1] [--keys <file>]
       npx tsx scenarios/peers/sphereon/main.ts --make-keys <file> <issuer key>…

Runs the Sphereon OID4VCI issuer as an interop-lab party: POST /issuers/<issuer>/offers
{credentialType, claims, format, validUntil} answers {offerUri, txCode}. --keys: private JWKs by issuing
organisation (default: the DEMO-ONLY keys beside this file, whose DIDs scenarios/targets.sphereon.json registers).`

export const DEMO_KEYS = join(import.meta.dirname, 'demo-keys.json')

const { values, positionals } = parseArgs({
  options: {
    port: { type: 'string', default: '4700' },
    host: { type: 'string', default: '127.0.0.1' },
    keys: { type: 'string', default: DEMO_KEYS },
    'make-keys': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
  allowPositionals: true,
})
if (values.help) {
  console.log(USAGE)
  process.exit(0)
}
if (values['make-keys']) {
  if (!positionals.length) throw new Error(`--make-keys needs the issuing organisations' keys (e.g. bc-registries)\n${USAGE}`)
  const keys = Object.fromEntries(await Promise.all(positionals.map(async (issuer) => [issuer, await makeIssuerJwk()] as const)))
  writeFileSync(values['make-keys'], `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 })
  process.exit(0)
}
const keys = JSON.parse(readFileSync(values.keys, 'utf8')) as Record<string, JWK>
const issuer = await startSphereonIssuer({ port: Number(values.port), host: values.host, keys })
if (values.keys === DEMO_KEYS) console.log('[sphereon] DEMO-ONLY issuer keys: their private keys are public, never issue real credentials with them')
for (const organisation of Object.keys(keys)) console.log(`[sphereon] ${organisation} signs as ${await issuer.didOf(organisation)}`)
console.log(`[sphereon] OID4VCI issuer listening at ${issuer.url}`)
const stop = () => void issuer.close().finally(() => process.exit(0))
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
