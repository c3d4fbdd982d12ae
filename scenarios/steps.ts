import type { CredentialFormat } from '@interop-lab/common/credentialTypes'
import { exchangeOf, formatLimit, type MatrixProtocol } from '@interop-lab/common/protocols'
import { specVersionMismatch } from '@interop-lab/common/specVersions'
import { type Decision, INBOX_MAX_WAIT_SECONDS, type IssuanceFault, type PresentationOutcome } from '@interop-lab/contracts'
import type { MalloryVerifierDriver } from './drivers/malloryVerifier'
import { DriverError, type Driver, type InboxEntry, type Offer, type Parties, type PresentationRequest, type Verdict } from './drivers/types'
import { VERIFIER_CASES, type VerifierCase } from './mallory/cases'
import { labClock, letTimePass, type TimedParty, type TimePassed } from './clocks'
import { changeRegistry, type RegistryAccess, type RegistryChange } from './registryChanges'
import type { CertifyStep, CorrectStep, Expectation, ExpectNotificationsStep, IssueStep, PresentStep, RegisterStep, RegistryStep, ScenarioStep } from './scenario'

/** Where the parties of a scenario live: local services or another jurisdiction's URLs. */
export interface Endpoints {
  issuer: string
  wallet: string
  verifier: string
  adminApiKey: string
}

export interface StepResult {
  stepId: string
  action: ScenarioStep['action']
  parties: string[]
  passed: boolean
  durationMs: number
  /** What happened, in a sentence. */
  summary: string
  expected?: Expectation
  /** The profile requirements a refusal named (HAIP 1.0 ids): the verifier's failing `profile` trace steps, the wallet's or the issuer's refusal. */
  requirements?: string[]
  decision?: Decision
  walletOutcome?: PresentationOutcome
  /** The offer or request a wallet was given: a dashboard shows them as QR codes / deep links. */
  links?: { offerUri?: string; txCode?: string; requestUri?: string }
  error?: string
  /** Who a failure is down to, as far as the runner can tell, and why. */
  failure?: StepFailure
  /** A wait step: how its seconds passed (the lab's clocks moved, or a real sleep and why). */
  time?: TimePassed
}

export interface StepFailure {
  role: 'issuer' | 'wallet' | 'verifier' | 'registry'
  party: string
  reason: string
}

export type StepOutcome = Omit<StepResult, 'durationMs'>

/** What one step leaves for the next within a run (the death registration in progress). */
export interface RunContext {
  parties: Parties
  format: CredentialFormat
  protocol: MatrixProtocol
  registration?: { registrar: string; id: string; registrationNumber?: string }
  /** The trust registry registry steps change, when the run may change one. */
  registry?: RegistryAccess
  /** The registry changes made so far, undone (last first) when the run ends. */
  registryChanges: RegistryChange[]
  /** Mallory's verifier, for present steps whose request it makes (`requestCase`). */
  mallory?: MalloryVerifierDriver
}

/** A driver call failed: which role and party it is down to. */
export class PartyError extends Error {
  public constructor(
    public readonly role: StepFailure['role'],
    public readonly party: string,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause })
    this.name = 'PartyError'
  }
}

/** `call`'s failure, if any, put down to `party` in `role`. */
const by = async <T>(role: StepFailure['role'], party: string, call: () => Promise<T>): Promise<T> => {
  try {
    return await call()
  } catch (error) {
    throw error instanceof PartyError ? error : new PartyError(role, party, error)
  }
}

/** The driver's pilot operations, or why the cell cannot run with it. */
function needs<T>(driver: Driver, what: T | undefined, role: StepFailure['role'], party: string, ability: string): T {
  if (what === undefined) throw new PartyError(role, party, new DriverError('unsupported', `${driver.implementation} cannot ${ability}`))
  return what
}

async function acceptOffer(context: RunContext, holder: string, offer: Offer, fault?: IssuanceFault): Promise<number> {
  return by('wallet', holder, () => context.parties.wallet.acceptOffer(holder, offer, fault))
}

/** Whether a scenario's `requestCase` is one of Mallory's verifier cases. */
export const isVerifierCase = (kind: string): kind is VerifierCase => Object.hasOwn(VERIFIER_CASES, kind)

