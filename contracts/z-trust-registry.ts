import { z } from 'zod'

/**
 * The trust registry's wire contracts: its TRQP queries and signed answers (modelled on ToIP TRQP v2), its public
 * listings, and its admin API. The governance file is written in the same vocabulary (entities, recognitions,
 * registry links).
 */

export const TRQP_JWS_TYPE = 'trqp+jws'

export const localizedSchema = z.strictObject({ en: z.string().min(1), fr: z.string().min(1) })
const timestamp = z.iso.datetime({ offset: true })

/** ISO 3166 style: "CA" (federal) or "CA-BC" (a province or territory). */
export const jurisdictionSchema = z.string().regex(/^CA(-[A-Z]{2})?$/, 'expected a jurisdiction such as "CA" or "CA-BC"')
export const entityStatusSchema = z.enum(['active', 'suspended', 'revoked'])
export type EntityStatus = z.infer<typeof entityStatusSchema>

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
  key: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lower-case key such as "bc-registries"')
    .max(100),
  name: localizedSchema,
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

// TRQP queries and answers

const context = z.object({ time: timestamp.optional() }).optional()

export const authorizationQuerySchema = z.strictObject({
  entity_id: z.string().min(1).max(4096),
  authority_id: z.string().min(1).max(200),
  action: z.string().min(1).max(100),
  resource: z.string().min(1).max(200),
  context,
})
export type AuthorizationQuery = z.input<typeof authorizationQuerySchema>

export const recognitionQuerySchema = z.strictObject({
  /** The authority being recognized. */
  entity_id: z.string().min(1).max(200),
  /** The authority that recognizes it. */
  authority_id: z.string().min(1).max(200),
  action: z.literal('recognize', { error: 'action must be "recognize"' }).default('recognize'),
  resource: z.string().min(1).max(200),
  context,
})
export type RecognitionQuery = z.input<typeof recognitionQuerySchema>

/** What every answer repeats of its question, so a signed answer cannot be passed off for another one. */
const answerBaseFields = {
  entity_id: z.string(),
  authority_id: z.string(),
  action: z.string(),
  resource: z.string(),
  time_requested: z.string(),
  time_evaluated: z.string(),
  /** Why: in English, for logs and operators (display text lives in `entity_name`). */
  message: z.string(),
}
export type AnswerBase = z.infer<z.ZodObject<typeof answerBaseFields>>

/** Another jurisdiction's authoritative registry, as a registry that recognizes it names it: where, and its key's JWK thumbprint. */
export const registryReferenceSchema = z.object({ jurisdiction: z.string(), url: z.string(), key: z.string() })
export type RegistryReference = z.infer<typeof registryReferenceSchema>

/** PCTF-style: what the entity vouches for (a verified person or organization) and at which level, 1 to 4. */
export type AssuranceStatement = Assurance

export const authorizationAnswerSchema = z.object({
  ...answerBaseFields,
  authorized: z.boolean(),
  /** When the authorization ends, if it does. */
  expires: z.string().optional(),
  entity_key: z.string().optional(),
  entity_name: z.object({ en: z.string(), fr: z.string() }).optional(),
  assurance: assuranceSchema.optional(),
  /** Not held here: this registry recognizes `authority_id` for `resource`, whose own registry answers (assurance capped). */
  referral: z.object({ registry: registryReferenceSchema, max_assurance_level: z.number().int().optional() }).optional(),
})
export type AuthorizationAnswer = z.infer<typeof authorizationAnswerSchema>

export const recognitionAnswerSchema = z.object({
  ...answerBaseFields,
  recognized: z.boolean(),
  /** The recognized jurisdiction's own registry; absent when its entries are held by the registry that answered. */
  registry: registryReferenceSchema.optional(),
  /** The highest assurance level recognized. */
  max_assurance_level: z.number().int().optional(),
  /** When the recognition ends, if it does. */
  expires: z.string().optional(),
  withdrawn_at: z.string().optional(),
})
export type RecognitionAnswer = z.infer<typeof recognitionAnswerSchema>

/** An answer as the registry serves it: the fields, and a compact JWS whose payload is exactly those fields. */
export type SignedAnswer<Answer> = Answer & { jws: string }
const signed = <T extends z.ZodObject>(answer: T) => answer.extend({ jws: z.string() })
export const signedAuthorizationAnswerSchema = signed(authorizationAnswerSchema)
export const signedRecognitionAnswerSchema = signed(recognitionAnswerSchema)

export const trqpConfigurationSchema = z.object({
  authority_id: z.string(),
  authority_name: z.object({ en: z.string(), fr: z.string() }),
  authorization_endpoint: z.url(),
  recognition_endpoint: z.url(),
  jwks_uri: z.url(),
  answer_signing_alg_values_supported: z.array(z.string()),
  answer_jws_type: z.literal(TRQP_JWS_TYPE),
})

// public listings

export const pageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
  offset: z.coerce.number().int().min(0).default(0),
})

export const registryEntitySchema = z.looseObject({ key: z.string(), name: localizedSchema, jurisdiction: z.string(), entityId: z.string().nullish(), status: entityStatusSchema })
export const entityListingSchema = z.object({ authority: z.string(), entities: z.array(registryEntitySchema), next_offset: z.number().int().optional() })
export const recognitionListingSchema = z.object({
  authority: z.string(),
  recognitions: z.array(z.looseObject({ authority: z.string(), recognizes: z.string(), resource: z.string(), withdrawnAt: z.string().nullish() })),
  registries: z.array(z.looseObject({ jurisdiction: z.string() })),
})

// admin API

const did = z
  .string()
  .max(4096)
  .regex(/^did:[a-z0-9]+:\S+$/, 'expected a DID such as did:web:example.ca')

export const bindDidSchema = z.strictObject({ did })
export const createEntitySchema = z.strictObject({ ...entityFields, entityId: did.optional() }).refine(validityInOrder, validityMessage)
export const updateEntitySchema = z
  .strictObject({
    status: entityStatusSchema.optional(),
    authorizations: z.array(authorizationSchema).optional(),
    validFrom: timestamp.nullable().optional(),
    validUntil: timestamp.nullable().optional(),
  })
  .refine((changes) => Object.keys(changes).length > 0, 'nothing to change: give status, authorizations, validFrom or validUntil')
export const recognitionTermsSchema = recognitionSchema.omit({ authority: true, recognizes: true })
export const withdrawalQuerySchema = z.strictObject({
  resource: z
    .string()
    .regex(/^([A-Za-z0-9]+|\*)$/)
    .optional(),
})
export const registryLinkBodySchema = registryLinkSchema.omit({ jurisdiction: true })
export const auditQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  target: z.string().min(1).max(100).optional(),
})
export const recognitionsAnswerSchema = z.object({ recognitions: z.array(z.looseObject({ recognizes: z.string() })) })
export const auditAnswerSchema = z.object({ audit: z.array(z.looseObject({ action: z.string() })) })
