import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { LoadReport } from './report'

const LOAD_REPORT = /^load-(?:verifier|issuer)-(.+)\.json$/

/** The newest reports/load-<role>-<time>.json, or undefined when there is none yet. */
export async function readLatestLoadReport(reportsDir: string): Promise<LoadReport | undefined> {
  const names = (await readdir(reportsDir).catch(() => [] as string[])).filter((name) => LOAD_REPORT.test(name))
  const timeOf = (name: string) => LOAD_REPORT.exec(name)![1]!
  const newest = names.sort((a, b) => timeOf(a).localeCompare(timeOf(b))).at(-1)
  return newest === undefined ? undefined : (JSON.parse(await readFile(join(reportsDir, newest), 'utf8')) as LoadReport)
}
