import { CREDENTIAL_FORMATS, type CredentialFormat, type CredentialType } from '@interop-lab/common/credentialTypes'
import { PROTOCOL_FORMATS, protocolOf } from '@interop-lab/common/protocols'
import type { VerificationPolicy } from '@interop-lab/verifier/policy'
import type { Endpoints } from '../runner'
import { type Scenario, type ScenarioStep, stepsFor, type Variant } from '../scenario'
import { relay } from './upstream'

export const BASELINE = 'baseline'

export interface VariantView {
  id: string
  /** Absent for the baseline, which the page names itself. */
  description?: { en: string; fr: string }
  formats: CredentialFormat[]
  steps: ScenarioStep[]
}

export interface ScenarioView extends Pick<Scenario, 'id' | 'name' | 'description' | 'parties'> {
  variants: VariantView[]
}

export interface IssuerView {
  key: string
  name: { en: string; fr: string }
  jurisdiction: string
  credentialTypes: string[]
  did: string
}

/** Everything the page needs to name things in either language: scenarios, policies, credential types, issuers. */
export interface Catalog {
  formats: CredentialFormat[]
  /** The formats a phone wallet can be offered: OID4VCI only, where a transaction code protects each offer. */
  offerFormats: CredentialFormat[]
  scenarios: ScenarioView[]
  policies: VerificationPolicy[]
  credentialTypes: CredentialType[]
  issuers: IssuerView[]
}

export function scenarioView(scenario: Scenario): ScenarioView {
  const view = (variant: Variant | undefined): VariantView => ({
    id: variant?.id ?? BASELINE,
    description: variant?.description,
    // the page runs a format over its own protocol: a variant for other columns only (haip) has no format it can run here
    formats: (variant?.formats ?? [...CREDENTIAL_FORMATS]).filter((format) => !variant?.protocols || variant.protocols.includes(protocolOf(format))),
    steps: stepsFor(scenario, variant),
  })
  const { id, name, description, parties } = scenario
  return { id, name, description, parties, variants: [view(undefined), ...scenario.variants.map(view)] }
}

/** Reads the reference data from the services themselves, so the page shows what they actually run. */
export async function loadCatalog(scenarios: Scenario[], endpoints: Endpoints): Promise<Catalog> {
  const [{ policies }, { credentialTypes }, { issuers }] = await Promise.all([
    relay<{ policies: VerificationPolicy[] }>('GET', `${endpoints.verifier}/policies`),
    relay<{ credentialTypes: CredentialType[] }>('GET', `${endpoints.issuer}/credential-types`),
    relay<{ issuers: IssuerView[] }>('GET', `${endpoints.issuer}/issuers`),
  ])
  return {
    formats: [...CREDENTIAL_FORMATS],
    offerFormats: [...PROTOCOL_FORMATS.oid4vc],
    scenarios: scenarios.map(scenarioView),
    policies,
    credentialTypes,
    issuers: issuers.map(({ key, name, jurisdiction, credentialTypes: types, did }) => ({ key, name, jurisdiction, credentialTypes: types, did })),
  }
}
