import { AnonCredsInputError } from './errors'

// anoncreds-rs accepts any `scheme:rest` URI; we also refuse whitespace and control characters, and cap the length
const URI_IDENTIFIER = /^[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7e]+$/
const MAX_IDENTIFIER_LENGTH = 1024
const ATTRIBUTE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/
const MAX_ATTRIBUTES = 125 // the CL signature scheme's practical limit, also enforced by anoncreds-rs
const SCHEMA_NAME = /^[A-Za-z0-9_.-]{1,64}$/
const SCHEMA_VERSION = /^[0-9]{1,6}(\.[0-9]{1,6}){0,3}$/
const TAG = /^[A-Za-z0-9_.-]{1,64}$/
// AnonCreds nonces are decimal integers (80 bits from Credo; we allow up to 256 bits)
const NONCE = /^[0-9]{1,78}$/

export function assertIdentifier(kind: string, value: unknown): string {
  if (typeof value !== 'string' || value.length > MAX_IDENTIFIER_LENGTH || !URI_IDENTIFIER.test(value)) {
    throw new AnonCredsInputError(`Invalid ${kind} ${JSON.stringify(value)}: expected a URI such as a DID (scheme:rest, printable ASCII, at most ${MAX_IDENTIFIER_LENGTH} characters)`)
  }
  return value
}

/** Attribute names as AnonCreds compares them: case and spaces are ignored, so names must differ beyond that. */
export function assertAttributeNames(names: unknown): string[] {
  if (!Array.isArray(names) || names.length === 0 || names.length > MAX_ATTRIBUTES) {
    throw new AnonCredsInputError(`A schema needs 1 to ${MAX_ATTRIBUTES} attribute names`)
  }
  const seen = new Set<string>()
  for (const name of names) {
    if (typeof name !== 'string' || !ATTRIBUTE_NAME.test(name)) {
      throw new AnonCredsInputError(`Invalid attribute name ${JSON.stringify(name)}: use letters, digits and _ (at most 64, not starting with a digit)`)
    }
    const common = name.toLowerCase()
    if (seen.has(common)) throw new AnonCredsInputError(`Attribute name ${JSON.stringify(name)} repeats another name (AnonCreds ignores case)`)
    seen.add(common)
  }
  return names as string[]
}

export function assertSchemaName(value: unknown): string {
  if (typeof value !== 'string' || !SCHEMA_NAME.test(value)) throw new AnonCredsInputError(`Invalid schema name ${JSON.stringify(value)}: 1-64 of letters, digits, _ . -`)
  return value
}

export function assertSchemaVersion(value: unknown): string {
  if (typeof value !== 'string' || !SCHEMA_VERSION.test(value)) throw new AnonCredsInputError(`Invalid schema version ${JSON.stringify(value)}: dotted numbers such as 1.0`)
  return value
}

export function assertTag(value: unknown): string {
  if (typeof value !== 'string' || !TAG.test(value)) throw new AnonCredsInputError(`Invalid credential definition tag ${JSON.stringify(value)}: 1-64 of letters, digits, _ . -`)
  return value
}

export function assertNonce(kind: string, value: unknown): string {
  if (typeof value !== 'string' || !NONCE.test(value)) throw new AnonCredsInputError(`Invalid ${kind} nonce ${JSON.stringify(value)}: expected a decimal integer`)
  return value
}

/** Raw attribute values must be strings (AnonCreds signs their encoding); at most 64 KiB each. */
export function assertRawValue(name: string, value: unknown): string {
  if (typeof value !== 'string') throw new AnonCredsInputError(`Attribute ${name}: raw value must be a string`)
  if (value.length > 65_536) throw new AnonCredsInputError(`Attribute ${name}: raw value is longer than 64 KiB`)
  return value
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const DECIMAL = /^[0-9]{1,2048}$/

/** A credential offer as the WASM parses it without checking (a malformed one makes Rust panic). */
export function assertCredentialOffer(offer: unknown): void {
  if (!isJsonObject(offer)) throw new AnonCredsInputError('A credential offer must be an object')
  assertIdentifier('schema id', offer.schema_id)
  assertIdentifier('credential definition id', offer.cred_def_id)
  assertNonce('credential offer', offer.nonce)
  const proof = offer.key_correctness_proof
  const validProof =
    isJsonObject(proof) &&
    typeof proof.c === 'string' &&
    DECIMAL.test(proof.c) &&
    typeof proof.xz_cap === 'string' &&
    DECIMAL.test(proof.xz_cap) &&
    Array.isArray(proof.xr_cap) &&
    proof.xr_cap.every((pair) => Array.isArray(pair) && pair.length === 2 && typeof pair[0] === 'string' && typeof pair[1] === 'string' && DECIMAL.test(pair[1]))
  if (!validProof) throw new AnonCredsInputError('The credential offer has no valid key correctness proof')
}

/** The public part of a CL credential definition, enough for the WASM to parse it. */
export function assertCredentialDefinition(definition: unknown): void {
  if (!isJsonObject(definition)) throw new AnonCredsInputError('A credential definition must be an object')
  assertIdentifier('issuer id', definition.issuerId)
  assertIdentifier('schema id', definition.schemaId)
  assertTag(definition.tag)
  if (definition.type !== 'CL') throw new AnonCredsInputError(`Unsupported credential definition type ${JSON.stringify(definition.type)}: only CL`)
  if (!isJsonObject(definition.value) || !isJsonObject(definition.value.primary)) throw new AnonCredsInputError('The credential definition has no primary public key')
}

export function assertSchema(schema: unknown): void {
  if (!isJsonObject(schema)) throw new AnonCredsInputError('A schema must be an object')
  assertIdentifier('issuer id', schema.issuerId)
  assertSchemaName(schema.name)
  assertSchemaVersion(schema.version)
  assertAttributeNames(schema.attrNames)
}

/** Identifiers used as keys of the schema and credential definition maps handed to the library. */
export function assertIdentifierKeys(kind: string, objects: Record<string, unknown>): void {
  for (const id of Object.keys(objects)) assertIdentifier(kind, id)
}
