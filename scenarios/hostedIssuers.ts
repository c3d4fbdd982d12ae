import { type HostedIssuer, issuersAnswerSchema } from '@interop-lab/contracts'
import { callApi } from './client'
import type { Scenario, Variant } from './scenario'

/** An issuer as the lab's issuer service lists it (GET /issuers): the parties of issuer/jurisdictions.json. */
export type { HostedIssuer }

export const hostedIssuers = async (issuerUrl: string) => (await callApi(issuersAnswerSchema, 'GET', `${issuerUrl}/issuers`)).issuers

/**
 * The scenario with one more variant per hosted issuer that could take an issue step's place (it issues that step's
 * credential type) but that the scenario does not name: a jurisdiction onboarded with `npm run onboard-jurisdiction`,
 * say. Its issuer issues instead, under its jurisdiction, and every step keeps the baseline's expectations; so the
 * next run has every jurisdiction's issuer as a party, with no scenario or code change.
 */
export function withHostedIssuers(scenario: Scenario, hosted: HostedIssuer[]): Scenario {
  const parties = { ...scenario.parties }
  const variants: Variant[] = []
  for (const step of scenario.steps) {
    if (step.action !== 'issue') continue
    for (const issuer of hosted.filter((i) => i.credentialTypes.includes(step.credentialType) && !(i.key in scenario.parties))) {
      parties[issuer.key] = { role: 'issuer', name: issuer.name }
      variants.push({
        id: `issued-by-${issuer.key}`,
        description: {
          en: `${issuer.name.en} (${issuer.jurisdiction}) issues the ${step.credentialType} instead`,
          fr: `${issuer.name.fr} (${issuer.jurisdiction}) délivre l'attestation ${step.credentialType} à la place`,
        },
        patch: [{ step: step.id, set: { issuer: issuer.key, claims: 'jurisdiction' in step.claims ? { ...step.claims, jurisdiction: issuer.jurisdiction } : step.claims } }],
        expect: {},
      })
    }
  }
  return { ...scenario, parties, variants: [...scenario.variants, ...variants] }
}
