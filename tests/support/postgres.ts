import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { freePort } from './serviceProcess'

/** A PostgreSQL server of its own for one test file: a fresh cluster in a temporary directory, deleted by `stop`. */
export interface PostgresCluster {
  /** The server, as `INTEROP_DATABASE_URL` takes it (each service then opens, and creates, its own database there). */
  url: string
  /** A database on this server (created on first use by `openDatabase`). */
  databaseUrl(name: string): string
  stop(): Promise<void>
}

const run = promisify(execFile)
const STARTUP_TIMEOUT_MS = 30_000
const SUPERUSER = 'postgres'

/** initdb and postgres: PG_BIN_DIR, else PostgreSQL 15 as Debian installs it, else any installed version. */
function binDir(): string {
  const candidates = [process.env.PG_BIN_DIR, '/usr/lib/postgresql/15/bin']
  if (existsSync('/usr/lib/postgresql')) {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`))
  }
  const found = candidates.find((dir) => dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')))
  if (!found) throw new Error('No PostgreSQL server binaries (initdb, postgres): install them (apt-get install postgresql-15, as `npm run setup` does) or set PG_BIN_DIR')
  return found
}

/**
 * initdb and postgres refuse to run as root: as root (CI), the cluster belongs to the `postgres`
 * system user, or `nobody` where there is none; otherwise to whoever runs the tests.
 */
function clusterOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined
  const users = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
  const user = users.find((fields) => fields[0] === 'postgres') ?? users.find((fields) => fields[0] === 'nobody')
  if (!user) throw new Error('Running as root, PostgreSQL needs an unprivileged user to run as: create a `postgres` user')
  return { uid: Number(user[2]), gid: Number(user[3]) }
}

async function waitUntilAccepting(url: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS
  for (;;) {
    if (server.exitCode !== null || server.signalCode !== null) throw new Error(`PostgreSQL exited (${server.exitCode ?? server.signalCode}):\n${log()}`)
    const client = new pg.Client({ connectionString: url })
    try {
      await client.connect()
      await client.end()
      return
    } catch (error) {
      await client.end().catch(() => undefined)
      if (Date.now() > deadline) throw new Error(`PostgreSQL did not accept connections within ${STARTUP_TIMEOUT_MS / 1000} s: ${String(error)}\n${log()}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}

/**
 * Starts a throwaway PostgreSQL cluster on a free loopback port (sockets in its own directory too),
 * tuned for tests: no fsync, nothing kept after `stop`.
 */
export async function startPostgres(): Promise<PostgresCluster> {
  const bin = binDir()
  const owner = clusterOwner()
  const dir = mkdtempSync(join(tmpdir(), 'interop-pg-'))
  if (owner) chownSync(dir, owner.uid, owner.gid)
  const data = join(dir, 'data')
  await run(join(bin, 'initdb'), ['-D', data, '-U', SUPERUSER, '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync', '--no-instructions'], { ...owner, cwd: dir })

  const port = await freePort()
  // prettier-ignore
  const settings = ['listen_addresses=127.0.0.1', `unix_socket_directories=${dir}`, 'fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'max_connections=300']
  const server = spawn(join(bin, 'postgres'), ['-D', data, '-p', String(port), ...settings.flatMap((s) => ['-c', s])], { ...owner, cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  server.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-8_000)
  })
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()))
  // a test process that dies without `stop` (a crash, a killed worker) must not leave a server running:
  // the watchdog's stdin closes when this process is gone, however it went, and it then stops the server and deletes it
  const cleanUp = `cat >/dev/null; kill -QUIT ${server.pid} 2>/dev/null; while kill -0 ${server.pid} 2>/dev/null; do sleep 0.1; done; rm -rf '${dir}'`
  const watchdog = spawn('/bin/sh', ['-c', cleanUp], { stdio: ['pipe', 'ignore', 'ignore'], detached: true })
  watchdog.unref()
  ;(watchdog.stdin as unknown as { unref(): void }).unref()

  const url = `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`
  const stop = async () => {
    watchdog.kill()
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGQUIT') // immediate shutdown: nothing here needs to survive
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await waitUntilAccepting(url, server, () => log)
  } catch (error) {
    await stop()
    throw error
  }
  return {
    url,
    databaseUrl: (name) => `postgres://${SUPERUSER}@127.0.0.1:${port}/${encodeURIComponent(name)}`,
    stop,
  }
}
