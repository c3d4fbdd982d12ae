import { type IssueStep, loadScenarios } from '@interop-lab/scenarios/scenario'

/** The claims a pilot's issue step carries, so that a test issues exactly what the scenario does. */
export function pilotClaims(scenarioId: string, stepId: string): Record<string, unknown> {
  const step = loadScenarios()
    .find((s) => s.id === scenarioId)
    ?.steps.find((s) => s.id === stepId)
  if (step?.action !== 'issue') throw new Error(`${scenarioId} has no issue step ${stepId}`)
  return (step as IssueStep).claims
}

export const BUSINESS_CLAIMS = pilotClaims('business-banking', 'issue-business-registration')
export const PERSON_CLAIMS = pilotClaims('business-banking', 'issue-verified-person')

/** A death registration's claims as a registrar issues them (the pilot derives its own from the certificate at its register step). */
export const DEATH_REGISTRATION_CLAIMS = {
  registration_number: 'NL-2026-0099',
  deceased_given_name: 'Agnes',
  deceased_family_name: 'Whelan',
  date_of_death: '2026-03-01',
  deceased_birth_date: '1931-05-09',
  jurisdiction: 'CA-NL',
}