/** What a step saw: the outcome, and the checks and profile requirements a refusal named (undefined: the party names none). */
interface Observed {
  outcome: 'accepted' | 'rejected'
  failedChecks?: string[]
  requirements?: string[]
}

/** Whether what happened is what the step expected; a check or requirement the party does not name is not held against it. */
const meets = (expected: Expectation, observed: Observed) =>
  observed.outcome === expected.outcome &&
  (expected.failedCheck === undefined || observed.failedChecks === undefined || observed.failedChecks.includes(expected.failedCheck)) &&
  (expected.requirement === undefined || observed.requirements === undefined || observed.requirements.includes(expected.requirement))

const expectedText = (expected: Expectation) => `${expected.outcome}${expected.failedCheck ? ` on ${expected.failedCheck}` : ''}${expected.requirement ? ` (requirement ${expected.requirement})` : ''}`
const requirementsText = (observed: Observed) => (observed.requirements?.length ? ` naming requirement ${observed.requirements.join(', ')}` : '')

/** A wallet's refusal of an offer (a DriverError `refused`, with the requirement it names), or undefined for any other failure. */
function issuanceRefusal(error: unknown): { reason: string; requirement?: string } | undefined {
  const cause = error instanceof PartyError ? error.cause : error
  return cause instanceof DriverError && cause.code === 'refused' ? { reason: cause.message, requirement: cause.requirement } : undefined
}

/**
 * The holder's wallet redeems an offer (`issued`: the step's summary when it stores the credential). A step expecting a
 * refused issuance (a HAIP negative) passes when the refusal names what it expects, and fails when the credential is stored.
 */
async function redeem(context: RunContext, step: IssueStep | RegisterStep, issuer: string, offer: Offer, issued: string): Promise<StepOutcome> {
  const base = { stepId: step.id, action: step.action, parties: [issuer, step.holder], links: { offerUri: offer.offerUri, txCode: offer.txCode } }
  const fault = step.fault ? ` (fault: ${step.fault.kind})` : ''
  if (!step.expect || step.expect.outcome === 'accepted') {
    const received = await acceptOffer(context, step.holder, offer, step.fault)
    return {
      ...base,
      passed: received > 0,
      summary: `${issued}${fault}`,
      failure: received > 0 ? undefined : { role: 'wallet', party: step.holder, reason: 'The wallet accepted the offer but stored no credential' },
    }
  }
  const expected = step.expect
  const attempt = await acceptOffer(context, step.holder, offer, step.fault).then(
    (stored) => ({ stored }),
    (error: unknown) => {
      const refusal = issuanceRefusal(error)
      if (!refusal) throw error
      return refusal
    },
  )
  if ('stored' in attempt) {
    const reason = `expected ${expectedText(expected)}; the issuance went through (the wallet stored ${attempt.stored} credential(s))`
    return { ...base, passed: false, expected, summary: `${issued}${fault}, which was to be refused`, failure: { role: 'issuer', party: issuer, reason } }
  }
  const observed: Observed = { outcome: 'rejected', failedChecks: attempt.requirement ? ['profile'] : [], requirements: attempt.requirement ? [attempt.requirement] : [] }
  const passed = meets(expected, observed)
  const named = requirementsText(observed)
  return {
    ...base,
    passed,
    expected,
    requirements: observed.requirements,
    summary: `${issuer}'s credential for ${step.holder} was refused${fault}${named}: ${attempt.reason}`,
    failure: passed ? undefined : { role: 'issuer', party: issuer, reason: `expected ${expectedText(expected)}; refused${named || ' naming no requirement'}: ${attempt.reason}` },
  }
}

async function issue(context: RunContext, step: IssueStep): Promise<StepOutcome> {
  const { parties, format } = context
  const { protocol, profile } = exchangeOf(context.protocol)
  const offer = await by('issuer', step.issuer, async () =>
    parties.issuer.offer({
      issuer: step.issuer,
      credentialType: step.credentialType,
      format,
      protocol,
      profile,
      claims: step.claims,
      validUntil: step.validForSeconds ? new Date((await issuerNow(context)).getTime() + step.validForSeconds * 1000).toISOString() : undefined,
    }),
  )
  return redeem(context, step, step.issuer, offer, `${step.issuer} issued ${step.credentialType} (${format} over ${context.protocol}) to ${step.holder}`)
}

