import { type Clock, systemClock } from '@interop-lab/common/clock'
import type { CheckResult, CredentialChecks } from '../checks'
import { overAskedClaims, type PolicyRule, type Purposes, type VerificationPolicy } from '../policy'
import type { PresentedCredential } from '../presented'
import { clauseReason, frenchOf, type Reason } from './reasons'
import type { CheckName, Decision, TraceStep } from '@interop-lab/contracts'

// the decision and its trace are a wire contract: the verifier answers them, the runner and reports read them
export type { CheckName, Decision, TraceStep } from '@interop-lab/contracts'

/** What one check of a protocol/format adapter found, computed by the check itself (never read from an error message). */
export interface Finding {
  check: CheckName
  passed: boolean
  reason: Reason
  detail?: unknown
  /** What the finding is about when it says so itself (a HAIP requirement id); otherwise the credential query it was found on. */
  subject?: string
}

/** One presented credential as an adapter checked it: its protocol findings and, when it could be read, what it says. */
export interface CredentialResult {
  queryId: string
  findings: Finding[]
  credential?: PresentedCredential
}

/** What an adapter (OID4VP SD-JWT or JWT VP, DIDComm JSON-LD or AnonCreds) hands the core for one response. */
export interface AdapterOutcome {
  /** Findings about the response as a whole (its encoding, its challenge). */
  response: Finding[]
  credentials: CredentialResult[]
  /** The protocol library's refusal (Credo's), quoted in the trace only when none of the lab's checks failed. */
  engineError?: string
}

export interface TrustAnswer {
  authorized: boolean
  message: string
  detail?: unknown
}

/** Asks the trust registry whether `issuer` may issue `credentialType` under `jurisdiction`, recognized by `authority`. */
export type TrustCheck = (query: {
  issuer: string
  credentialType: string
  jurisdiction: string
  authority: string
  minimumAssurance?: VerificationPolicy['credentials'][number]['minimumAssurance']
  /** The policy's freshness window for the registries' signed answers, when it sets one. */
  maxAnswerAgeSeconds?: number
}) => Promise<TrustAnswer>

/** Everything a decision asks beyond the presentation itself: who signed each credential, the trust registry, status lists. */
export interface PresentationChecks extends CredentialChecks {
  trust: TrustCheck
  /** The time validity periods are judged at (default the system clock). */
  clock?: Clock
}

export const finding = (check: CheckName, passed: boolean, reason: Reason, detail?: unknown): Finding => ({ check, passed, reason, ...(detail === undefined ? {} : { detail }) })

const stepOf = ({ check, passed, reason, detail, subject: own }: Finding, query?: string): TraceStep => ({
  check,
  ...((own ?? query) === undefined ? {} : { subject: own ?? query }),
  passed,
  message: reason.en,
  messageFr: reason.fr,
  ...(reason.clause ? { clause: reason.clause } : {}),
  ...(detail === undefined ? {} : { detail }),
})

/** A finding from a check that reports in English only (verifier/checks, the trust registry): French names the check and quotes it. */
const englishOnly = (check: CheckName, passed: boolean, message: string, clause?: string): Reason => ({ en: message, fr: frenchOf(check, passed, message), clause })

const fromCheckResult = (result: CheckResult): Finding => finding(result.check, result.passed, englishOnly(result.check, result.passed, result.message, result.clause))

/** The trace line of the lab's signer-is-issuer check (verifier/checks/signerIsIssuer.ts) for one credential. */
function signatureFinding(result: CheckResult, subject: string): Finding {
  const en = `The issuer's signature on ${subject} ${result.passed ? 'verifies' : 'does not verify'}: ${result.message}`
  const fr = `La signature de l’émetteur sur ${subject} ${result.passed ? 'est vérifiée' : 'ne se vérifie pas'} : « ${result.message} »`
  return finding('signature', result.passed, { en, fr, clause: result.clause })
}

const claimAt = (disclosed: Decision['disclosed'], path: string) => {
  const [queryId, claim] = path.split('.')
  return disclosed[queryId]?.[claim]
}

