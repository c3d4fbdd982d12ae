import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { CREDENTIAL_FORMATS, type CredentialFormat } from '@interop-lab/contracts'

const localized = z.object({ en: z.string().min(1), fr: z.string().min(1) })
export type Localized = z.infer<typeof localized>

const claimDefinition = z.object({
  type: z.enum(['string', 'date', 'number', 'boolean']),
  enum: z.array(z.string()).optional(),
  required: z.boolean(),
  display: localized,
})

const credentialTypeDefinition = z.object({
  id: z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/),
  vct: z.url(),
  w3cType: z.array(z.string()).min(2),
  display: localized,
  claims: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), claimDefinition),
  /** The AnonCreds schema the type is issued under (attributes: the claims; dates as YYYYMMDD integers). */
  anoncreds: z.object({ schemaName: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/), schemaVersion: z.string().regex(/^[0-9]+(\.[0-9]+)*$/) }).optional(),
  /** The ISO 18013-5 mdoc the type is issued as (`mso_mdoc`): its doctype, the namespace of its data elements (the claims), its validity. */
  mdoc: z.strictObject({ docType: z.string().regex(/^[a-z0-9.-]+$/), namespace: z.string().regex(/^[a-z0-9.-]+$/), validForDays: z.number().int().min(1) }).optional(),
})
export type CredentialType = z.infer<typeof credentialTypeDefinition>

/** SD-JWT VC and W3C JWT VC travel over OID4VC; W3C JSON-LD (Data Integrity) and AnonCreds over DIDComm (see common/protocols). */
export { CREDENTIAL_FORMATS, type CredentialFormat }

const typesDir = join(import.meta.dirname, 'credential-types')

/** Credential types are data: one JSON file each, with claims, schema and EN/FR display names. */
export function loadCredentialTypes(dir = typesDir): Map<string, CredentialType> {
  const types = new Map<string, CredentialType>()
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const parsed = credentialTypeDefinition.safeParse(JSON.parse(readFileSync(join(dir, file), 'utf8')))
    if (!parsed.success) throw new Error(`Invalid credential type ${file}: ${parsed.error.message}`)
    types.set(parsed.data.id, parsed.data)
  }
  return types
}

const dateString = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD')

const claimsSchemas = new WeakMap<CredentialType, z.ZodType<Record<string, unknown>>>()

/** A zod schema for the claims of `type`: required claims, value types and enums enforced; unknown claims refused. */
export function claimsSchema(type: CredentialType): z.ZodType<Record<string, unknown>> {
  // built once per type: zod compiles a schema on its first parse, which costs more than the parse itself
  const built = claimsSchemas.get(type)
  if (built) return built
  const schema = buildClaimsSchema(type)
  claimsSchemas.set(type, schema)
  return schema
}

function buildClaimsSchema(type: CredentialType) {
  const shape: Record<string, z.ZodType> = {}
  for (const [name, claim] of Object.entries(type.claims)) {
    let schema: z.ZodType = claim.type === 'date' ? dateString : claim.type === 'number' ? z.number() : claim.type === 'boolean' ? z.boolean() : z.string().min(1).max(500)
    if (claim.enum) schema = z.enum(claim.enum as [string, ...string[]])
    shape[name] = claim.required ? schema : schema.optional()
  }
  return z.strictObject(shape)
}
