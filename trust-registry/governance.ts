import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'

const localized = z.strictObject({ en: z.string().min(1), fr: z.string().min(1) })
/** ISO 3166 style: "CA" (federal) or "CA-BC" (a province or territory). */
export const jurisdictionSchema = z.string().regex(/^CA(-[A-Z]{2})?$/, 'expected a jurisdiction such as "CA" or "CA-BC"')
export const entityStatusSchema = z.enum(['active', 'suspended', 'revoked'])
export type EntityStatus = z.infer<typeof entityStatusSchema>
const timestamp = z.iso.datetime({ offset: true })

export const authorizationSchema = z.strictObject({
  action: z.string().regex(/^[a-z][a-z-]*$/, 'expected a lower-case action such as "issue"'),
  resource: z.string().regex(/^[A-Za-z0-9]+$/, 'expected a credential type id such as "BusinessRegistrationCredential"'),
})
export type Authorization = z.infer<typeof authorizationSchema>

export const validityInOrder = (entity: { validFrom?: string | null; validUntil?: string | null }) =>
  !entity.validFrom || !entity.validUntil || Date.parse(entity.validFrom) < Date.parse(entity.validUntil)
export const validityMessage = { message: 'validFrom must be before validUntil', path: ['validUntil'] }

/** PCTF-style assurance of what an entity vouches for: a verified person or a verified organization, at a level (1 lowest, 4 highest). */
export const assuranceSchema = z.strictObject({
  subject: z.enum(['verified-person', 'verified-organization']),
  level: z.number().int().min(1).max(4),
})
export type Assurance = z.infer<typeof assuranceSchema>

export const entityFields = {
  key: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lower-case key such as "bc-registries"').max(100),
  name: localized,
  jurisdiction: jurisdictionSchema,
  authorizations: z.array(authorizationSchema),
  status: entityStatusSchema.default('active'),
  validFrom: timestamp.optional(),
  validUntil: timestamp.optional(),
  assurance: assuranceSchema.optional(),
}
/** An entity as the governance file names it: its DID is bound later, once its issuer has one. */
export const entitySchema = z.strictObject(entityFields).refine(validityInOrder, validityMessage)
export type GovernedEntity = z.infer<typeof entitySchema>

export const recognitionSchema = z.strictObject({
  authority: jurisdictionSchema,
  recognizes: jurisdictionSchema,
  /** Credential type ids, or "*" for every type. */
  resources: z.array(z.string().regex(/^([A-Za-z0-9]+|\*)$/)).min(1),
  /** The highest assurance level recognized: what the recognized jurisdiction vouches for above it counts as this level. */
  maxAssuranceLevel: z.number().int().min(1).max(4).optional(),
  validUntil: timestamp.optional(),
})
export type GovernedRecognition = z.infer<typeof recognitionSchema>

/** Where another jurisdiction's authoritative registry answers, and the JWK thumbprint of the key it must sign with. */
export const registryLinkSchema = z.strictObject({
  jurisdiction: jurisdictionSchema,
  url: z.url({ protocol: /^https?$/ }),
  key: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'expected a JWK thumbprint (base64url SHA-256, 43 characters)'),
})
export type RegistryLink = z.infer<typeof registryLinkSchema>

const governanceSchema = z
  .strictObject({
    authority: z.strictObject({ id: jurisdictionSchema, name: localized }),
    entities: z.array(entitySchema),
    recognitions: z.array(recognitionSchema),
    /** Other jurisdictions' registries; a recognized jurisdiction without one has its entries in this registry. */
    registries: z.array(registryLinkSchema).default([]),
  })
  .superRefine((governance, ctx) => {
    const seen = new Set<string>()
    governance.entities.forEach((entity, i) => {
      if (seen.has(entity.key)) ctx.addIssue({ code: 'custom', path: ['entities', i, 'key'], message: `duplicate entity key '${entity.key}'` })
      seen.add(entity.key)
    })
  })
export type Governance = z.infer<typeof governanceSchema>

export const DEFAULT_GOVERNANCE_FILE = join(import.meta.dirname, 'governance.json')
/** Where the governance files of registries authoritative for one jurisdiction each are kept (`<code>.json`). */
export const JURISDICTIONS_DIR = join(import.meta.dirname, 'jurisdictions')

/** The governance file of the registry authoritative for `jurisdiction` alone. */
export function jurisdictionGovernanceFile(jurisdiction: string, dir = JURISDICTIONS_DIR): string {
  const code = jurisdictionSchema.safeParse(jurisdiction)
  if (!code.success) throw new Error(`Unknown jurisdiction '${jurisdiction}': expected a code such as "CA" or "CA-BC"`)
  return join(dir, `${code.data}.json`)
}

/** The governance file: who may do what under which authority, and who recognizes whom. */
export function loadGovernance(file = DEFAULT_GOVERNANCE_FILE): Governance {
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new Error(`Cannot read governance file ${file}: ${error instanceof Error ? error.message : String(error)}`)
  }
  const parsed = governanceSchema.safeParse(raw)
  if (!parsed.success) throw new Error(`Invalid governance file ${file}: ${z.prettifyError(parsed.error)}`)
  return parsed.data
}
