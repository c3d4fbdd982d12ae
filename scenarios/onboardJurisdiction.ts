import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { JURISDICTIONS_DIR, DEFAULT_GOVERNANCE_FILE, jurisdictionGovernanceFile, type Assurance } from '@interop-lab/trust-registry/governance'

type Localized = { en: string; fr: string }

/** What a party of a pilot's credential type is, as a template a new jurisdiction fills with its name. */
interface PartyTemplate {
  role: 'issuers' | 'certifiers'
  action: 'issue' | 'certify'
  suffix: string
  name: (jurisdiction: Localized) => Localized
  assurance: Assurance
}

/** The pilots' credential types a jurisdiction can take on. */
export const PARTY_TEMPLATES: Record<string, PartyTemplate> = {
  BusinessRegistrationCredential: {
    role: 'issuers',
    action: 'issue',
    suffix: 'business-registry',
    name: (j) => ({ en: `${j.en} Business Registry`, fr: `Registre des entreprises – ${j.fr}` }),
    assurance: { subject: 'verified-organization', level: 3 },
  },
  VerifiedPersonCredential: {
    role: 'issuers',
    action: 'issue',
    suffix: 'person-credential',
    name: (j) => ({ en: `${j.en} Person Credential Service`, fr: `Service d'attestation de personne – ${j.fr}` }),
    assurance: { subject: 'verified-person', level: 3 },
  },
  DeathRegistrationCredential: {
    role: 'issuers',
    action: 'issue',
    suffix: 'vital-statistics',
    name: (j) => ({ en: `${j.en} Vital Statistics`, fr: `Statistiques de l'état civil – ${j.fr}` }),
    assurance: { subject: 'verified-person', level: 3 },
  },
  MedicalCertificateOfDeath: {
    role: 'certifiers',
    action: 'certify',
    suffix: 'medical-examiner',
    name: (j) => ({ en: `${j.en} Chief Medical Examiner`, fr: `Médecin légiste en chef – ${j.fr}` }),
    assurance: { subject: 'verified-person', level: 2 },
  },
}

export interface JurisdictionRequest {
  /** "CA-NS" */
  code: string
  name: Localized
  /** Credential types from PARTY_TEMPLATES. */
  types: string[]
  /** Authorities whose registries are proposed to recognize it (default the federal one). */
  recognizedBy?: string[]
}

/** The data files onboarding writes; by default the repository's own. */
export interface DataFiles {
  issuerParties: string
  governance: string
  jurisdictionsDir: string
}
export const REPOSITORY_FILES: DataFiles = {
  issuerParties: join(import.meta.dirname, '..', 'issuer', 'jurisdictions.json'),
  governance: DEFAULT_GOVERNANCE_FILE,
  jurisdictionsDir: JURISDICTIONS_DIR,
}

interface GovernanceFile {
  authority: { id: string; name: Localized }
  entities: { key: string; name: Localized; jurisdiction: string; authorizations: { action: string; resource: string }[]; assurance: Assurance }[]
  recognitions: { authority: string; recognizes: string; resources: string[] }[]
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T
const writeJson = (file: string, value: unknown) => writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`)
/** A governance file as the repository keeps them: one line per entity and per recognition. */
const writeGovernance = (file: string, governance: GovernanceFile) => {
  const lines = (items: unknown[]) => (items.length ? `[\n${items.map((item) => `    ${JSON.stringify(item)}`).join(',\n')}\n  ]` : '[]')
  const extra = Object.entries(governance).filter(([key]) => !['authority', 'entities', 'recognitions'].includes(key))
  const fields = [
    `  "authority": ${JSON.stringify(governance.authority)}`,
    `  "entities": ${lines(governance.entities)}`,
    `  "recognitions": ${lines(governance.recognitions)}`,
    ...extra.map(([key, value]) => `  ${JSON.stringify(key)}: ${JSON.stringify(value)}`),
  ]
  writeFileSync(file, `{\n${fields.join(',\n')}\n}\n`)
}

/**
 * Adds a jurisdiction as data, safe to rerun: its parties (from the templates of the pilots' types) hosted by the
 * issuer service, which creates their identities and keys at its next start; its own registry's governance file
 * (trust-registry/jurisdictions/<code>.json) and its entities in the combined one; and, in each recognizing
 * authority's governance file, a recognition of it for exactly its types.
 */
export function onboardJurisdiction(request: JurisdictionRequest, files: DataFiles = REPOSITORY_FILES) {
  const unknown = request.types.filter((type) => !PARTY_TEMPLATES[type])
  if (unknown.length) throw new Error(`No party template for ${unknown.join(', ')}: choose among ${Object.keys(PARTY_TEMPLATES).join(', ')}`)
  const ownFile = jurisdictionGovernanceFile(request.code, files.jurisdictionsDir)
  const slug = request.code.toLowerCase().replace(/^ca-/, '')
  const parties = request.types.map((type) => {
    const template = PARTY_TEMPLATES[type]
    return { type, template, key: `${slug}-${template.suffix}`, name: template.name(request.name) }
  })
  const entities = parties.map(({ type, template, key, name }) => ({
    key,
    name,
    jurisdiction: request.code,
    authorizations: [{ action: template.action, resource: type }],
    assurance: template.assurance,
  }))

  const hosted = readJson<Record<'issuers' | 'certifiers', { key: string }[]>>(files.issuerParties)
  for (const { type, template, key, name } of parties) {
    if (hosted[template.role].some((p) => p.key === key)) continue
    hosted[template.role].push(
      template.role === 'issuers' ? ({ key, name, jurisdiction: request.code, credentialTypes: [type] } as { key: string }) : ({ key, name, jurisdiction: request.code } as { key: string }),
    )
  }
  writeJson(files.issuerParties, hosted)

  const own: GovernanceFile = existsSync(ownFile)
    ? readJson<GovernanceFile>(ownFile)
    : { authority: { id: request.code, name: { en: `${request.name.en} trust registry`, fr: `Registre de confiance – ${request.name.fr}` } }, entities: [], recognitions: [] }
  const recognizedBy = request.recognizedBy ?? ['CA']
  const recognition = (authority: string) => ({ authority, recognizes: request.code, resources: request.types })
  const addTo = (file: string, withEntities: boolean, authorities: string[]) => {
    const governance = file === ownFile ? own : readJson<GovernanceFile>(file)
    if (withEntities) for (const entity of entities) if (!governance.entities.some((e) => e.key === entity.key)) governance.entities.push(entity)
    for (const authority of authorities) {
      governance.recognitions = governance.recognitions.filter((r) => !(r.authority === authority && r.recognizes === request.code))
      governance.recognitions.push(recognition(authority))
    }
    writeGovernance(file, governance)
  }
  addTo(ownFile, true, [])
  addTo(files.governance, true, recognizedBy)
  for (const authority of recognizedBy) addTo(jurisdictionGovernanceFile(authority, files.jurisdictionsDir), false, [authority])
  return { parties: parties.map(({ key, name, type }) => ({ key, name, type })), registryFile: ownFile, proposals: recognizedBy.map(recognition) }
}
