import type { z } from 'zod'
import type { RegistryStore } from './store'
import type { AuthorizationAnswer, authorizationQuerySchema, RecognitionAnswer, recognitionQuerySchema } from './trqp'

type AuthorizationQuery = z.output<typeof authorizationQuerySchema>
type RecognitionQuery = z.output<typeof recognitionQuerySchema>

const echo = (query: AuthorizationQuery | RecognitionQuery) => ({
  entity_id: query.entity_id,
  authority_id: query.authority_id,
  action: query.action,
  resource: query.resource,
  time_requested: query.context?.time ?? new Date().toISOString(),
  time_evaluated: new Date().toISOString(),
})

/** TRQP authorization: may `entity_id` perform `action` on `resource` under `authority_id`, at the time asked about? */
export async function evaluateAuthorization(store: RegistryStore, query: AuthorizationQuery): Promise<AuthorizationAnswer> {
  const base = echo(query)
  const found = await store.authorizationFacts(query.entity_id, query.authority_id, query.action, query.resource)
  if (!found) return { ...base, authorized: false, message: 'The entity is not registered in this trust registry' }
  const named = { ...base, entity_key: found.key, entity_name: found.name }
  const at = Date.parse(base.time_requested)
  const name = found.name.en
  const what = `${query.action} ${query.resource} under ${query.authority_id}`
  if (found.status !== 'active') return { ...named, authorized: false, message: `${name} is ${found.status}` }
  if (found.validFrom && at < Date.parse(found.validFrom)) return { ...named, authorized: false, message: `${name} is not authorized before ${found.validFrom}` }
  if (found.validUntil && at >= Date.parse(found.validUntil)) return { ...named, authorized: false, message: `${name}'s authorization expired on ${found.validUntil}` }
  if (!found.granted) return { ...named, authorized: false, message: `${name} is registered but not authorized to ${what}` }
  return { ...named, authorized: true, ...(found.validUntil ? { expires: found.validUntil } : {}), message: `${name} is authorized to ${what}` }
}

/** TRQP recognition: does the authority `authority_id` recognize the authority `entity_id` for `resource`? */
export async function evaluateRecognition(store: RegistryStore, query: RecognitionQuery): Promise<RecognitionAnswer> {
  const base = echo(query)
  const recognized = await store.recognizes(query.authority_id, query.entity_id, query.resource)
  const message = recognized
    ? `${query.authority_id} recognizes ${query.entity_id} for ${query.resource}`
    : `${query.authority_id} does not recognize ${query.entity_id} for ${query.resource}`
  return { ...base, recognized, message }
}