/** Why a wallet did not present, naming a spec-version mismatch when its answer shows one. */
function walletRefusal(outcome: PresentationOutcome): string {
  const error = outcome.error ?? 'the verifier reached no decision'
  if (outcome.check !== 'spec-version') return error
  return `spec-version (${specVersionMismatch(error) ?? 'the two sides implement different versions'}): ${error}`
}

/** The profile requirements a refusal named: the verifier's failing `profile` trace steps, or the one the wallet's refusal names. */
function refusedRequirements(verdict: Verdict | undefined, walletOutcome: PresentationOutcome): string[] | undefined {
  if (verdict?.decision) return verdict.decision.trace.flatMap((t) => (t.check === 'profile' && !t.passed && t.subject ? [t.subject] : []))
  if (verdict) return undefined
  return walletOutcome.requirement ? [walletOutcome.requirement] : []
}

/** Mallory's verifier decides nothing: a presentation its response endpoint received is the wallet answering what it had to refuse. */
async function malloryVerdict(mallory: MalloryVerifierDriver, request: PresentationRequest): Promise<Verdict | undefined> {
  const received = await mallory.answers(request)
  return received ? { outcome: 'accepted', failedChecks: [], reason: `Mallory's response endpoint received ${received} presentation(s)`, source: 'result' } : undefined
}

/** The request of a present step: from Mallory's verifier for a `requestCase`, otherwise from the step's verifier. */
async function requestOf(context: RunContext, step: PresentStep): Promise<{ request: PresentationRequest; mallory?: MalloryVerifierDriver }> {
  const { parties, format } = context
  if (step.requestCase) {
    const { mallory } = context
    const kind = step.requestCase
    if (!mallory || !isVerifierCase(kind))
      throw new PartyError('verifier', 'mallory', new DriverError('unsupported', mallory ? `Mallory's verifier has no case ${kind}` : 'this run has no Mallory verifier'))
    return { request: await by('verifier', mallory.implementation, () => mallory.requestCase(kind, format)), mallory }
  }
  const { protocol, profile } = exchangeOf(context.protocol)
  return { request: await by('verifier', step.verifier, () => parties.verifier.request(step.policy, format, protocol, profile)) }
}

async function present(context: RunContext, step: PresentStep): Promise<StepOutcome> {
  const { parties } = context
  const { request, mallory } = await requestOf(context, step)
  const verifierName = mallory?.implementation ?? step.verifier
  // an AnonCreds verification on the WASM backend asks for each credential in its own request
  let walletOutcome!: PresentationOutcome
  for (const requestUri of request.requestUris ?? [request.requestUri]) {
    walletOutcome = await by('wallet', step.holder, () => parties.wallet.present(step.holder, { requestUri, answered: request.answered, query: request.query }, step.fault))
    if (!walletOutcome.submitted) break
  }
  const verdict = await by('verifier', verifierName, () => (mallory ? malloryVerdict(mallory, request) : parties.verifier.verdict(request, walletOutcome)))
  const observed: Observed = {
    outcome: verdict?.outcome ?? 'rejected',
    failedChecks: verdict ? verdict.failedChecks : [walletOutcome.check ?? (walletOutcome.submitted ? 'response' : 'claims')],
    requirements: refusedRequirements(verdict, walletOutcome),
  }
  // a verifier that names no failed check is judged on its outcome alone (said in the summary)
  const passed = meets(step.expect, observed)
  const why = verdict ? verdict.reason : `the wallet did not answer: ${walletOutcome.error}`
  const expected = expectedText(step.expect)
  const checks = observed.failedChecks ? ` [${observed.failedChecks.join(', ')}]` : ''
  const named = requirementsText(observed)
  const failure: StepFailure | undefined = passed
    ? undefined
    : mallory
      ? {
          role: 'wallet',
          party: step.holder,
          reason: `expected ${expected}; ${verdict ? `the wallet answered Mallory's ${step.requestCase} request (${why})` : `the wallet refused${checks}${named}: ${walletRefusal(walletOutcome)}`}`,
        }
      : verdict
        ? { role: 'verifier', party: step.verifier, reason: `expected ${expected}, the verifier ${observed.outcome}${checks}${named}${why ? `: ${why}` : ''}` }
        : { role: 'wallet', party: step.holder, reason: `expected ${expected}; ${walletRefusal(walletOutcome)}` }
  const unnamedCheck = verdict && !observed.failedChecks && step.expect.failedCheck ? ` (the verifier names no failed check; ${step.expect.failedCheck} not confirmed)` : ''
  const unnamedRequirement = verdict && !observed.requirements && step.expect.requirement ? ` (the verifier names no requirement; ${step.expect.requirement} not confirmed)` : ''
  const summary = mallory
    ? `${step.holder}'s wallet ${verdict ? 'answered' : 'refused'} Mallory's ${step.requestCase} request${verdict ? '' : `${named}: ${walletOutcome.error ?? 'no reason given'}`}`
    : `${step.verifier} ${observed.outcome} ${step.holder}'s presentation${step.fault ? ` (fault: ${step.fault.kind})` : ''}${named}${observed.outcome === 'rejected' && why ? `: ${why}` : ''}${unnamedCheck}${unnamedRequirement}`
  return {
    stepId: step.id,
    action: 'present',
    parties: [step.holder, mallory ? verifierName : step.verifier],
    passed,
    summary,
    expected: step.expect,
    requirements: observed.requirements,
    failure,
    links: { requestUri: request.requestUri },
    decision: verdict?.decision,
    walletOutcome,
  }
}

