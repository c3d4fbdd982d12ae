import { compactVerify, createRemoteJWKSet } from 'jose'
import { TRQP_JWS_TYPE, type AuthorizationAnswer, type AuthorizationQuery, type RecognitionAnswer, type RecognitionQuery } from './trqp'

export type { AuthorizationAnswer, AuthorizationQuery, RecognitionAnswer, RecognitionQuery } from './trqp'

const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>()
const keySetOf = (registryUrl: string) => {
  let keySet = keySets.get(registryUrl)
  if (!keySet) keySets.set(registryUrl, (keySet = createRemoteJWKSet(new URL(`${registryUrl}/.well-known/jwks.json`))))
  return keySet
}

/** Asks the registry, then trusts only what its signature covers: the answer is read from the verified JWS. */
async function signedQuery<T>(registryUrl: string, path: string, query: unknown): Promise<T> {
  const response = await fetch(`${registryUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(query) })
  const body = (await response.json().catch(() => ({}))) as { jws?: string; message?: string }
  if (!response.ok || typeof body.jws !== 'string') throw new Error(`Trust registry answered ${response.status}: ${body.message ?? 'no signed answer'}`)
  const { payload, protectedHeader } = await compactVerify(body.jws, keySetOf(registryUrl)).catch((error: unknown) => {
    throw new Error(`The trust registry's answer is not signed by its key: ${error instanceof Error ? error.message : String(error)}`)
  })
  if (protectedHeader.typ !== TRQP_JWS_TYPE) throw new Error(`The trust registry's answer has type ${protectedHeader.typ}, expected ${TRQP_JWS_TYPE}`)
  return JSON.parse(new TextDecoder().decode(payload)) as T
}

export const queryAuthorization = (registryUrl: string, query: AuthorizationQuery) => signedQuery<AuthorizationAnswer>(registryUrl, '/trqp/authorization', query)
export const queryRecognition = (registryUrl: string, query: Omit<RecognitionQuery, 'action'> & { action?: 'recognize' }) =>
  signedQuery<RecognitionAnswer>(registryUrl, '/trqp/recognition', query)
