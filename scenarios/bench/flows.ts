import type { CredentialFormat } from '@interop-lab/common/credentialTypes'
import type { Decision, PresentationOutcome } from '@interop-lab/contracts'
import { callJson } from '../client'
import type { Endpoints } from '../runner'
import { loadScenarios } from '../scenario'
import { type Phases, timed } from './load'

/** How the tables name each protocol. */
export const PROTOCOL_NAMES = { oid4vc: 'OID4VC', didcomm: 'DIDComm' } as const

export const benchHolder = (client: number) => `bench-${client + 1}`

interface IssueStepData {
  issuer: string
  credentialType: string
  claims: Record<string, unknown>
}

/** The business-banking pilot's two credentials (registration, verified person), as its scenario file states them. */
export function pilotCredentials(): IssueStepData[] {
  const scenario = loadScenarios().find((s) => s.id === 'business-banking')
  if (!scenario) throw new Error('The business-banking scenario is missing')
  return scenario.steps.flatMap((step) => (step.action === 'issue' ? [{ issuer: step.issuer, credentialType: step.credentialType, claims: step.claims }] : []))
}

/** OID4VCI end to end: the issuer creates a pre-authorized offer, the holder's wallet redeems it. */
export async function issueCredential(endpoints: Endpoints, holder: string, credential: IssueStepData, format: CredentialFormat, phases: Phases = {}): Promise<void> {
  const offer = await timed(phases, 'offer', () =>
    callJson<{ offerUri: string; txCode?: string }>(
      'POST',
      `${endpoints.issuer}/issuers/${credential.issuer}/offers`,
      { credentialType: credential.credentialType, format, claims: credential.claims },
      endpoints.adminApiKey,
    ),
  )
  const { credentials } = await timed(phases, 'redeem', () =>
    callJson<{ credentials: unknown[] }>('POST', `${endpoints.wallet}/personas/${holder}/offers`, { offerUri: offer.offerUri, txCode: offer.txCode }),
  )
  if (credentials.length !== 1) throw new Error(`The wallet received ${credentials.length} credentials`)
}

/** OID4VP end to end: the verifier creates a request, the wallet presents, the verifier decides. */
export async function verifyPresentation(endpoints: Endpoints, holder: string, policyId: string, format: CredentialFormat, phases: Phases = {}): Promise<Decision> {
  const verification = await timed(phases, 'request', () => callJson<{ id: string; requestUri: string }>('POST', `${endpoints.verifier}/verifications`, { policyId, format }))
  const outcome = await timed(phases, 'present', () => callJson<PresentationOutcome>('POST', `${endpoints.wallet}/personas/${holder}/presentations`, { requestUri: verification.requestUri }))
  if (!outcome.submitted || outcome.error) throw new Error(`The wallet did not present: ${outcome.error ?? 'not submitted'}`)
  const { decision } = await timed(phases, 'decision', () => callJson<{ decision?: Decision }>('GET', `${endpoints.verifier}/verifications/${verification.id}`))
  if (decision?.outcome !== 'accepted') throw new Error(`The verifier did not accept: ${decision?.reasons.join('; ') ?? 'no decision'}`)
  return decision
}

/** Empties a holder's wallet and gives it exactly the pilot's credentials in one format. */
export async function equipHolder(endpoints: Endpoints, holder: string, format: CredentialFormat): Promise<void> {
  await fetch(`${endpoints.wallet}/personas/${holder}/credentials`, { method: 'DELETE' })
  for (const credential of pilotCredentials()) await issueCredential(endpoints, holder, credential, format)
}
