import { base64url } from 'jose'
import { CONTEXTS } from '../jsonld'
import { ENVELOPED_CREDENTIAL, ENVELOPED_PRESENTATION, isObject, type JsonObject, typesOf } from './dataModel'
import type { Signer } from './dataIntegrity'
import { problem, type ProblemDetails } from './problems'

/** VC-JOSE-COSE §3.1: a credential secured as a JWS whose payload is the credential itself. */
export const VC_JWT_MEDIA_TYPE = 'application/vc+jwt'
export const VP_JWT_MEDIA_TYPE = 'application/vp+jwt'

export type EnvelopedKind = 'credential' | 'presentation'

const ENVELOPE = {
  credential: { type: ENVELOPED_CREDENTIAL, mediaTypes: [VC_JWT_MEDIA_TYPE, 'application/jwt'], typ: 'vc+jwt' },
  presentation: { type: ENVELOPED_PRESENTATION, mediaTypes: [VP_JWT_MEDIA_TYPE, 'application/jwt'], typ: 'vp+jwt' },
} as const

/** Signs `document` as a compact JWS: `alg` the signer's, `typ` vc+jwt (or vp+jwt), `cty` vc (or vp), `kid` the verification method. */
export async function signJoseEnvelope(document: JsonObject, kind: EnvelopedKind, kid: string, signer: Signer): Promise<string> {
  const header = { alg: signer.algorithm, kid, typ: ENVELOPE[kind].typ, cty: kind === 'credential' ? 'vc' : 'vp' }
  const signingInput = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(document))}`
  return `${signingInput}.${base64url.encode(await signer.sign(new TextEncoder().encode(signingInput)))}`
}

/** VCDM 2.0 §4.13.1: the object that carries an enveloped credential (or presentation) in JSON. */
export function envelope(jwt: string, kind: EnvelopedKind): JsonObject {
  return { '@context': CONTEXTS.credentialsV2, id: `data:${ENVELOPE[kind].mediaTypes[0]},${jwt}`, type: ENVELOPE[kind].type }
}

export function isEnveloped(value: unknown, kind: EnvelopedKind): value is JsonObject {
  return isObject(value) && (typesOf(value).includes(ENVELOPE[kind].type) || (typeof value.id === 'string' && value.id.startsWith('data:') && value.type === undefined))
}

/** The JWS inside an enveloped credential or presentation, or the problems that stop us reading it. */
export function openEnvelope(value: JsonObject, kind: EnvelopedKind): { jwt: string; mediaType: string } | { problems: ProblemDetails[] } {
  const { type: expectedType, mediaTypes } = ENVELOPE[kind]
  const problems: ProblemDetails[] = []
  const context = [value['@context']].flat()
  if (context[0] !== CONTEXTS.credentialsV2) problems.push(problem('MALFORMED_VALUE_ERROR', `An ${expectedType} needs @context '${CONTEXTS.credentialsV2}'`, '@context'))
  if (value.type !== expectedType && !(Array.isArray(value.type) && value.type.length === 1 && value.type[0] === expectedType))
    problems.push(problem('MALFORMED_VALUE_ERROR', `type must be '${expectedType}'`, 'type'))
  const match = typeof value.id === 'string' ? /^data:([^,;]+)((?:;[^,;]+)*),(.*)$/s.exec(value.id) : null
  if (!match) problems.push(problem('MALFORMED_VALUE_ERROR', 'id must be a data: URL holding the secured document', 'id'))
  if (problems.length || !match) return { problems }
  const [, mediaType, parameters, data] = match
  if (!(mediaTypes as readonly string[]).includes(mediaType))
    return { problems: [problem('MALFORMED_VALUE_ERROR', `Media type '${mediaType}' is not supported; expected ${mediaTypes.join(' or ')}`, 'id')] }
  const jwt = parameters.split(';').includes('base64') ? Buffer.from(data, 'base64').toString('utf8') : decodeURIComponent(data)
  if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(jwt)) return { problems: [problem('PARSING_ERROR', 'The data: URL does not hold a compact JWS', 'id')] }
  return { jwt, mediaType }
}
