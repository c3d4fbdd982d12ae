import { CONTEXTS } from '../jsonld'
import { problem, type ProblemDetails } from './problems'
import { relatedResourceProblems } from './relatedResource'
import { bitstringStatusEntryProblems } from './statusEntry'

export type JsonObject = Record<string, unknown>

export const VERIFIABLE_CREDENTIAL = 'VerifiableCredential'
export const VERIFIABLE_PRESENTATION = 'VerifiablePresentation'
export const ENVELOPED_CREDENTIAL = 'EnvelopedVerifiableCredential'
export const ENVELOPED_PRESENTATION = 'EnvelopedVerifiablePresentation'

export const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value)

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value])

/** An absolute URL (any scheme: https, did, urn…), as VCDM 2.0 §4.4 requires of identifiers. */
export function isUrl(value: unknown): value is string {
  if (typeof value !== 'string' || !/^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/.test(value)) return false
  try {
    new URL(value)
    return true
  } catch {
    return false
  }
}

// XML Schema dateTimeStamp: a date-time with a mandatory time zone.
const DATE_TIME_STAMP = /^-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))$/

export function isDateTimeStamp(value: unknown): value is string {
  return typeof value === 'string' && DATE_TIME_STAMP.test(value) && !Number.isNaN(Date.parse(value))
}

export function typesOf(document: JsonObject): string[] {
  return asList(document.type).filter((t): t is string => typeof t === 'string')
}

/** The issuer's identifier, whether `issuer` is a URL or an object with an `id`. */
export function issuerIdOf(credential: JsonObject): string | undefined {
  const { issuer } = credential
  if (typeof issuer === 'string') return issuer
  return isObject(issuer) && typeof issuer.id === 'string' ? issuer.id : undefined
}

/** VCDM 1.1 or 2.0, as the first @context value says (VCDM 2.0 §4.3, VCDM 1.1 §4.1). */
export type DataModelVersion = '1.1' | '2.0'

export function dataModelVersion(document: JsonObject): DataModelVersion | undefined {
  const [first] = asList(document['@context'])
  return first === CONTEXTS.credentialsV2 ? '2.0' : first === CONTEXTS.credentialsV1 ? '1.1' : undefined
}

function contextProblems(document: JsonObject): ProblemDetails[] {
  const context = document['@context']
  if (context === undefined) return [problem('MALFORMED_VALUE_ERROR', '@context is missing', '@context')]
  if (!dataModelVersion(document))
    return [problem('MALFORMED_VALUE_ERROR', `The first @context value must be '${CONTEXTS.credentialsV2}' (VCDM 2.0) or '${CONTEXTS.credentialsV1}' (VCDM 1.1)`, '@context')]
  return asList(context).some((entry) => !isUrl(entry) && !isObject(entry)) ? [problem('MALFORMED_VALUE_ERROR', '@context values must be URLs or objects', '@context')] : []
}

function typeProblems(document: JsonObject, required: string): ProblemDetails[] {
  const { type } = document
  if (type === undefined) return [problem('MALFORMED_VALUE_ERROR', 'type is missing', 'type')]
  if (!asList(type).every((t) => typeof t === 'string' && t.length > 0)) return [problem('MALFORMED_VALUE_ERROR', 'type values must be non-empty strings', 'type')]
  return typesOf(document).includes(required) ? [] : [problem('MALFORMED_VALUE_ERROR', `type must include '${required}'`, 'type')]
}

function idProblems(value: JsonObject, property: string): ProblemDetails[] {
  return 'id' in value && !isUrl(value.id) ? [problem('MALFORMED_VALUE_ERROR', `${property} must be a single URL`, property)] : []
}

/** Objects such as `credentialStatus` or `credentialSchema`: one or more, each with a `type` (and an `id` URL when `idRequired`). */
function typedObjectsProblems(document: JsonObject, property: string, idRequired = false): ProblemDetails[] {
  if (!(property in document)) return []
  const problems: ProblemDetails[] = []
  asList(document[property]).forEach((entry, index) => {
    const path = Array.isArray(document[property]) ? `${property}[${index}]` : property
    if (!isObject(entry)) return problems.push(problem('MALFORMED_VALUE_ERROR', `${path} must be an object`, path))
    if (!asList(entry.type).every((t) => typeof t === 'string' && t.length > 0) || entry.type === undefined)
      problems.push(problem('MALFORMED_VALUE_ERROR', `${path}.type must be present and be one or more strings`, `${path}.type`))
    if (idRequired && entry.id === undefined) problems.push(problem('MALFORMED_VALUE_ERROR', `${path}.id is required`, `${path}.id`))
    problems.push(...idProblems(entry, `${path}.id`))
  })
  return problems
}

/** The validity properties of each version: VCDM 2.0 §4.9 validFrom/validUntil, VCDM 1.1 §4.6 issuanceDate and §4.8 expirationDate. */
export const VALIDITY_PROPERTIES = {
  '2.0': { from: 'validFrom', until: 'validUntil', other: ['issuanceDate', 'expirationDate'] },
  '1.1': { from: 'issuanceDate', until: 'expirationDate', other: ['validFrom', 'validUntil'] },
} as const

