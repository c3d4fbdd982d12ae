import { readFileSync } from 'node:fs'
import type { AnonCredsIssuerMaterial } from '@interop-lab/common/anoncreds'

/** Test-only issuer material generated once by scenarios/anoncreds/generate-fixtures.ts (the WASM takes minutes). */
export const anonCredsFixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/anoncreds/${name}.json`, import.meta.url), 'utf8')) as AnonCredsIssuerMaterial & { issuerId: string }

/** A business card's attribute values in the AnonCreds encoding the fixtures' schema expects. */
export const ACME_CARD = {
  business_number: '123456789BC0001',
  legal_name: 'Acme Widgets Ltd.',
  registration_status: 'ACTIVE',
  registration_date: '20190412',
  business_type: 'Corporation',
  jurisdiction: 'BC',
  representative_given_name: 'Alice',
  representative_family_name: 'Nguyen',
  representative_role: 'Director',
}
