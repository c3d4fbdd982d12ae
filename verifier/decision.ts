import { specVersionMismatch } from '../common/specVersions'
import { overAskedClaims, type PolicyRule, type Purposes, type VerificationPolicy } from './policy'
import type { PresentedCredential } from './presented'

export type CheckName =
  | 'signature'
  | 'holder-binding'
  | 'nonce'
  | 'expiry'
  | 'status'
  | 'trust-registry'
  | 'claims'
  | 'minimization'
  | 'policy'
  | 'response'
  /** AnonCreds: a revealed raw value encodes to the value the issuer signed. */
  | 'encoding'
  /** AnonCreds: the predicates asked for (an age, a registration date) are proven. */
  | 'predicates'
  /** The two sides speak different versions of a specification (vc+sd-jwt vs dc+sd-jwt, PEX vs DCQL). */
  | 'spec-version'

/** One line of the machine-readable decision trace. */
export interface TraceStep {
  check: CheckName
  /** The credential query id or rule id the step is about. */
  subject?: string
  passed: boolean
  message: string
  detail?: unknown
}

export interface Decision {
  outcome: 'accepted' | 'rejected'
  /** The failing steps' messages, first failure first. */
  reasons: string[]
  failedChecks: CheckName[]
  trace: TraceStep[]
  disclosed: Record<string, Record<string, unknown>>
  /** Credo's own reason, when it refused the response before our checks ran. */
  engineError?: string
  evaluatedAt: string
}

export interface TrustAnswer {
  authorized: boolean
  message: string
  detail?: unknown
}

/** Asks the trust registry whether `issuer` may issue `credentialType` under `jurisdiction`, recognized by `authority`. */
export type TrustCheck = (query: { issuer: string; credentialType: string; jurisdiction: string; authority: string }) => Promise<TrustAnswer>

/** Names the check a Credo verification error is about, from its message. */
export function classifyVerificationError(message: string): CheckName {
  if (specVersionMismatch(message)) return 'spec-version'
  const text = message.toLowerCase()
  if (text.includes('nonce') || text.includes('state')) return 'nonce'
  if (text.includes('key binding') || text.includes('kb-jwt') || text.includes('kb jwt') || text.includes('holder')) return 'holder-binding'
  if (text.includes('expired') || text.includes('exp ') || text.includes('expiration')) return 'expiry'
  if (text.includes('status') || text.includes('revoked') || text.includes('suspended')) return 'status'
  if (text.includes('signature') || text.includes('invalid jwt') || text.includes('verify')) return 'signature'
  if (text.includes('dcql') || text.includes('claim') || text.includes('satisf')) return 'claims'
  return 'response'
}

export function finish(trace: TraceStep[], disclosed: Decision['disclosed'] = {}, engineError?: string): Decision {
  const failed = trace.filter((step) => !step.passed)
  return {
    outcome: failed.length || !trace.length ? 'rejected' : 'accepted',
    reasons: failed.map((step) => step.message),
    failedChecks: [...new Set(failed.map((step) => step.check))],
    trace,
    disclosed,
    engineError,
    evaluatedAt: new Date().toISOString(),
  }
}

const claimAt = (disclosed: Decision['disclosed'], path: string) => {
  const [queryId, claim] = path.split('.')
  return disclosed[queryId]?.[claim]
}

function evaluateRule(rule: PolicyRule, disclosed: Decision['disclosed']): TraceStep {
  const base = { check: 'policy' as const, subject: rule.id }
  switch (rule.kind) {
    case 'equals': {
      const value = claimAt(disclosed, rule.claim)
      return { ...base, passed: value === rule.value, message: `${rule.description.en}: ${rule.claim} is ${JSON.stringify(value)}, expected ${JSON.stringify(rule.value)}` }
    }
    case 'oneOf': {
      const value = claimAt(disclosed, rule.claim)
      return { ...base, passed: rule.values.includes(String(value)), message: `${rule.description.en}: ${rule.claim} is ${JSON.stringify(value)}, accepted ${rule.values.join(', ')}` }
    }
    case 'same': {
      const [a, b] = rule.claims.map((path) => claimAt(disclosed, path))
      const normalize = (v: unknown) => (typeof v === 'string' ? v.normalize('NFC').trim().toLocaleLowerCase('fr-CA') : v)
      return { ...base, passed: a !== undefined && normalize(a) === normalize(b), message: `${rule.description.en}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}` }
    }
    case 'present': {
      const value = claimAt(disclosed, rule.claim)
      return { ...base, passed: value !== undefined, message: `${rule.description.en}: ${rule.claim} ${value === undefined ? 'missing' : 'present'}` }
    }
  }
}

