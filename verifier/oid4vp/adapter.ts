import { MDOC_FORMAT } from '@interop-lab/common/protocols'
import { type AdapterOutcome, clauseReason, type CredentialResult, type Finding, finding } from '../decision'
import { checkJwtVpPresentation, type JwtVpTools } from './jwtVp'
import type { AnsweredRequest } from './rules'
import { checkMdocPresentation } from './mdoc'
import { checkSdJwtPresentation } from './sdJwt'

const VP_TOKEN = 'OID4VP 1.0 §8.1 (vp_token: a JSON object, each DCQL credential query id to an array of presentations)'
const QUERY_IDS = 'OID4VP 1.0 §8.1 (vp_token: its keys are the ids of the request’s credential queries)'
const MULTIPLE = 'OID4VP 1.0 §6.1 (multiple: omitted or false, a credential query takes one presentation)'
const QUERY_FORMAT = 'OID4VP 1.0 §6.1 (format: a presentation is in the format its credential query names)'

/** A credential query of the request's DCQL query, as far as the shape of a vp_token answering it goes. */
export interface CredentialQuery {
  id: string
  format: string
  multiple?: boolean
}

/** The raw `vp_token` of a `direct_post` response as the verifier kept it: a JSON object, or the text it could not parse as one. */
function parseVpToken(raw: string): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(raw) as unknown
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** The format a presentation's encoding shows: an SD-JWT has '~' separators, a JWT VP '.' ones; an mdoc DeviceResponse is base64url CBOR, with neither. */
const formatOf = (presentation: string) => (presentation.includes('~') ? 'dc+sd-jwt' : presentation.includes('.') ? 'jwt_vc_json' : MDOC_FORMAT)

interface Presentation {
  queryId: string
  presentation: string
}

/** A vp_token's shape against the request's DCQL query (vpTokenShape); `json` false when it is not a JSON object. */
export interface VpTokenShape {
  json: boolean
  faults: Finding[]
  presentations: Presentation[]
  unanswered: string[]
}

/**
 * A kept raw vp_token read against the request's DCQL query, once per response: the response gate answers the wallet
 * from it, and the decision checks its presentations. One that is not a JSON object is a single format fault.
 */
export function readVpToken(raw: string, queries: readonly CredentialQuery[]): VpTokenShape {
  const token = parseVpToken(raw)
  if (!token) {
    const fault = finding('format', false, clauseReason(VP_TOKEN, 'the vp_token is not a JSON object', 'le vp_token n’est pas un objet JSON'))
    return { json: false, faults: [fault], presentations: [], unanswered: queries.map((q) => q.id) }
  }
  return { json: true, ...vpTokenShape(token, queries) }
}

/**
 * A vp_token's shape against the request's DCQL query, before any presentation in it is checked: each key a query of
 * the request, one presentation per query unless it allows several, each a string in the format its query names.
 * The faults, the presentations that answer a query of the request, and the queries none answers (every query of a
 * DCQL query without credential_sets is required, OID4VP 1.0 §6.4.2: the decision names each as not presented).
 */
function vpTokenShape(token: Record<string, unknown>, queries: readonly CredentialQuery[]): Omit<VpTokenShape, 'json'> {
  const faults: Finding[] = []
  const presentations: Presentation[] = []
  for (const [queryId, value] of Object.entries(token)) {
    const query = queries.find((q) => q.id === queryId)
    if (!query) {
      faults.push(
        finding(
          'response',
          false,
          clauseReason(QUERY_IDS, `the vp_token answers ${queryId}, a query the request did not make`, `le vp_token répond à ${queryId}, une requête que la demande n’a pas faite`),
        ),
      )
      continue
    }
    const listed = Array.isArray(value) ? value : [value]
    if (listed.length > 1 && !query.multiple) {
      faults.push(
        finding(
          'response',
          false,
          clauseReason(MULTIPLE, `${listed.length} presentations answer ${queryId}, which asks for one`, `${listed.length} présentations répondent à ${queryId}, qui en demande une`),
        ),
      )
    }
    for (const presentation of listed) {
      if (typeof presentation !== 'string') {
        faults.push(finding('format', false, clauseReason(VP_TOKEN, `a presentation for ${queryId} is not a string`, `une présentation pour ${queryId} n’est pas une chaîne`)))
      } else if (formatOf(presentation) !== query.format) {
        faults.push(
          finding(
            'format',
            false,
            clauseReason(
              QUERY_FORMAT,
              `${queryId} asks for ${query.format}; a presentation for it is encoded as ${formatOf(presentation)}`,
              `${queryId} demande ${query.format} ; une présentation pour cette requête est encodée en ${formatOf(presentation)}`,
            ),
          ),
        )
      } else presentations.push({ queryId, presentation })
    }
  }
  const unanswered = queries.map((q) => q.id).filter((id) => !presentations.some((p) => p.queryId === id))
  return { faults, presentations, unanswered }
}

/**
 * The OID4VP adapter: the response's shape against the request's DCQL query, then every presentation of it checked by
 * the lab itself from the raw `vp_token` (SD-JWT VC, W3C JWT VP or ISO mdoc). The lab's checks are the only
 * verification of a vp_token; `engineError` is the OID4VP library's refusal of a wallet's error response. `shape` is
 * the kept vp_token as readVpToken read it, undefined when none is kept.
 */
export async function oid4vpOutcome(shape: VpTokenShape | undefined, request: AnsweredRequest, receivedAt: Date, tools: JwtVpTools, engineError?: string): Promise<AdapterOutcome> {
  const outcome: AdapterOutcome = { response: [], credentials: [], engineError }
  if (!shape) {
    outcome.response.push(
      engineError
        ? finding('response', false, { en: `No presentation was received: ${engineError}`, fr: `Aucune présentation n’a été reçue : « ${engineError} »` })
        : finding('response', false, {
            en: 'No raw response is kept for this request (its retention limit passed before a decision was asked): the lab cannot check it',
            fr: 'Aucune réponse brute n’est conservée pour cette demande (sa durée de conservation a expiré avant qu’une décision soit demandée) : le laboratoire ne peut la vérifier',
          }),
    )
    return outcome
  }
  outcome.response.push(...shape.faults)
  for (const { queryId, presentation } of shape.presentations) {
    const format = formatOf(presentation)
    const results: CredentialResult[] =
      format === 'dc+sd-jwt'
        ? [await checkSdJwtPresentation(queryId, presentation, request, receivedAt, tools)]
        : format === 'jwt_vc_json'
          ? await checkJwtVpPresentation(queryId, presentation, request, receivedAt, tools)
          : [await checkMdocPresentation(queryId, presentation, request, receivedAt, tools.types)]
    outcome.credentials.push(...results)
  }
  return outcome
}