/** The issuer's time, by its own clock when it is the lab's (a run may have moved it), else the runner's (also for a lab service too old to say). */
async function issuerNow(context: RunContext): Promise<Date> {
  const state = await context.parties.issuer.clock?.read().catch(() => undefined)
  return state ? new Date(state.now) : new Date()
}

/** Every party of the run whose time counts, and its clock when the runner may move it. */
function timedParties(context: RunContext): TimedParty[] {
  const { issuer, wallet, verifier } = context.parties
  const registry = context.registry && { name: `trust registry ${context.registry.url}`, clock: labClock(context.registry.url, context.registry.adminApiKey) }
  return [
    { name: `issuer ${issuer.implementation}`, clock: issuer.clock },
    { name: `wallet ${wallet.implementation}`, clock: wallet.clock },
    { name: `verifier ${verifier.implementation}`, clock: verifier.clock },
    ...(registry ? [registry] : []),
  ]
}

/** The seconds pass on the lab's clocks, moved forward instead of sleeping; only a party the lab cannot move makes the runner sleep. */
async function wait(context: RunContext, step: { id: string; seconds: number }): Promise<StepOutcome> {
  const passed = await letTimePass(timedParties(context), step.seconds)
  const summary =
    passed.mode === 'advanced'
      ? `${step.seconds} s pass on the lab's clock, moved forward instead of sleeping (now ${passed.clocks.map((clock) => clock.now).join(', ')})`
      : `${step.seconds} s pass, slept for real: ${passed.because}`
  return { stepId: step.id, action: 'wait', parties: [], passed: true, summary, time: passed }
}

const vitalStatistics = (context: RunContext, registrar: string) =>
  needs(context.parties.issuer, context.parties.issuer.vitalStatistics, 'issuer', registrar, 'certify, register or correct a death (no vital-statistics operations)')

async function certify(context: RunContext, step: CertifyStep): Promise<StepOutcome> {
  const operations = vitalStatistics(context, step.registrar)
  const { id } = await by('issuer', step.certifier, () => operations.certify(step.certifier, step.registrar, step.certificate))
  context.registration = { registrar: step.registrar, id }
  return { stepId: step.id, action: 'certify', parties: [step.certifier, step.registrar], passed: true, summary: `${step.certifier} certified the death to ${step.registrar}` }
}

function currentRegistration(context: RunContext, registrar: string) {
  if (context.registration?.registrar !== registrar) throw new Error(`No death certified to ${registrar} earlier in this run`)
  return context.registration
}

