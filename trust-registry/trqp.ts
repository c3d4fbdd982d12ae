import { z } from 'zod'

/**
 * The registry's query protocol, modelled on ToIP TRQP v2: the queries, the answers, and the JWS type
 * the answers are signed under. Shared by the registry and its client; nothing here touches storage.
 */
export const TRQP_JWS_TYPE = 'trqp+jws'

const context = z.object({ time: z.iso.datetime({ offset: true }).optional() }).optional()

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
export interface AnswerBase {
  entity_id: string
  authority_id: string
  action: string
  resource: string
  time_requested: string
  time_evaluated: string
  /** Why: in English, for logs and operators (display text lives in `entity_name`). */
  message: string
}

/** PCTF-style: what the entity vouches for (a verified person or organization) and at which level, 1 to 4. */
export interface AssuranceStatement {
  subject: 'verified-person' | 'verified-organization'
  level: number
}

/** Another jurisdiction's authoritative registry, as a registry that recognizes it names it: where, and its key's JWK thumbprint. */
export interface RegistryReference {
  jurisdiction: string
  url: string
  key: string
}

export interface AuthorizationAnswer extends AnswerBase {
  authorized: boolean
  /** When the authorization ends, if it does. */
  expires?: string
  entity_key?: string
  entity_name?: { en: string; fr: string }
  assurance?: AssuranceStatement
  /** Not held here: this registry recognizes `authority_id` for `resource`, whose own registry answers (assurance capped). */
  referral?: { registry: RegistryReference; max_assurance_level?: number }
}

export interface RecognitionAnswer extends AnswerBase {
  recognized: boolean
  /** The recognized jurisdiction's own registry; absent when its entries are held by the registry that answered. */
  registry?: RegistryReference
  /** The highest assurance level recognized. */
  max_assurance_level?: number
  /** When the recognition ends, if it does. */
  expires?: string
  withdrawn_at?: string
}

/** An answer as the registry serves it: the fields, and a compact JWS whose payload is exactly those fields. */
export type SignedAnswer<Answer> = Answer & { jws: string }
