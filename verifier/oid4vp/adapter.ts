import { type AdapterOutcome, clauseReason, type CredentialResult, finding } from '../decision'
import { checkJwtVpPresentation, type JwtVpTools } from './jwtVp'
import type { AnsweredRequest } from './rules'
import { checkMdocPresentation } from './mdoc'
import { checkSdJwtPresentation } from './sdJwt'

const VP_TOKEN = 'OID4VP 1.0 §8.1 (vp_token: a JSON object, each DCQL credential query id to an array of presentations)'

/** The raw `vp_token` of a `direct_post` response as the verifier kept it: a JSON object, or the text it could not parse as one. */
function parseVpToken(raw: string): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(raw) as unknown
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/**
 * The OID4VP adapter: every presentation of a response checked by the lab itself from the raw `vp_token` (SD-JWT VC,
 * W3C JWT VP or ISO mdoc), whatever the OID4VP library concluded (its refusal, if any, goes to the core as `engineError`).
 */
export async function oid4vpOutcome(rawVpToken: string | undefined, request: AnsweredRequest, receivedAt: Date, tools: JwtVpTools, engineError?: string): Promise<AdapterOutcome> {
  const outcome: AdapterOutcome = { response: [], credentials: [], engineError }
  const token = rawVpToken === undefined ? undefined : parseVpToken(rawVpToken)
  if (rawVpToken === undefined) {
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
  if (!token) {
    outcome.response.push(finding('format', false, clauseReason(VP_TOKEN, 'the vp_token is not a JSON object', 'le vp_token n’est pas un objet JSON')))
    return outcome
  }
  for (const [queryId, value] of Object.entries(token)) {
    for (const presentation of Array.isArray(value) ? value : [value]) {
      if (typeof presentation !== 'string') {
        outcome.credentials.push({
          queryId,
          findings: [finding('format', false, clauseReason(VP_TOKEN, `a presentation for ${queryId} is not a string`, `une présentation pour ${queryId} n’est pas une chaîne`))],
        })
        continue
      }
      // an SD-JWT has '~' separators, a JWT VP '.' ones; an mdoc DeviceResponse is base64url CBOR, with neither
      const results: CredentialResult[] = presentation.includes('~')
        ? [await checkSdJwtPresentation(queryId, presentation, request, receivedAt, tools)]
        : presentation.includes('.')
          ? await checkJwtVpPresentation(queryId, presentation, request, receivedAt, tools)
          : [await checkMdocPresentation(queryId, presentation, request, receivedAt, tools.types)]
      outcome.credentials.push(...results)
    }
  }
  return outcome
}
