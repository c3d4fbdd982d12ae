import type { CredentialFormat } from '../common/credentialTypes'
import { formatLimit, type Protocol } from '../common/protocols'
import { specVersionMismatch } from '../common/specVersions'
import type { Decision } from '../verifier/decision'
import type { PresentationOutcome } from '../wallet-sim/wallet'
import { callJson } from './client'
import type { CertifyStep, CorrectStep, ExpectNotificationsStep, IssueStep, PresentStep, RegisterStep, ScenarioStep } from './scenario'

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
  endpoints: Endpoints
  format: CredentialFormat
  protocol: Protocol
  registration?: { registrar: string; id: string; registrationNumber?: string }
}

interface Offer {
  offerUri: string
  txCode?: string
}

async function acceptOffer(context: RunContext, holder: string, offer: Offer): Promise<number> {
  const { credentials } = await callJson<{ credentials: unknown[] }>('POST', `${context.endpoints.wallet}/personas/${holder}/offers`, {
    offerUri: offer.offerUri,
    txCode: offer.txCode,
  })
  return credentials.length
}

async function issue(context: RunContext, step: IssueStep): Promise<StepOutcome> {
  const { endpoints, format, protocol } = context
  const offer = await callJson<Offer>(
    'POST',
    `${endpoints.issuer}/issuers/${step.issuer}/offers`,
    {
      credentialType: step.credentialType,
      format,
      protocol,
      claims: step.claims,
      validUntil: step.validForSeconds ? new Date(Date.now() + step.validForSeconds * 1000).toISOString() : undefined,
    },
    endpoints.adminApiKey,
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
  const { endpoints, format, protocol } = context
  const verification = await callJson<{ id: string; requestUri: string; requestUris?: string[] }>('POST', `${endpoints.verifier}/verifications`, { policyId: step.policy, format, protocol })
  // an AnonCreds verification on the WASM backend asks for each credential in its own request
  let walletOutcome!: PresentationOutcome
  for (const requestUri of verification.requestUris ?? [verification.requestUri]) {
    walletOutcome = await callJson<PresentationOutcome>('POST', `${endpoints.wallet}/personas/${step.holder}/presentations`, { requestUri, fault: step.fault })
    if (!walletOutcome.submitted) break
  }
  const { decision } = await callJson<{ decision?: Decision }>('GET', `${endpoints.verifier}/verifications/${verification.id}`)
  const outcome = decision?.outcome ?? 'rejected'
  const failedChecks: string[] = decision?.failedChecks ?? (walletOutcome.check ? [walletOutcome.check] : walletOutcome.submitted ? ['response'] : ['claims'])
  const passed = outcome === step.expect.outcome && (step.expect.failedCheck === undefined || failedChecks.includes(step.expect.failedCheck))
  const why = decision ? decision.reasons[0] : `the wallet did not answer: ${walletOutcome.error}`
  const expected = `${step.expect.outcome}${step.expect.failedCheck ? ` on ${step.expect.failedCheck}` : ''}`
  const failure: StepFailure | undefined = passed
    ? undefined
    : decision
      ? { role: 'verifier', party: step.verifier, reason: `expected ${expected}, the verifier ${outcome} [${failedChecks.join(', ')}]${why ? `: ${why}` : ''}` }
      : { role: 'wallet', party: step.holder, reason: `expected ${expected}; ${walletRefusal(walletOutcome)}` }
  return {
    stepId: step.id,
    action: 'present',
    parties: [step.holder, step.verifier],
    passed,
    summary: `${step.verifier} ${outcome} ${step.holder}'s presentation${step.fault ? ` (fault: ${step.fault.kind})` : ''}${outcome === 'rejected' ? `: ${why}` : ''}`,
    expected: step.expect,
    failure,
    links: { requestUri: verification.requestUri },
    decision,
    walletOutcome,
  }
}

async function wait(step: { id: string; seconds: number }): Promise<StepOutcome> {
  await new Promise((resolve) => setTimeout(resolve, step.seconds * 1000))
  return { stepId: step.id, action: 'wait', parties: [], passed: true, summary: `${step.seconds} s pass` }
}

async function certify(context: RunContext, step: CertifyStep): Promise<StepOutcome> {
  const { registration } = await callJson<{ registration: { id: string } }>(
    'POST',
    `${context.endpoints.issuer}/certifiers/${step.certifier}/certificates`,
    { certificate: { ...step.certificate, registrar: step.registrar } },
    context.endpoints.adminApiKey,
  )
  context.registration = { registrar: step.registrar, id: registration.id }
  return { stepId: step.id, action: 'certify', parties: [step.certifier, step.registrar], passed: true, summary: `${step.certifier} certified the death to ${step.registrar}` }
}

function currentRegistration(context: RunContext, registrar: string) {
  if (context.registration?.registrar !== registrar) throw new Error(`No death certified to ${registrar} earlier in this run`)
  return context.registration
}

async function register(context: RunContext, step: RegisterStep): Promise<StepOutcome> {
  const registration = currentRegistration(context, step.registrar)
  const result = await callJson<{ registration: { registrationNumber: string }; offer: Offer; notification: { deliveries: number } }>(
    'POST',
    `${context.endpoints.issuer}/registrars/${step.registrar}/registrations/${registration.id}/registration`,
    { executor: step.executor, format: context.format, protocol: context.protocol },
    context.endpoints.adminApiKey,
  )
  registration.registrationNumber = result.registration.registrationNumber
  const received = await acceptOffer(context, step.holder, result.offer)
  return {
    stepId: step.id,
    action: 'register',
    parties: [step.registrar, step.holder],
    passed: received > 0,
    summary: `${step.registrar} registered death ${registration.registrationNumber}, notified ${result.notification.deliveries} program(s) and issued the credential (${context.format} over ${context.protocol}) to ${step.holder}`,
    failure: received > 0 ? undefined : { role: 'wallet', party: step.holder, reason: 'The wallet accepted the offer but stored no credential' },
    links: { offerUri: result.offer.offerUri, txCode: result.offer.txCode },
  }
}

async function correct(context: RunContext, step: CorrectStep): Promise<StepOutcome> {
  const registration = currentRegistration(context, step.registrar)
  const result = await callJson<{ revoked: number }>(
    'POST',
    `${context.endpoints.issuer}/registrars/${step.registrar}/registrations/${registration.id}/correction`,
    { reason: step.reason },
    context.endpoints.adminApiKey,
  )
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

interface InboxEntry {
  topic: string
  data: Record<string, unknown>
}

async function expectNotifications(context: RunContext, step: ExpectNotificationsStep): Promise<StepOutcome> {
  const number = context.registration?.registrationNumber
  const deadline = Date.now() + step.timeoutSeconds * 1000
  let missing = step.programs
  while (missing.length) {
    const stillMissing: string[] = []
    for (const program of missing) {
      const { notifications } = await callJson<{ notifications: InboxEntry[] }>('GET', `${context.endpoints.verifier}/programs/${program}/inbox`, undefined, context.endpoints.adminApiKey)
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

/** Runs one step against the services, over HTTP. */
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
  }
}
