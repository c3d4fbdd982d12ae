import { parseArgs } from 'node:util'
import { onboardJurisdiction, PARTY_TEMPLATES, REPOSITORY_FILES } from './onboardJurisdiction'

// npm run onboard-jurisdiction -- --code CA-NS --name-en "Nova Scotia" --name-fr "Nouvelle-Écosse" \
//   --types BusinessRegistrationCredential,DeathRegistrationCredential,MedicalCertificateOfDeath [--recognized-by CA,CA-BC]
// Writes data only (issuer/jurisdictions.json, trust-registry/governance.json, trust-registry/jurisdictions/*.json);
// the next `npm start` or `npm run pilots` creates the parties' keys, binds their DIDs and runs with them.

const { values } = parseArgs({
  options: {
    code: { type: 'string' },
    'name-en': { type: 'string' },
    'name-fr': { type: 'string' },
    types: { type: 'string' },
    'recognized-by': { type: 'string', default: 'CA' },
    // other copies of the data files (tests)
    'issuer-parties': { type: 'string', default: REPOSITORY_FILES.issuerParties },
    governance: { type: 'string', default: REPOSITORY_FILES.governance },
    'jurisdictions-dir': { type: 'string', default: REPOSITORY_FILES.jurisdictionsDir },
  },
})
if (!values.code || !values['name-en'] || !values['name-fr'] || !values.types) {
  console.error(
    `Usage: npm run onboard-jurisdiction -- --code CA-XX --name-en NAME --name-fr NOM --types TYPE[,TYPE…] [--recognized-by CA[,CA-YY…]]\nTypes: ${Object.keys(PARTY_TEMPLATES).join(', ')}`,
  )
  process.exit(2)
}
const split = (list: string) =>
  list
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
const result = onboardJurisdiction(
  { code: values.code, name: { en: values['name-en'], fr: values['name-fr'] }, types: split(values.types), recognizedBy: split(values['recognized-by']!) },
  {
    issuerParties: values['issuer-parties']!,
    governance: values.governance!,
    jurisdictionsDir: values['jurisdictions-dir']!,
  },
)
for (const party of result.parties) console.log(`${party.key}: ${party.name.en} / ${party.name.fr} (${party.type})`)
console.log(`Registry governance: ${result.registryFile}`)
for (const p of result.proposals)
  console.log(`Recognition proposed: ${p.authority} recognizes ${p.recognizes} for ${p.resources.join(', ')} (in ${p.authority}'s governance file: review before committing)`)