/**
 * Everything Credo does not decide for us, after it has checked signatures, holder binding and nonce:
 * validity period, requested claims, the trust registry's answer for each issuer, and the policy's rules.
 */
/** Flags a verifier that asks for more than its declared purpose needs. */
export function minimizationStep(policy: VerificationPolicy, purposes: Purposes): TraceStep {
  const excess = overAskedClaims(policy, purposes)
  const listed = Object.entries(excess).map(([id, claims]) => `${id}: ${claims.join(', ')}`)
  return {
    check: 'minimization',
    passed: listed.length === 0,
    message: listed.length
      ? `The request asks for more than '${policy.purposeKey}' needs (${listed.join('; ')}); those claims were discarded unread`
      : `The request asks only for what '${policy.purposeKey}' needs`,
    detail: excess,
  }
}

export async function evaluatePresentation(
  policy: VerificationPolicy,
  purposes: Purposes,
  credentials: PresentedCredential[],
  trust: TrustCheck,
  now = new Date(),
): Promise<Decision> {
  const trace: TraceStep[] = [
    { check: 'signature', passed: true, message: 'Issuer signatures verified' },
    { check: 'holder-binding', passed: true, message: 'Presentations are signed by the keys the credentials are bound to' },
    { check: 'nonce', passed: true, message: 'The response answers this request (nonce and state match)' },
    minimizationStep(policy, purposes),
  ]
  const disclosed: Decision['disclosed'] = {}
  for (const wanted of policy.credentials) {
    const credential = credentials.find((c) => c.queryId === wanted.id)
    if (!credential) {
      trace.push({ check: 'claims', subject: wanted.id, passed: false, message: `No ${wanted.credentialType} was presented` })
      continue
    }
    disclosed[wanted.id] = credential.claims
    const missing = wanted.claims.filter((claim) => credential.claims[claim] === undefined)
    trace.push({
      check: 'claims',
      subject: wanted.id,
      passed: missing.length === 0 && credential.credentialType === wanted.credentialType,
      message:
        credential.credentialType !== wanted.credentialType
          ? `Expected a ${wanted.credentialType}, received ${credential.credentialType ?? 'an unknown type'}`
          : missing.length
            ? `${wanted.credentialType} is missing required claim(s): ${missing.join(', ')}`
            : `${wanted.credentialType} discloses every requested claim`,
    })
    const expired = credential.expiresAt !== undefined && credential.expiresAt.getTime() <= now.getTime()
    trace.push({
      check: 'expiry',
      subject: wanted.id,
      passed: !expired,
      message: expired ? `${wanted.credentialType} expired at ${credential.expiresAt!.toISOString()}` : `${wanted.credentialType} is within its validity period`,
    })
    const jurisdiction = String(credential.claims.jurisdiction ?? '')
    const answer = await trust({ issuer: credential.issuer, credentialType: wanted.credentialType, jurisdiction, authority: policy.trustAuthority }).catch(
      (error: unknown): TrustAnswer => ({ authorized: false, message: `Trust registry unavailable: ${error instanceof Error ? error.message : String(error)}` }),
    )
    trace.push({ check: 'trust-registry', subject: wanted.id, passed: answer.authorized, message: answer.message, detail: answer.detail })
  }
  for (const rule of policy.rules) trace.push(evaluateRule(rule, disclosed))
  // what a verifier should not have asked for is not kept, even when the wallet sent it
  for (const [queryId, claims] of Object.entries(overAskedClaims(policy, purposes))) {
    for (const claim of claims) if (disclosed[queryId]) delete disclosed[queryId][claim]
  }
  return finish(trace, disclosed)
}
