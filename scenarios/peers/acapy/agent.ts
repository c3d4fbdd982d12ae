import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'
import { freePort } from '@interop-lab/common/freePort'
import { bundledContexts } from '@interop-lab/common/jsonld'
import { AcaPyAdmin } from './client'

const REPO = join(import.meta.dirname, '..', '..', '..')
const VENV = join(REPO, '.venv-acapy')
const ACA_PY = join(VENV, 'bin', 'aca-py')
/** The ACA-Py plugin that serves the lab's JSON-LD contexts (scenarios/peers/acapy/interop_lab_contexts). */
const PLUGIN_DIR = import.meta.dirname
const READY_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 10_000

const readIfThere = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined)

/**
 * Where `npm run setup:acapy` put ACA-Py and how (`registry` or `offline-kit`), or why it could not: tests and targets that need it
 * are then reported unsupported with this reason.
 */
export function acapyInstallation(): { acaPy: string; kind: string } | { unsupported: string } {
  if (existsSync(ACA_PY)) return { acaPy: ACA_PY, kind: readIfThere(join(VENV, '.install-kind')) ?? 'unknown install' }
  return { unsupported: readIfThere(`${VENV}.unavailable`) ?? 'ACA-Py is not installed in .venv-acapy: run `npm run setup:acapy`' }
}

export interface AcaPyAgent {
  admin: AcaPyAdmin
  /** Where other agents send it DIDComm messages. */
  endpoint: string
  label: string
  output(): string
  /** The errors it logged (exceptions and the messages it refused), to explain a step that did not happen. */
  errors(): string
  /** SIGTERM, waited on (SIGKILL after 10 s). */
  stop(): Promise<void>
}

/**
 * An ACA-Py agent on free loopback ports, as the kit's README starts one (for tests, and for a targets file's
 * `start`): in-memory wallet, no ledger,
 * accepting connections, issuing, storing, presenting and verifying on its own (a holder asks for an offered
 * credential through `requestCredential`, naming its DID), the lab's JSON-LD contexts served by the
 * interop_lab_contexts plugin. Resolves once `/status/ready` says so.
 */
export async function startAcaPy(acaPy: string, label: string): Promise<AcaPyAgent> {
  const [inbound, adminPort] = [await freePort(), await freePort()]
  const endpoint = `http://127.0.0.1:${inbound}`
  const workDir = mkdtempSync(join(tmpdir(), 'acapy-'))
  const contextsFile = join(workDir, 'contexts.json')
  writeFileSync(contextsFile, JSON.stringify(Object.fromEntries(bundledContexts())))
  // prettier-ignore
  const args = [
    'start',
    '--label',
    label,
    '--inbound-transport',
    'http',
    '127.0.0.1',
    String(inbound),
    '--outbound-transport',
    'http',
    '--endpoint',
    endpoint,
    '--admin',
    '127.0.0.1',
    String(adminPort),
    '--admin-insecure-mode',
    '--no-ledger',
    '--wallet-type',
    'askar',
    '--wallet-test',
    '--auto-provision',
    '--auto-accept-invites',
    '--auto-accept-requests',
    '--auto-ping-connection',
    '--auto-respond-credential-request',
    '--auto-store-credential',
    '--auto-respond-presentation-request',
    '--auto-verify-presentation',
    '--preserve-exchange-records',
    '--plugin',
    'interop_lab_contexts',
    '--log-level',
    'info',
  ]
  let log = ''
  const child: ChildProcess = spawn(acaPy, args, {
    cwd: workDir,
    // the plugin is imported from the repository: no __pycache__ left beside it
    env: { ...process.env, PYTHONPATH: PLUGIN_DIR, PYTHONDONTWRITEBYTECODE: '1', INTEROP_LAB_JSONLD_CONTEXTS: contextsFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const append = (chunk: Buffer) => {
    log += chunk.toString()
  }
  child.stdout?.on('data', append)
  child.stderr?.on('data', append)
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
      await exited
      clearTimeout(timer)
    }
    rmSync(workDir, { recursive: true, force: true })
  }
  const errors = () =>
    log
      .split('\n')
      .filter((line) => / ERROR |Error: |Exception: /.test(line))
      .map((line) => (line.length > 400 ? `${line.slice(0, 150)} … ${line.slice(-250)}` : line))
      .join('\n')
  const admin = new AcaPyAdmin(`http://127.0.0.1:${adminPort}`, errors)
  const deadline = Date.now() + READY_TIMEOUT_MS
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop()
      throw new Error(`ACA-Py exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${log.slice(-3000)}`)
    }
    const ready = await fetch(`${admin.url}/status/ready`, { signal: AbortSignal.timeout(1_000) }).then(
      async (response) => response.ok && z.object({ ready: z.boolean() }).parse(await response.json()).ready,
      () => false,
    )
    if (ready) break
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`ACA-Py was not ready within ${READY_TIMEOUT_MS / 1000} s:\n${log.slice(-3000)}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return { admin, endpoint, label, output: () => log, errors, stop }
}