async function register(context: RunContext, step: RegisterStep): Promise<StepOutcome> {
  const operations = vitalStatistics(context, step.registrar)
  const registration = currentRegistration(context, step.registrar)
  const result = await by('issuer', step.registrar, () => operations.register(step.registrar, registration.id, { executor: step.executor, format: context.format, ...exchangeOf(context.protocol) }))
  registration.registrationNumber = result.registrationNumber
  const issued = `${step.registrar} registered death ${registration.registrationNumber}, notified ${result.deliveries} program(s) and issued the credential (${context.format} over ${context.protocol}) to ${step.holder}`
  return redeem(context, step, step.registrar, result.offer, issued)
}

async function correct(context: RunContext, step: CorrectStep): Promise<StepOutcome> {
  const operations = vitalStatistics(context, step.registrar)
  const registration = currentRegistration(context, step.registrar)
  const result = await by('issuer', step.registrar, () => operations.correct(step.registrar, registration.id, step.reason))
  // a format without revocation has nothing to revoke: the correction still reaches the programs
  const unrevocable = formatLimit(context.format, 'status')
  const passed = result.revoked > 0 || unrevocable !== undefined
  return {
    stepId: step.id,
    action: 'correct',
    parties: [step.registrar],
    passed,
    failure: passed ? undefined : { role: 'issuer', party: step.registrar, reason: 'The correction revoked no credential' },
    summary: `${step.registrar} corrected registration ${registration.registrationNumber} and revoked ${result.revoked} credential(s)${unrevocable && !result.revoked ? ` (${unrevocable})` : ''}: ${step.reason}`,
  }
}

async function expectNotifications(context: RunContext, step: ExpectNotificationsStep): Promise<StepOutcome> {
  const { verifier } = context.parties
  const inbox = needs(verifier, verifier.inbox, 'verifier', step.programs.join(', '), "read a program's notifications (no program inbox)")
  const number = context.registration?.registrationNumber
  const deadline = Date.now() + step.timeoutSeconds * 1000
  const matches = (n: InboxEntry) => n.topic === step.topic && n.data.registration_number === number
  // each program's inbox is asked with a long poll: its answer comes as soon as a notification arrives
  const received = await Promise.all(
    step.programs.map(async (program) => {
      let after = 0
      for (;;) {
        const waitSeconds = Math.min(INBOX_MAX_WAIT_SECONDS, Math.max(0, Math.round(deadline - Date.now()) / 1000))
        const answer = await by('verifier', program, () => inbox(program, { after, waitSeconds }))
        if (answer.notifications.some(matches)) return true
        if (Date.now() >= deadline) return false
        after = answer.cursor
      }
    }),
  )
  const missing = step.programs.filter((_, index) => !received[index])
  return {
    stepId: step.id,
    action: 'expect-notifications',
    parties: step.programs,
    passed: missing.length === 0,
    failure: missing.length ? { role: 'verifier', party: missing.join(', '), reason: `${step.topic} not received within ${step.timeoutSeconds} s` } : undefined,
    summary: missing.length
      ? `${missing.join(', ')} did not receive ${step.topic} for ${number} within ${step.timeoutSeconds} s`
      : `${step.programs.length} program(s) received ${step.topic} for ${number}, signature verified`,
  }
}

async function changeTrustRegistry(context: RunContext, step: RegistryStep): Promise<StepOutcome> {
  if (!context.registry) throw new PartyError('registry', step.registry, new Error('This run has no lab trust registry the runner may change'))
  const registry = context.registry
  const change = await by('registry', step.registry, () => changeRegistry(registry, step))
  context.registryChanges.push(change)
  return { stepId: step.id, action: 'registry', parties: [step.registry], passed: true, summary: change.summary }
}

/** Runs one step through the parties' drivers. */
export function runStep(context: RunContext, step: ScenarioStep): Promise<StepOutcome> {
  switch (step.action) {
    case 'issue':
      return issue(context, step)
    case 'present':
      return present(context, step)
    case 'wait':
      return wait(context, step)
    case 'certify':
      return certify(context, step)
    case 'register':
      return register(context, step)
    case 'correct':
      return correct(context, step)
    case 'expect-notifications':
      return expectNotifications(context, step)
    case 'registry':
      return changeTrustRegistry(context, step)
  }
}
