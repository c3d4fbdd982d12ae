import { execFileSync } from 'node:child_process'
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os'
import { join } from 'node:path'

/** What the figures of a run depend on: the machine, how busy it was, and the code measured. */
export interface MachineRecord {
  cores: number
  cpuModel: string
  memoryGb: number
  platform: string
  node: string
  /** The commit measured, and whether the working tree had changes beside it. */
  commit: string
  uncommittedChanges: boolean
  /** 1, 5 and 15-minute load averages when the run started and when it ended (other work on the machine shows here). */
  loadavgAtStart: number[]
  loadavgAtEnd?: number[]
}

export const loadNow = () => loadavg().map((l) => Math.round(l * 100) / 100)

const REPO = join(import.meta.dirname, '..', '..')
const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()

export function describeMachine(): MachineRecord {
  let commit = 'unknown (not a git checkout)'
  let uncommittedChanges = false
  try {
    commit = git('rev-parse', 'HEAD')
    uncommittedChanges = git('status', '--porcelain', '--untracked-files=no').length > 0
  } catch {
    // a copy without git: the commit stays unknown
  }
  return {
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    platform: `${process.platform} ${process.arch}`,
    node: process.version,
    commit,
    uncommittedChanges,
    loadavgAtStart: loadNow(),
  }
}