function evaluateRule(rule: PolicyRule, disclosed: Decision['disclosed']): TraceStep {
  const say = (passed: boolean, en: string, fr: string) => stepOf(finding('policy', passed, { en: `${rule.description.en}: ${en}`, fr: `${rule.description.fr} : ${fr}` }), rule.id)
  switch (rule.kind) {
    case 'equals': {
      const value = JSON.stringify(claimAt(disclosed, rule.claim))
      const expected = JSON.stringify(rule.value)
      return say(claimAt(disclosed, rule.claim) === rule.value, `${rule.claim} is ${value}, expected ${expected}`, `${rule.claim} vaut ${value}, attendu ${expected}`)
    }
    case 'oneOf': {
      const value = claimAt(disclosed, rule.claim)
      return say(
        rule.values.includes(String(value)),
        `${rule.claim} is ${JSON.stringify(value)}, accepted ${rule.values.join(', ')}`,
        `${rule.claim} vaut ${JSON.stringify(value)}, acceptés ${rule.values.join(', ')}`,
      )
    }
    case 'same': {
      const [a, b] = rule.claims.map((path) => claimAt(disclosed, path))
      const normalize = (v: unknown) => (typeof v === 'string' ? v.normalize('NFC').trim().toLocaleLowerCase('fr-CA') : v)
      const compared = `${JSON.stringify(a)} vs ${JSON.stringify(b)}`
      return say(a !== undefined && normalize(a) === normalize(b), compared, compared)
    }
    case 'present': {
      const value = claimAt(disclosed, rule.claim)
      return say(value !== undefined, `${rule.claim} ${value === undefined ? 'missing' : 'present'}`, `${rule.claim} ${value === undefined ? 'absent' : 'présent'}`)
    }
  }
}

/** Flags a verifier that asks for more than its declared purpose needs. */
export function minimizationStep(policy: VerificationPolicy, purposes: Purposes): TraceStep {
  const excess = overAskedClaims(policy, purposes)
  const listed = Object.entries(excess).map(([id, claims]) => `${id}: ${claims.join(', ')}`)
  const reason: Reason = listed.length
    ? {
        en: `The request asks for more than '${policy.purposeKey}' needs (${listed.join('; ')}); those claims are not kept: not in this decision, and the raw response is deleted once decided`,
        fr: `La demande exige plus que ce dont « ${policy.purposeKey} » a besoin (${listed.join('; ')}) ; ces renseignements ne sont pas conservés : absents de cette décision, et la réponse brute est supprimée une fois la décision prise`,
      }
    : { en: `The request asks only for what '${policy.purposeKey}' needs`, fr: `La demande n’exige que ce dont « ${policy.purposeKey} » a besoin` }
  return stepOf(finding('minimization', listed.length === 0, reason, excess))
}

/** The whole decision from its trace: rejected when any line failed, or when there is no line at all. */
export function finish(trace: TraceStep[], disclosed: Decision['disclosed'] = {}, engineError?: string, evaluatedAt = new Date()): Decision {
  const failed = trace.filter((step) => !step.passed)
  return {
    outcome: failed.length || !trace.length ? 'rejected' : 'accepted',
    reasons: failed.map((step) => step.message),
    reasonsFr: failed.map((step) => step.messageFr),
    failedChecks: [...new Set(failed.map((step) => step.check))],
    trace,
    disclosed,
    ...(engineError === undefined ? {} : { engineError }),
    evaluatedAt: evaluatedAt.toISOString(),
  }
}

function claimsFinding(wanted: VerificationPolicy['credentials'][number], credential: PresentedCredential): Finding {
  const missing = wanted.claims.filter((claim) => credential.claims[claim] === undefined)
  if (credential.credentialType !== wanted.credentialType) {
    const received = credential.credentialType ?? 'an unknown type'
    return finding('claims', false, {
      en: `Expected a ${wanted.credentialType}, received ${received}`,
      fr: `Un ${wanted.credentialType} était attendu, reçu : ${credential.credentialType ?? 'un type inconnu'}`,
    })
  }
  if (missing.length) {
    return finding('claims', false, {
      en: `${wanted.credentialType} is missing required claim(s): ${missing.join(', ')}`,
      fr: `Il manque à ${wanted.credentialType} des renseignements demandés : ${missing.join(', ')}`,
    })
  }
  return finding('claims', true, { en: `${wanted.credentialType} discloses every requested claim`, fr: `${wanted.credentialType} divulgue chaque renseignement demandé` })
}

function validityFinding(wanted: VerificationPolicy['credentials'][number], expiresAt: Date, now: Date): Finding {
  const at = expiresAt.toISOString()
  return expiresAt.getTime() <= now.getTime()
    ? finding('expiry', false, { en: `${wanted.credentialType} expired at ${at}`, fr: `${wanted.credentialType} a expiré le ${at}` })
    : finding('expiry', true, { en: `${wanted.credentialType} is within its validity period (until ${at})`, fr: `${wanted.credentialType} est dans sa période de validité (jusqu’au ${at})` })
}

