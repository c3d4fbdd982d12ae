import { parseDid } from '@credo-ts/core'
import { decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose'
import type { CredentialType } from '@interop-lab/common/credentialTypes'
import { clauseReason, type CredentialResult, type Finding, finding } from '../decision'
import type { PresentedCredential } from '../presented'
import { type AnsweredRequest, type HolderProofRules, iatOutsideWindow, type KeyResolver, verifiesWith } from './rules'

const VP_JWT = 'VCDM 1.1 §6.3.1 (JWT VP: iss is the holder, kid its key)'
const OID4VP_VP = 'OID4VP 1.0 Appendix B.1.3 (JWT VP: nonce, aud)'
const FRESH = 'RFC 7519 §4.1.4/§4.1.6 (exp, iat)'

const didOf = (didUrl: string) => {
  try {
    return parseDid(didUrl).did
  } catch {
    return undefined
  }
}

interface JwtVc {
  iss?: string
  sub?: string
  exp?: number
  vc?: { type?: string[]; issuer?: string | { id?: string }; credentialSubject?: Record<string, unknown>; expirationDate?: string; credentialStatus?: unknown }
}

export interface JwtVpTools {
  types: Map<string, CredentialType>
  resolveKey: KeyResolver
  rules: HolderProofRules
}

/** The holder's proof around the credentials: signed by its `kid` under an accepted algorithm, for this request, made just now. */
async function presentationFindings(
  vpJwt: string,
  header: ReturnType<typeof decodeProtectedHeader>,
  vp: JWTPayload,
  request: AnsweredRequest,
  receivedAt: Date,
  tools: JwtVpTools,
): Promise<{ findings: Finding[]; holder?: string }> {
  const bind = (passed: boolean, en: string, fr: string) => finding('holder-binding', passed, clauseReason(VP_JWT, en, fr))
  const { rules } = tools
  if (!header.alg || !rules.algorithms.includes(header.alg)) {
    return {
      findings: [
        bind(
          false,
          `the presentation is signed with alg '${String(header.alg)}', not one of ${rules.algorithms.join(', ')} (never none, never HMAC)`,
          `la présentation est signée avec l’alg « ${String(header.alg)} », hors de ${rules.algorithms.join(', ')} (jamais none ni HMAC)`,
        ),
      ],
    }
  }
  const holder = typeof header.kid === 'string' ? didOf(header.kid) : undefined
  if (!holder) return { findings: [bind(false, 'the presentation is not signed by a DID key: its kid names none', 'la présentation n’est pas signée par une clé de DID : son kid n’en nomme aucune')] }
  const key = await tools.resolveKey(header.kid!).catch(() => undefined)
  if (!key || !(await verifiesWith(vpJwt, key, header.alg))) {
    return { findings: [bind(false, `the presentation is not signed by ${header.kid}, the key it names`, `la présentation n’est pas signée par ${header.kid}, la clé qu’elle nomme`)] }
  }
  const findings: Finding[] = []
  if (vp.iss !== undefined && vp.iss !== holder)
    findings.push(bind(false, `the presentation's iss ${String(vp.iss)} is not its signer ${holder}`, `l’iss ${String(vp.iss)} de la présentation n’est pas son signataire ${holder}`))
  findings.push(
    vp.nonce === request.nonce
      ? finding('nonce', true, clauseReason(OID4VP_VP, 'the presentation answers this request (nonce)', 'la présentation répond à cette demande (nonce)'))
      : finding(
          'nonce',
          false,
          clauseReason(
            OID4VP_VP,
            `the presentation answers another request (nonce ${String(vp.nonce ?? 'missing')})`,
            `la présentation répond à une autre demande (nonce ${String(vp.nonce ?? 'absent')})`,
          ),
        ),
  )
  const audiences = vp.aud === undefined ? [] : Array.isArray(vp.aud) ? vp.aud : [vp.aud]
  findings.push(
    audiences.includes(request.clientId)
      ? finding('nonce', true, clauseReason(OID4VP_VP, 'the presentation is addressed to this verifier (aud)', 'la présentation est adressée à ce vérificateur (aud)'))
      : finding(
          'nonce',
          false,
          clauseReason(
            OID4VP_VP,
            `the presentation is addressed to ${JSON.stringify(vp.aud ?? null)}, not to this verifier's client_id`,
            `la présentation est adressée à ${JSON.stringify(vp.aud ?? null)}, pas au client_id de ce vérificateur`,
          ),
        ),
  )
  const nowSeconds = receivedAt.getTime() / 1000
  const expired = typeof vp.exp === 'number' && vp.exp < nowSeconds - rules.clockSkewSeconds
  const outside = vp.iat === undefined ? undefined : iatOutsideWindow(vp.iat, receivedAt, rules)
  const window = `${rules.maxAgeSeconds} s, ± ${rules.clockSkewSeconds} s`
  if (expired)
    findings.push(
      finding(
        'freshness',
        false,
        clauseReason(FRESH, `the presentation expired at ${new Date(vp.exp! * 1000).toISOString()} (exp)`, `la présentation a expiré le ${new Date(vp.exp! * 1000).toISOString()} (exp)`),
      ),
    )
  else if (outside) {
    findings.push(
      finding(
        'freshness',
        false,
        clauseReason(
          FRESH,
          `the presentation's iat is ${outside === 'future' ? 'in the future' : outside === 'too-old' ? 'too old' : 'not a number'} (window ${window})`,
          `l’iat de la présentation est ${outside === 'future' ? 'dans le futur' : outside === 'too-old' ? 'trop ancien' : 'invalide'} (fenêtre ${window})`,
        ),
      ),
    )
  } else
    findings.push(
      finding(
        'freshness',
        true,
        clauseReason(FRESH, `the presentation is not expired and was made within ${window} of the response`, `la présentation n’a pas expiré et a été faite moins de ${window} avant la réponse`),
      ),
    )
  return { findings, holder }
}

function readCredential(queryId: string, jwt: string, types: Map<string, CredentialType>): { credential?: PresentedCredential; subject?: string } {
  let payload: JwtVc
  try {
    payload = decodeJwt(jwt) as JwtVc
  } catch {
    return {}
  }
  const byW3cType = new Map([...types.values()].map((t) => [t.w3cType.at(-1)!, t.id]))
  const issuer = (typeof payload.vc?.issuer === 'string' ? payload.vc.issuer : payload.vc?.issuer?.id) ?? payload.iss
  const { id, ...claims } = payload.vc?.credentialSubject ?? {}
  const expiresAt = typeof payload.exp === 'number' ? new Date(payload.exp * 1000) : payload.vc?.expirationDate ? new Date(payload.vc.expirationDate) : undefined
  const credential: PresentedCredential = {
    queryId,
    format: 'jwt_vc_json',
    issuer: String(issuer),
    credentialType: (payload.vc?.type ?? []).map((t) => byW3cType.get(t)).find(Boolean),
    claims,
    expiresAt: expiresAt && !Number.isNaN(expiresAt.getTime()) ? expiresAt : undefined,
    status: payload.vc?.credentialStatus,
    proof: { kind: 'jws', jws: jwt },
  }
  return { credential, subject: payload.sub ?? (typeof id === 'string' ? id : undefined) }
}

/**
 * A W3C JWT VP (jwt_vc_json) answering a DCQL query: the holder's signature, iss, nonce, aud, exp and iat, then each
 * credential inside, bound to the holder (its subject is the presentation's signer). The issuers' signatures are the
 * decision core's signer-is-issuer check.
 */
export async function checkJwtVpPresentation(queryId: string, vpJwt: string, request: AnsweredRequest, receivedAt: Date, tools: JwtVpTools): Promise<CredentialResult[]> {
  let header: ReturnType<typeof decodeProtectedHeader>
  let vp: JWTPayload & { vp?: { verifiableCredential?: unknown } }
  try {
    header = decodeProtectedHeader(vpJwt)
    vp = decodeJwt(vpJwt)
  } catch {
    return [{ queryId, findings: [finding('format', false, clauseReason(VP_JWT, 'the presentation is neither an SD-JWT nor a compact JWT', 'la présentation n’est ni un SD-JWT ni un JWT compact'))] }]
  }
  const { findings, holder } = await presentationFindings(vpJwt, header, vp, request, receivedAt, tools)
  const listed = vp.vp?.verifiableCredential
  const credentials = (Array.isArray(listed) ? listed : listed === undefined ? [] : [listed]).filter((vc): vc is string => typeof vc === 'string')
  if (!credentials.length)
    return [{ queryId, findings: [...findings, finding('format', false, clauseReason(VP_JWT, 'the presentation carries no JWT credential', 'la présentation ne contient aucun titre JWT'))] }]
  return credentials.map((jwt) => {
    const { credential, subject } = readCredential(queryId, jwt, tools.types)
    if (!credential)
      return { queryId, findings: [...findings, finding('format', false, clauseReason(VP_JWT, 'a credential in the presentation is not a JWT', 'un titre de la présentation n’est pas un JWT'))] }
    const bound = holder !== undefined && subject !== undefined && didOf(subject) === holder
    const binding = bound
      ? finding('holder-binding', true, clauseReason(VP_JWT, `the presentation is signed by the credential's subject ${subject}`, `la présentation est signée par le sujet du titre ${subject}`))
      : finding(
          'holder-binding',
          false,
          clauseReason(VP_JWT, `the presentation is not signed by the credential's subject ${subject ?? '(none)'}`, `la présentation n’est pas signée par le sujet du titre ${subject ?? '(aucun)'}`),
        )
    return { queryId, findings: holder ? [...findings, binding] : findings, credential }
  })
}
