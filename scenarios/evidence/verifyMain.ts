import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { EvidenceError, verifyEvidence } from './verify'

const USAGE = `Usage: npm run verify-evidence -- <bundle dir> [--key=<thumbprint>]

Checks an evidence bundle (reports/evidence/<run id>/) offline: the lab's signature over its manifest and the
SHA-256 of every file. --key also requires the bundle to be signed by the lab key with that RFC 7638 thumbprint
(written --key=<thumbprint>: a base64url thumbprint may start with a dash).
Exit code 0 when it verifies, 1 naming the first file that does not, 2 on a usage error.`

function parseArguments() {
  try {
    return parseArgs({ allowPositionals: true, options: { key: { type: 'string' }, help: { type: 'boolean', default: false } } })
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`)
    process.exit(2)
  }
}
const parsed = parseArguments()
if (parsed.values.help || parsed.positionals.length !== 1) {
  console.log(USAGE)
  process.exit(parsed.values.help ? 0 : 2)
}
const dir = resolve(parsed.positionals[0])
try {
  const { manifest, files } = await verifyEvidence(dir, parsed.values.key)
  const { run } = manifest
  console.log(`✓ ${dir}: run ${manifest.runId} (${run.passed} passed, ${run.failed} failed, ${run.unsupported} unsupported), ${files} files intact, signed by lab key ${manifest.signer.thumbprint}`)
} catch (error) {
  console.error(error instanceof EvidenceError ? `✗ ${dir}/${error.message} [${error.code}]` : `✗ ${dir}: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}