/**
 * The one decision, whatever the protocol and format: the adapter's findings about the response and each credential
 * (holder binding, nonce and audience, freshness, disclosures, encoding…), then for each credential the policy asks
 * for, in this order: type and claims, validity period, the lab's own proof that its signer is its issuer, then —
 * only for a credential its issuer signed — the trust registry's answer for that issuer, and — only for a trusted
 * issuer — its published status (the status list URL is the credential's: never fetched before). Then the policy's
 * rules, on claims their issuers signed. The decision keeps only the claims the policy asked for and its purpose needs.
 */
export async function decide(policy: VerificationPolicy, purposes: Purposes, outcome: AdapterOutcome, checks: PresentationChecks): Promise<Decision> {
  const now = (checks.clock ?? systemClock).now()
  const trace: TraceStep[] = [...outcome.response.map((f) => stepOf(f)), minimizationStep(policy, purposes)]
  const disclosed: Decision['disclosed'] = {}
  const overAsked = overAskedClaims(policy, purposes)
  let allSignedByIssuers = true
  for (const wanted of policy.credentials) {
    const results = outcome.credentials.filter((c) => c.queryId === wanted.id)
    if (!results.length) {
      trace.push(stepOf(finding('claims', false, { en: `No ${wanted.credentialType} was presented`, fr: `Aucun ${wanted.credentialType} n’a été présenté` }), wanted.id))
      allSignedByIssuers = false
      continue
    }
    for (const { findings, credential } of results) {
      trace.push(...findings.map((f) => stepOf(f, wanted.id)))
      if (!credential) {
        allSignedByIssuers = false
        continue
      }
      trace.push(stepOf(claimsFinding(wanted, credential), wanted.id))
      if (credential.expiresAt) trace.push(stepOf(validityFinding(wanted, credential.expiresAt, now), wanted.id))
      const signature = await checks.signerIsIssuer(credential)
      trace.push(stepOf(signatureFinding(signature, wanted.id), wanted.id))
      if (!signature.passed) {
        allSignedByIssuers = false
        continue
      }
      // only what the policy asked for, and of that only what its purpose needs: the rest is not kept
      const kept = wanted.claims.filter((claim) => !(overAsked[wanted.id] ?? []).includes(claim) && credential.claims[claim] !== undefined)
      disclosed[wanted.id] = Object.fromEntries(kept.map((claim) => [claim, credential.claims[claim]]))
      const jurisdiction = String(credential.claims.jurisdiction ?? '')
      const answer = await checks
        .trust({
          issuer: credential.issuer,
          credentialType: wanted.credentialType,
          jurisdiction,
          authority: policy.trustAuthority,
          minimumAssurance: wanted.minimumAssurance,
          maxAnswerAgeSeconds: policy.trustAnswerMaxAgeSeconds,
        })
        .catch((error: unknown): TrustAnswer => ({ authorized: false, message: `Trust registry unavailable: ${error instanceof Error ? error.message : String(error)}` }))
      trace.push(stepOf(finding('trust-registry', answer.authorized, englishOnly('trust-registry', answer.authorized, answer.message), answer.detail), wanted.id))
      if (!answer.authorized) continue
      const status = await checks.status(credential)
      if (status) trace.push(stepOf(fromCheckResult(status), wanted.id))
    }
  }
  // rules judge claims: only claims their issuers signed, and the rules may read a claim the purpose does not keep
  if (allSignedByIssuers) {
    const signed = Object.fromEntries(outcome.credentials.filter((c) => c.credential && disclosed[c.queryId]).map((c) => [c.queryId, c.credential!.claims])) as Decision['disclosed']
    for (const rule of policy.rules) trace.push(evaluateRule(rule, signed))
  }
  // the protocol library refused for a reason none of our checks found: say so, in its words
  if (outcome.engineError && trace.every((step) => step.passed)) {
    trace.unshift(
      stepOf(
        finding('response', false, { en: `The protocol library refused the response: ${outcome.engineError}`, fr: `La bibliothèque du protocole a refusé la réponse : « ${outcome.engineError} »` }),
      ),
    )
  }
  return finish(trace, disclosed, outcome.engineError, now)
}

export { clauseReason, type Reason }