function validityProblems(credential: JsonObject, version: DataModelVersion): ProblemDetails[] {
  const { from, until, other } = VALIDITY_PROPERTIES[version]
  const problems: ProblemDetails[] = []
  if (version === '1.1' && credential.issuanceDate === undefined) problems.push(problem('MALFORMED_VALUE_ERROR', 'issuanceDate is required in a VCDM 1.1 credential (VCDM 1.1 §4.6)', 'issuanceDate'))
  for (const property of [from, until]) {
    if (property in credential && !isDateTimeStamp(credential[property]))
      problems.push(problem('MALFORMED_VALUE_ERROR', `${property} must be a date-time with a time zone (an XML Schema dateTimeStamp, e.g. 2025-01-31T12:00:00Z)`, property))
  }
  for (const property of other.filter((name) => name in credential))
    problems.push(problem('MALFORMED_VALUE_ERROR', `${property} is not a VCDM ${version} property; a VCDM ${version} credential uses ${from}/${until}`, property))
  const start = credential[from]
  const end = credential[until]
  if (!problems.length && version === '2.0' && isDateTimeStamp(start) && isDateTimeStamp(end) && Date.parse(start) > Date.parse(end))
    problems.push(problem('MALFORMED_VALUE_ERROR', 'validFrom must be the same as or earlier than validUntil', 'validUntil'))
  return problems
}

function subjectProblems(credential: JsonObject): ProblemDetails[] {
  const { credentialSubject } = credential
  if (credentialSubject === undefined) return [problem('MALFORMED_VALUE_ERROR', 'credentialSubject is missing', 'credentialSubject')]
  const subjects = asList(credentialSubject)
  if (!subjects.length) return [problem('MALFORMED_VALUE_ERROR', 'credentialSubject must make claims about at least one subject', 'credentialSubject')]
  const problems: ProblemDetails[] = []
  subjects.forEach((subject, index) => {
    const path = Array.isArray(credentialSubject) ? `credentialSubject[${index}]` : 'credentialSubject'
    if (!isObject(subject) || !Object.keys(subject).length) problems.push(problem('MALFORMED_VALUE_ERROR', `${path} must be an object with at least one property`, path))
    else problems.push(...idProblems(subject, `${path}.id`))
  })
  return problems
}

function issuerProblems(credential: JsonObject): ProblemDetails[] {
  const { issuer } = credential
  if (issuer === undefined) return [problem('MALFORMED_VALUE_ERROR', 'issuer is missing', 'issuer')]
  if (isObject(issuer)) return isUrl(issuer.id) ? [] : [problem('MALFORMED_VALUE_ERROR', 'issuer.id must be a URL', 'issuer.id')]
  return isUrl(issuer) ? [] : [problem('MALFORMED_VALUE_ERROR', 'issuer must be a URL or an object with an id URL', 'issuer')]
}

/**
 * The rules of the credential's data model version (VCDM 2.0 §4, or VCDM 1.1 §4) as JSON: the
 * JSON-LD ones (every term defined, no protected term redefined) are checked by canonicalization in
 * safe mode.
 */
export function credentialProblems(credential: unknown): ProblemDetails[] {
  if (!isObject(credential)) return [problem('PARSING_ERROR', 'A credential must be a JSON object')]
  const contexts = contextProblems(credential)
  const version = dataModelVersion(credential)
  if (!version) return contexts
  return [
    ...contexts,
    ...idProblems(credential, 'id'),
    ...typeProblems(credential, VERIFIABLE_CREDENTIAL),
    ...issuerProblems(credential),
    ...subjectProblems(credential),
    ...validityProblems(credential, version),
    // VCDM 1.1 §4.9: a status entry has an id; Bitstring Status List §2.1 lets a VCDM 2.0 one go without
    ...typedObjectsProblems(credential, 'credentialStatus', version === '1.1'),
    ...bitstringStatusEntryProblems(credential.credentialStatus),
    ...typedObjectsProblems(credential, 'credentialSchema', true),
    ...typedObjectsProblems(credential, 'termsOfUse'),
    ...typedObjectsProblems(credential, 'evidence'),
    ...typedObjectsProblems(credential, 'refreshService'),
    ...relatedResourceProblems(credential.relatedResource),
  ]
}

/** The rules for a presentation itself (VCDM 2.0 §4.13, VCDM 1.1 §4.10); the credentials inside are checked one by one. */
export function presentationProblems(presentation: unknown): ProblemDetails[] {
  if (!isObject(presentation)) return [problem('PARSING_ERROR', 'A presentation must be a JSON object')]
  const problems = [...contextProblems(presentation), ...idProblems(presentation, 'id'), ...typeProblems(presentation, VERIFIABLE_PRESENTATION)]
  const { holder, verifiableCredential } = presentation
  if (holder !== undefined && !(isUrl(holder) || (isObject(holder) && isUrl(holder.id)))) problems.push(problem('MALFORMED_VALUE_ERROR', 'holder must be a URL or an object with an id URL', 'holder'))
  if (verifiableCredential !== undefined && !asList(verifiableCredential).every(isObject))
    problems.push(problem('MALFORMED_VALUE_ERROR', 'verifiableCredential must be one or more objects (a secured credential or an EnvelopedVerifiableCredential)', 'verifiableCredential'))
  return problems
}

export function holderIdOf(presentation: JsonObject): string | undefined {
  const { holder } = presentation
  if (typeof holder === 'string') return holder
  return isObject(holder) && typeof holder.id === 'string' ? holder.id : undefined
}
