import { z } from 'zod'
import type { RegistryStore } from './store'

export const TRQP_JWS_TYPE = 'trqp+jws'

export const authorizationQuerySchema = z.strictObject({
  entity_id: z.string().min(1).max(4096),
  authority_id: z.string().min(1).max(200),
  action: z.string().min(1).max(100),
  resource: z.string().min(1).max(200),
  context: z.object({ time: z.iso.datetime({ offset: true }).optional() }).optional(),
})
export type AuthorizationQuery = z.infer<typeof authorizationQuerySchema>

export const recognitionQuerySchema = z.strictObject({
  entity_id: z.string().min(1).max(200),
  authority_id: z.string().min(1).max(200),
  action: z.literal('recognize').default('recognize'),
  resource: z.string().min(1).max(200),
  context: z.object({ time: z.iso.datetime({ offset: true }).optional() }).optional(),
})
export type RecognitionQuery = z.infer<typeof recognitionQuerySchema>

interface AnswerBase {
  entity_id: string
  authority_id: string
  action: string
  resource: string
  time_requested: string
  time_evaluated: string
  message: string
}
export type AuthorizationAnswer = AnswerBase & { authorized: boolean; entity_key?: string; entity_name?: { en: string; fr: string } }
export type RecognitionAnswer = AnswerBase & { recognized: boolean }

/** TRQP authorization: may `entity_id` perform `action` on `resource` under `authority_id`, at the given time? */
export async function evaluateAuthorization(store: RegistryStore, query: AuthorizationQuery): Promise<AuthorizationAnswer> {
  const timeRequested = query.context?.time ?? new Date().toISOString()
  const base = { entity_id: query.entity_id, authority_id: query.authority_id, action: query.action, resource: query.resource, time_requested: timeRequested, time_evaluated: new Date().toISOString() }
  const found = await store.authorizationFor(query.entity_id, query.authority_id, query.action, query.resource)
  if (!found) return { ...base, authorized: false, message: 'The entity is not registered in this trust registry' }
  const { entity, granted } = found
  const named = { entity_key: entity.entity_key, entity_name: { en: entity.name_en, fr: entity.name_fr } }
  const at = new Date(timeRequested).getTime()
  if (entity.status !== 'active') return { ...base, ...named, authorized: false, message: `${entity.name_en} is ${entity.status}` }
  if (entity.valid_from && at < new Date(entity.valid_from).getTime()) return { ...base, ...named, authorized: false, message: `${entity.name_en} is not authorized before ${entity.valid_from}` }
  if (entity.valid_until && at > new Date(entity.valid_until).getTime()) return { ...base, ...named, authorized: false, message: `${entity.name_en}'s authorization expired on ${entity.valid_until}` }
  if (!granted) {
    return { ...base, ...named, authorized: false, message: `${entity.name_en} is registered but not authorized to ${query.action} ${query.resource} under ${query.authority_id}` }
  }
  return { ...base, ...named, authorized: true, message: `${entity.name_en} is authorized to ${query.action} ${query.resource} under ${query.authority_id}` }
}

/** TRQP recognition: does `authority_id` recognize the authority `entity_id` for `resource`? */
export async function evaluateRecognition(store: RegistryStore, query: RecognitionQuery): Promise<RecognitionAnswer> {
  const recognized = await store.recognizes(query.authority_id, query.entity_id, query.resource)
  return {
    entity_id: query.entity_id,
    authority_id: query.authority_id,
    action: query.action,
    resource: query.resource,
    time_requested: query.context?.time ?? new Date().toISOString(),
    time_evaluated: new Date().toISOString(),
    recognized,
    message: recognized ? `${query.authority_id} recognizes ${query.entity_id} for ${query.resource}` : `${query.authority_id} does not recognize ${query.entity_id} for ${query.resource}`,
  }
}
