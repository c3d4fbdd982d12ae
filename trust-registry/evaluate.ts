import type { z } from 'zod'
import type { Recognition, RegistryStore } from './store'
import type { AuthorizationAnswer, authorizationQuerySchema, RecognitionAnswer, recognitionQuerySchema } from './trqp'

type AuthorizationQuery = z.output<typeof authorizationQuerySchema>
type RecognitionQuery = z.output<typeof recognitionQuerySchema>

const echo = (query: AuthorizationQuery | RecognitionQuery, now: Date) => ({
  entity_id: query.entity_id,
  authority_id: query.authority_id,
  action: query.action,
  resource: query.resource,
  time_requested: query.context?.time ?? now.toISOString(),
  time_evaluated: now.toISOString(),
})

/** TRQP authorization: may `entity_id` perform `action` on `resource` under `authority_id`, at the time asked about? */
export async function evaluateAuthorization(store: RegistryStore, query: AuthorizationQuery, ownAuthority?: string, now = new Date()): Promise<AuthorizationAnswer> {
  const base = echo(query, now)
  const found = await store.authorizationFacts(query.entity_id, query.authority_id, query.action, query.resource)
  if (!found) {
    const referral = ownAuthority && ownAuthority !== query.authority_id ? await referralTo(store, ownAuthority, query, Date.parse(base.time_requested)) : undefined
    if (referral)
      return {
        ...base,
        authorized: false,
        referral,
        message: `${query.authority_id}'s entities are held by its own registry, ${referral.registry.url}, which ${ownAuthority} recognizes for ${query.resource}`,
      }
    return { ...base, authorized: false, message: 'The entity is not registered in this trust registry' }
  }
  const named = { ...base, entity_key: found.key, entity_name: found.name, ...(found.assurance ? { assurance: found.assurance } : {}) }
  const at = Date.parse(base.time_requested)
  const name = found.name.en
  const what = `${query.action} ${query.resource} under ${query.authority_id}`
  if (found.status !== 'active') return { ...named, authorized: false, message: `${name} is ${found.status}` }
  if (found.validFrom && at < Date.parse(found.validFrom)) return { ...named, authorized: false, message: `${name} is not authorized before ${found.validFrom}` }
  if (found.validUntil && at >= Date.parse(found.validUntil)) return { ...named, authorized: false, message: `${name}'s authorization expired on ${found.validUntil}` }
  if (!found.granted) return { ...named, authorized: false, message: `${name} is registered but not authorized to ${what}` }
  return { ...named, authorized: true, ...(found.validUntil ? { expires: found.validUntil } : {}), message: `${name} is authorized to ${what}` }
}

/** The registry a standing recognition by this registry's authority points to, for a jurisdiction whose entities it does not hold. */
async function referralTo(store: RegistryStore, ownAuthority: string, query: AuthorizationQuery, at: number): Promise<AuthorizationAnswer['referral']> {
  const { recognition, link } = await store.recognitionFacts(ownAuthority, query.authority_id, query.resource)
  if (!link || !recognition || refusalOf(recognition, at)) return undefined
  return { registry: link, ...(recognition.maxAssuranceLevel === undefined ? {} : { max_assurance_level: recognition.maxAssuranceLevel }) }
}

/** Why a recognition on record does not stand at `at`, if it does not. */
function refusalOf(recognition: Recognition, at: number): string | undefined {
  if (recognition.withdrawnAt) return `was withdrawn on ${recognition.withdrawnAt}`
  if (recognition.validUntil && at >= Date.parse(recognition.validUntil)) return `expired on ${recognition.validUntil}`
  return undefined
}

/** TRQP recognition: does the authority `authority_id` recognize the authority `entity_id` for `resource`, and on what terms? */
export async function evaluateRecognition(store: RegistryStore, query: RecognitionQuery, now = new Date()): Promise<RecognitionAnswer> {
  const base = echo(query, now)
  const { recognition, link } = await store.recognitionFacts(query.authority_id, query.entity_id, query.resource)
  const subject = `${query.authority_id}'s recognition of ${query.entity_id} for ${query.resource}`
  if (!recognition) return { ...base, recognized: false, message: `${query.authority_id} does not recognize ${query.entity_id} for ${query.resource}` }
  const refusal = refusalOf(recognition, Date.parse(base.time_requested))
  const terms = {
    ...(link ? { registry: link } : {}),
    ...(recognition.maxAssuranceLevel === undefined ? {} : { max_assurance_level: recognition.maxAssuranceLevel }),
    ...(recognition.validUntil ? { expires: recognition.validUntil } : {}),
    ...(recognition.withdrawnAt ? { withdrawn_at: recognition.withdrawnAt } : {}),
  }
  if (refusal) return { ...base, ...terms, recognized: false, message: `${subject} ${refusal}` }
  return { ...base, ...terms, recognized: true, message: `${query.authority_id} recognizes ${query.entity_id} for ${query.resource}` }
}
