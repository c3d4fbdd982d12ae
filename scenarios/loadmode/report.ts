import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { CredentialFormat } from '@interop-lab/common/credentialTypes'
import { percentile } from '../bench/load'
import type { MachineRecord } from '../bench/machine'
import type { ErrorKind, Sample } from './openLoop'
import type { Forgery } from './operations'

export type LoadRole = 'verifier' | 'issuer'

export interface LoadSettings {
  rate: number
  durationSeconds: number
  maxInFlight: number
  forgeryShare: number
  timeoutSeconds: number
}

/** A wrong verdict under load: a forgery accepted, or (verifier) an honest presentation rejected. */
export interface WrongVerdict {
  at: number
  forgery?: string
  verdict: 'accepted' | 'rejected'
  reason?: string
}

/** What `npm run load` writes to reports/load-<role>-<time>.json, and the dashboard charts. */
export interface LoadReport {
  kind: 'load'
  at: string
  role: LoadRole
  target: { name: string; implementation: string; url: string }
  format: CredentialFormat
  /** The policy asked for (verifier) or the credential type offered (issuer). */
  subject: string
  settings: LoadSettings
  forgeries: Forgery[]
  machine: MachineRecord
  seconds: number
  arrivals: number
  /** Operations that ended with a verdict, and those per second of the run. */
  verdicts: number
  throughput: number
  /** Over the operations with a verdict, from when each was due. */
  latencyMs?: { p50: number; p95: number; p99: number; max: number }
  errors: Partial<Record<ErrorKind, { count: number; first: string }>>
  correctness: {
    honest: { accepted: number; rejected: number }
    forged: { accepted: number; rejected: number }
    /** The checks the target named failing on forgeries, and how often. */
    forgeryChecks: Record<string, number>
    /** The first wrong verdicts (at most 20). */
    wrong: WrongVerdict[]
  }
  passed: boolean
  failures: string[]
  /** Every arrival, for the latency-over-time chart: due at `at` s, `ms` to its end, ended `end` (a verdict or an error kind). */
  samples: { at: number; ms: number; forged: boolean; end: string }[]
}

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits

export function summarizeLoad(run: { samples: Sample[]; seconds: number }, context: Pick<LoadReport, 'role' | 'target' | 'format' | 'subject' | 'settings' | 'forgeries' | 'machine'>): LoadReport {
  const verdicts = run.samples.flatMap((sample) => ('verdict' in sample.end ? [{ sample, end: sample.end }] : []))
  const latencies = verdicts.map(({ sample }) => sample.ms).sort((a, b) => a - b)
  const errors: LoadReport['errors'] = {}
  for (const { end } of run.samples) {
    if ('error' in end) errors[end.error] = { count: (errors[end.error]?.count ?? 0) + 1, first: errors[end.error]?.first ?? end.message }
  }
  const count = (forged: boolean, verdict: 'accepted' | 'rejected') => verdicts.filter(({ sample, end }) => sample.forged === forged && end.verdict === verdict).length
  const forgeryChecks: Record<string, number> = {}
  for (const { sample, end } of verdicts) if (sample.forged) for (const check of end.failedChecks ?? []) forgeryChecks[check] = (forgeryChecks[check] ?? 0) + 1
  // an issuer that refuses an honest redemption under load has failed it (an error), not judged it
  const wrong = verdicts.filter(({ sample, end }) => (sample.forged ? end.verdict === 'accepted' : end.verdict === 'rejected'))
  const correctness = {
    honest: { accepted: count(false, 'accepted'), rejected: count(false, 'rejected') },
    forged: { accepted: count(true, 'accepted'), rejected: count(true, 'rejected') },
    forgeryChecks,
    wrong: wrong.slice(0, 20).map(({ sample, end }) => ({ at: round(sample.at, 3), forgery: end.forgery, verdict: end.verdict, reason: end.reason })),
  }
  const failures: string[] = []
  if (correctness.forged.accepted) {
    failures.push(
      `${correctness.forged.accepted} forger${correctness.forged.accepted === 1 ? 'y was' : 'ies were'} accepted under load: ${context.forgeries.map((f) => `${f.name} must fail ${f.check}`).join('; ')}`,
    )
  }
  if (correctness.honest.rejected)
    failures.push(`${correctness.honest.rejected} honest presentation(s) were rejected under load (first: ${wrong.find(({ sample }) => !sample.forged)?.end.reason ?? 'no reason given'})`)
  if (!verdicts.length)
    failures.push(
      `no operation reached a verdict (${Object.entries(errors)
        .map(([kind, e]) => `${kind}: ${e.count}`)
        .join(', ')})`,
    )
  else if (context.settings.forgeryShare > 0 && !correctness.forged.accepted && !correctness.forged.rejected) failures.push('no forgery reached a verdict: the verdicts under load were not tested')
  return {
    kind: 'load',
    at: new Date().toISOString(),
    ...context,
    seconds: round(run.seconds, 2),
    arrivals: run.samples.length,
    verdicts: verdicts.length,
    throughput: round(verdicts.length / run.seconds, 2),
    latencyMs: latencies.length ? { p50: round(percentile(latencies, 50)), p95: round(percentile(latencies, 95)), p99: round(percentile(latencies, 99)), max: round(latencies.at(-1)!) } : undefined,
    errors,
    correctness,
    passed: failures.length === 0,
    failures,
    samples: run.samples.map((s) => ({ at: round(s.at, 3), ms: round(s.ms), forged: s.forged, end: 'verdict' in s.end ? s.end.verdict : s.end.error })),
  }
}

/** Writes the report as reports/load-<role>-<time>.json; returns its path. */
export function writeLoadReport(reportsDir: string, report: LoadReport): string {
  mkdirSync(reportsDir, { recursive: true })
  const file = join(reportsDir, `load-${report.role}-${report.at.replace(/[:.]/g, '-')}.json`)
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`)
  return file
}

export function formatLoadReport(report: LoadReport): string {
  const { correctness: c, latencyMs: l, settings: s } = report
  const errors = Object.entries(report.errors).map(([kind, e]) => `  ${kind}: ${e.count} (first: ${e.first})`)
  return [
    `${report.role} ${report.target.implementation} (${report.target.url}), ${report.format}, ${report.subject}: ${s.rate}/s for ${s.durationSeconds} s, at most ${s.maxInFlight} in flight, ${Math.round(s.forgeryShare * 100)}% forgeries`,
    `  ${report.verdicts}/${report.arrivals} with a verdict in ${report.seconds} s: ${report.throughput}/s${l ? `, p50 ${l.p50} ms, p95 ${l.p95} ms, p99 ${l.p99} ms, max ${l.max} ms` : ''}`,
    `  honest: ${c.honest.accepted} accepted, ${c.honest.rejected} rejected; forgeries: ${c.forged.rejected} rejected, ${c.forged.accepted} accepted`,
    ...(Object.keys(c.forgeryChecks).length
      ? [
          `  checks that refused the forgeries: ${Object.entries(c.forgeryChecks)
            .map(([check, n]) => `${check} ×${n}`)
            .join(', ')}`,
        ]
      : []),
    ...(errors.length ? ['errors by kind:', ...errors] : ['no errors']),
    report.passed ? 'PASSED: every verdict was right' : `FAILED:\n${report.failures.map((f) => `  - ${f}`).join('\n')}`,
  ].join('\n')
}
