import type { CredentialFormat } from '@interop-lab/common/credentialTypes'
import { formatLimit, type MatrixProtocol } from '@interop-lab/common/protocols'
import { specVersionMismatch } from '@interop-lab/common/specVersions'
import type { Decision, PresentationOutcome } from '@interop-lab/contracts'
import { DriverError, type Driver, type Offer, type Parties } from './drivers/types'
import { changeRegistry, type RegistryAccess, type RegistryChange } from './registryChanges'
import type { CertifyStep, CorrectStep, ExpectNotificationsStep, IssueStep, PresentStep, RegisterStep, RegistryStep, ScenarioStep } from './scenario'

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
  expected?: PresentStep['expect']
  decision?: Decision
  walletOutcome?: PresentationOutcome
  /** The offer or request a wallet was given: a dashboard shows them as QR codes / deep links. */
  links?: { offerUri?: string; txCode?: string; requestUri?: string }
  error?: string
  /** Who a failure is down to, as far as the runner can tell, and why. */
  failure?: StepFailure
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

async function acceptOffer(context: RunContext, holder: string, offer: Offer): Promise<number> {
  return by('wallet', holder, () => context.parties.wallet.acceptOffer(holder, offer))
}

async function issue(context: RunContext, step: IssueStep): Promise<StepOutcome> {
  const { parties, format, protocol } = context
  const offer = await by('issuer', step.issuer, () =>
    parties.issuer.offer({
      issuer: step.issuer,
      credentialType: step.credentialType,
      format,
      protocol,
      claims: step.claims,
      validUntil: step.validForSeconds ? new Date(Date.now() + step.validForSeconds * 1000).toISOString() : undefined,
    }),
  )
  const received = await acceptOffer(context, step.holder, offer)
  return {
    stepId: step.id,
    action: 'issue',
    parties: [step.issuer, step.holder],
    passed: received > 0,
    summary: `${step.issuer} issued ${step.credentialType} (${format} over ${protocol}) to ${step.holder}`,
    failure: received > 0 ? undefined : { role: 'wallet', party: step.holder, reason: 'The wallet accepted the offer but stored no credential' },
    links: { offerUri: offer.offerUri, txCode: offer.txCode },
  }
}

/** Why a wallet did not present, naming a spec-version mismatch when its answer shows one. */
function walletRefusal(outcome: PresentationOutcome): string {
  const error = outcome.error ?? 'the verifier reached no decision'
  if (outcome.check !== 'spec-version') return error
  return `spec-version (${specVersionMismatch(error) ?? 'the two sides implement different versions'}): ${error}`
}

async function present(context: RunContext, step: PresentStep): Promise<StepOutcome> {
  const { parties, format, protocol } = context
  const request = await by('verifier', step.verifier, () => parties.verifier.request(step.policy, format, protocol))
  // an AnonCreds verification on the WASM backend asks for each credential in its own request
  let walletOutcome!: PresentationOutcome
  for (const requestUri of request.requestUris ?? [request.requestUri]) {
    walletOutcome = await by('wallet', step.holder, () => parties.wallet.present(step.holder, { requestUri, answered: request.answered, query: request.query }, step.fault))
    if (!walletOutcome.submitted) break
  }
  const verdict = await by('verifier', step.verifier, () => parties.verifier.verdict(request, walletOutcome))
  const outcome = verdict?.outcome ?? 'rejected'
  const failedChecks = verdict ? verdict.failedChecks : [walletOutcome.check ?? (walletOutcome.submitted ? 'response' : 'claims')]
  // a verifier that names no failed check is judged on its outcome alone (said in the summary)
  const passed = outcome === step.expect.outcome && (step.expect.failedCheck === undefined || failedChecks === undefined || failedChecks.includes(step.expect.failedCheck))
  const why = verdict ? verdict.reason : `the wallet did not answer: ${walletOutcome.error}`
  const expected = `${step.expect.outcome}${step.expect.failedCheck ? ` on ${step.expect.failedCheck}` : ''}`
  const checks = failedChecks ? ` [${failedChecks.join(', ')}]` : ''
  const failure: StepFailure | undefined = passed
    ? undefined
    : verdict
      ? { role: 'verifier', party: step.verifier, reason: `expected ${expected}, the verifier ${outcome}${checks}${why ? `: ${why}` : ''}` }
      : { role: 'wallet', party: step.holder, reason: `expected ${expected}; ${walletRefusal(walletOutcome)}` }
  const unnamedCheck = verdict && !failedChecks && step.expect.failedCheck ? ` (the verifier names no failed check; ${step.expect.failedCheck} not confirmed)` : ''
  return {
    stepId: step.id,
    action: 'present',
    parties: [step.holder, step.verifier],
    passed,
    summary: `${step.verifier} ${outcome} ${step.holder}'s presentation${step.fault ? ` (fault: ${step.fault.kind})` : ''}${outcome === 'rejected' && why ? `: ${why}` : ''}${unnamedCheck}`,
    expected: step.expect,
    failure,
    links: { requestUri: request.requestUri },
    decision: verdict?.decision,
    walletOutcome,
  }
}

async function wait(step: { id: string; seconds: number }): Promise<StepOutcome> {
  await new Promise((resolve) => setTimeout(resolve, step.seconds * 1000))
  return { stepId: step.id, action: 'wait', parties: [], passed: true, summary: `${step.seconds} s pass` }
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
  const result = await by('issuer', step.registrar, () => operations.register(step.registrar, registration.id, { executor: step.executor, format: context.format, protocol: context.protocol }))
  registration.registrationNumber = result.registrationNumber
  const received = await acceptOffer(context, step.holder, result.offer)
  return {
    stepId: step.id,
    action: 'register',
    parties: [step.registrar, step.holder],
    passed: received > 0,
    summary: `${step.registrar} registered death ${registration.registrationNumber}, notified ${result.deliveries} program(s) and issued the credential (${context.format} over ${context.protocol}) to ${step.holder}`,
    failure: received > 0 ? undefined : { role: 'wallet', party: step.holder, reason: 'The wallet accepted the offer but stored no credential' },
    links: { offerUri: result.offer.offerUri, txCode: result.offer.txCode },
  }
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
  let missing = step.programs
  while (missing.length) {
    const stillMissing: string[] = []
    for (const program of missing) {
      const notifications = await by('verifier', program, () => inbox(program))
      if (!notifications.some((n) => n.topic === step.topic && n.data.registration_number === number)) stillMissing.push(program)
    }
    missing = stillMissing
    if (!missing.length || Date.now() > deadline) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
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
      return wait(step)
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
