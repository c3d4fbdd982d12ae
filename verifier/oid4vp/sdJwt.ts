import { base64url, type JWK } from 'jose'
import { decodeCompactJws } from '../decodeCompactJws'
import { createHash } from 'node:crypto'
import type { CredentialType } from '@interop-lab/common/credentialTypes'
import { clauseReason, type CredentialResult, type Finding, finding } from '../decision'
import type { PresentedCredential } from '../presented'
import { type AnsweredRequest, type HolderProofRules, iatOutsideWindow, type KeyResolver, verifiesWith } from './rules'

const SD = 'RFC 9901 §7.1'
const KB = 'RFC 9901 §7.3'
const KB_FORMAT = 'RFC 9901 §4.3'
const VC_TYP = 'SD-JWT VC §3.1 (typ dc+sd-jwt)'
const VCT = 'SD-JWT VC §3.2.2.1 (vct)'
const CNF = 'SD-JWT VC §3.2.2.2 (cnf)'
const CLEAR_CLAIMS = 'SD-JWT VC §3.2.2.2 (iss, nbf, exp, cnf, vct, status are never selectively disclosed)'
const OID4VP_KB = 'OID4VP 1.0 Appendix B.3 (key binding: nonce, aud)'

/** Claims an SD-JWT VC's issuer registers for itself: not credential claims. */
const REGISTERED_CLAIMS = new Set(['iss', 'vct', 'vct#integrity', 'cnf', 'iat', 'exp', 'nbf', 'status', 'sub', '_sd_alg'])
/** Claims that must not be selectively disclosable (SD-JWT VC §3.2.2.2). */
const NEVER_DISCLOSED = new Set(['iss', 'vct', 'vct#integrity', 'cnf', 'nbf', 'exp', 'status'])

const sha256 = (text: string) => base64url.encode(createHash('sha256').update(text, 'ascii').digest())

class SdJwtFault extends Error {
  constructor(readonly reason: ReturnType<typeof clauseReason>) {
    super(reason.en)
  }
}
const fault = (en: string, fr: string) => new SdJwtFault(clauseReason(SD, en, fr))

interface Disclosure {
  encoded: string
  digest: string
  name?: string
  value: unknown
}

function parseDisclosure(encoded: string): Disclosure {
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(base64url.decode(encoded)))
  } catch {
    throw fault(`a disclosure is not base64url-encoded JSON (${encoded.slice(0, 24)}…)`, `une divulgation n’est pas du JSON encodé en base64url (${encoded.slice(0, 24)}…)`)
  }
  const ok = Array.isArray(parsed) && typeof parsed[0] === 'string' && (parsed.length === 2 || (parsed.length === 3 && typeof parsed[1] === 'string'))
  if (!ok) throw fault('a disclosure is not an array [salt, name, value] or [salt, value]', 'une divulgation n’est pas un tableau [sel, nom, valeur] ou [sel, valeur]')
  const array = parsed as unknown[]
  if (array.length === 3 && (array[1] === '_sd' || array[1] === '...'))
    throw fault(`a disclosure names the reserved claim '${String(array[1])}'`, `une divulgation nomme la revendication réservée « ${String(array[1])} »`)
  return array.length === 3 ? { encoded, digest: sha256(encoded), name: array[1] as string, value: array[2] } : { encoded, digest: sha256(encoded), value: array[1] }
}

/**
 * RFC 9901 §7.1 steps 3–5: the payload with each disclosure put where its digest is, every digest and disclosure used
 * at most once, every disclosure referenced. Throws an SdJwtFault naming the fault.
 */
export function processDisclosures(payload: Record<string, unknown>, encodedDisclosures: string[]): { claims: Record<string, unknown>; disclosed: string[] } {
  const alg = payload._sd_alg ?? 'sha-256'
  if (alg !== 'sha-256') throw fault(`_sd_alg '${String(alg)}' is not supported (sha-256)`, `_sd_alg « ${String(alg)} » n’est pas pris en charge (sha-256)`)
  const byDigest = new Map<string, Disclosure>()
  for (const encoded of encodedDisclosures) {
    const disclosure = parseDisclosure(encoded)
    if (byDigest.has(disclosure.digest)) throw fault('the same disclosure is presented twice', 'la même divulgation est présentée deux fois')
    byDigest.set(disclosure.digest, disclosure)
  }
  const seenDigests = new Set<string>()
  const used = new Set<string>()
  const disclosed: string[] = []
  const take = (digest: unknown, kind: 'object' | 'array'): Disclosure | undefined => {
    if (typeof digest !== 'string') throw fault('a digest is not a string', 'un condensé n’est pas une chaîne')
    if (seenDigests.has(digest)) throw fault('the same digest appears twice in the issuer-signed payload', 'le même condensé figure deux fois dans la charge utile signée par l’émetteur')
    seenDigests.add(digest)
    const disclosure = byDigest.get(digest)
    if (!disclosure) return undefined // a claim the holder did not disclose (or a decoy)
    if ((disclosure.name === undefined) !== (kind === 'array')) {
      throw fault(
        `a ${kind === 'array' ? 'array element' : 'property'} digest references a disclosure of the other kind`,
        'un condensé renvoie à une divulgation de l’autre sorte (propriété ou élément de tableau)',
      )
    }
    used.add(digest)
    return disclosure
  }
  const walk = (value: unknown, top: boolean): unknown => {
    if (Array.isArray(value)) {
      const out: unknown[] = []
      for (const element of value) {
        const keys = element && typeof element === 'object' && !Array.isArray(element) ? Object.keys(element) : []
        if (keys.length === 1 && keys[0] === '...') {
          const disclosure = take((element as Record<string, unknown>)['...'], 'array')
          if (disclosure) out.push(walk(disclosure.value, false))
        } else out.push(walk(element, false))
      }
      return out
    }
    if (!value || typeof value !== 'object') return value
    const object = value as Record<string, unknown>
    const out: Record<string, unknown> = {}
    for (const [key, inner] of Object.entries(object)) if (key !== '_sd' && key !== '_sd_alg') out[key] = walk(inner, false)
    if (object._sd !== undefined && !Array.isArray(object._sd)) throw fault('_sd is not an array of digests', '_sd n’est pas un tableau de condensés')
    for (const digest of (object._sd as unknown[] | undefined) ?? []) {
      const disclosure = take(digest, 'object')
      if (!disclosure) continue
      const name = disclosure.name!
      if (name in out) throw fault(`the disclosed claim '${name}' already exists beside its digest`, `la revendication divulguée « ${name} » existe déjà à côté de son condensé`)
      if (top && NEVER_DISCLOSED.has(name)) {
        throw new SdJwtFault(clauseReason(CLEAR_CLAIMS, `'${name}' is selectively disclosed; it must be in the clear`, `« ${name} » est divulgué sélectivement ; il doit figurer en clair`))
      }
      out[name] = walk(disclosure.value, false)
      if (top) disclosed.push(name)
    }
    return out
  }
  const claims = walk(payload, true) as Record<string, unknown>
  const unreferenced = [...byDigest.keys()].filter((digest) => !used.has(digest))
  if (unreferenced.length) {
    throw fault(`${unreferenced.length} disclosure(s) not referenced by any digest the issuer signed`, `${unreferenced.length} divulgation(s) qu’aucun condensé signé par l’émetteur ne référence`)
  }
  return { claims, disclosed }
}

function holderKey(cnf: unknown, resolveKey: KeyResolver): Promise<JWK> | undefined {
  const confirmation = cnf as { jwk?: JWK; kid?: string } | undefined
  if (confirmation?.jwk && typeof confirmation.jwk === 'object') return Promise.resolve(confirmation.jwk)
  if (typeof confirmation?.kid === 'string' && confirmation.kid.startsWith('did:')) return resolveKey(confirmation.kid)
  return undefined
}

/** RFC 9901 §7.3 (and OID4VP 1.0 Appendix B.3): the key-binding JWT, signed by the `cnf` key, over this presentation, for this request, made just now. */
async function keyBindingFindings(kbJwt: string, presented: string, cnf: unknown, request: AnsweredRequest, receivedAt: Date, rules: HolderProofRules, resolveKey: KeyResolver): Promise<Finding[]> {
  const bind = (passed: boolean, clause: string, en: string, fr: string) => finding('holder-binding', passed, clauseReason(clause, en, fr))
  if (!kbJwt) return [bind(false, KB, 'the presentation carries no Key Binding JWT: it was not signed by the holder', 'la présentation ne porte aucun KB-JWT : le détenteur ne l’a pas signée')]
  const decoded = decodeCompactJws(kbJwt)
  if (!decoded) return [bind(false, KB_FORMAT, 'the Key Binding JWT is not a JWT', 'le KB-JWT n’est pas un JWT')]
  const { header, payload: kb } = decoded
  if (header.typ !== 'kb+jwt') return [bind(false, KB_FORMAT, `the Key Binding JWT's typ is '${String(header.typ)}', not kb+jwt`, `le typ du KB-JWT est « ${String(header.typ)} », pas kb+jwt`)]
  if (!header.alg || !rules.algorithms.includes(header.alg)) {
    return [
      bind(
        false,
        KB,
        `the Key Binding JWT is signed with alg '${String(header.alg)}', not one of ${rules.algorithms.join(', ')} (never none, never HMAC)`,
        `le KB-JWT est signé avec l’alg « ${String(header.alg)} », hors de ${rules.algorithms.join(', ')} (jamais none ni HMAC)`,
      ),
    ]
  }
  const key = holderKey(cnf, resolveKey)
  if (!key) return [bind(false, CNF, 'the credential has no cnf key: it is bound to no holder', 'le titre n’a pas de clé cnf : il n’est lié à aucun détenteur')]
  const signed = await key.then((jwk) => verifiesWith(kbJwt, jwk, header.alg!)).catch(() => false)
  if (!signed) return [bind(false, KB, 'the Key Binding JWT is not signed by the key the credential is bound to (cnf)', 'le KB-JWT n’est pas signé par la clé à laquelle le titre est lié (cnf)')]
  const findings: Finding[] = []
  if (typeof kb.sd_hash !== 'string')
    findings.push(bind(false, KB, 'the Key Binding JWT has no sd_hash: it does not say what it covers', 'le KB-JWT n’a pas de sd_hash : il ne dit pas ce qu’il couvre'))
  else if (kb.sd_hash !== sha256(presented))
    findings.push(bind(false, KB, 'the Key Binding JWT sd_hash does not match the presented SD-JWT and disclosures', 'le sd_hash du KB-JWT ne correspond pas au SD-JWT et aux divulgations présentés'))
  else
    findings.push(
      bind(true, KB, 'the Key Binding JWT is signed by the cnf key and covers what was presented (sd_hash)', 'le KB-JWT est signé par la clé cnf et couvre ce qui a été présenté (sd_hash)'),
    )
  findings.push(
    kb.nonce === request.nonce
      ? finding('nonce', true, clauseReason(OID4VP_KB, 'the Key Binding JWT answers this request (nonce)', 'le KB-JWT répond à cette demande (nonce)'))
      : finding(
          'nonce',
          false,
          clauseReason(
            OID4VP_KB,
            `the Key Binding JWT answers another request (nonce ${String(kb.nonce ?? 'missing')})`,
            `le KB-JWT répond à une autre demande (nonce ${String(kb.nonce ?? 'absent')})`,
          ),
        ),
  )
  findings.push(
    kb.aud === request.clientId
      ? finding('nonce', true, clauseReason(OID4VP_KB, 'the Key Binding JWT is addressed to this verifier (aud)', 'le KB-JWT est adressé à ce vérificateur (aud)'))
      : finding(
          'nonce',
          false,
          clauseReason(
            OID4VP_KB,
            `the Key Binding JWT is addressed to ${JSON.stringify(kb.aud ?? null)}, not to this verifier's client_id`,
            `le KB-JWT est adressé à ${JSON.stringify(kb.aud ?? null)}, pas au client_id de ce vérificateur`,
          ),
        ),
  )
  const outside = iatOutsideWindow(kb.iat, receivedAt, rules)
  const window = `${rules.maxAgeSeconds} s, ± ${rules.clockSkewSeconds} s`
  findings.push(
    outside === undefined
      ? finding('freshness', true, clauseReason(KB, `the Key Binding JWT was made within ${window} of the response`, `le KB-JWT a été fait moins de ${window} avant la réponse`))
      : finding(
          'freshness',
          false,
          clauseReason(
            KB,
            outside === 'missing' ? 'the Key Binding JWT has no iat' : `the Key Binding JWT's iat is ${outside === 'future' ? 'in the future' : 'too old'} (window ${window})`,
            outside === 'missing' ? 'le KB-JWT n’a pas d’iat' : `l’iat du KB-JWT est ${outside === 'future' ? 'dans le futur' : 'trop ancien'} (fenêtre ${window})`,
          ),
        ),
  )
  return findings
}

export interface SdJwtTools {
  types: Map<string, CredentialType>
  resolveKey: KeyResolver
  rules: HolderProofRules
}

/**
 * Every step of RFC 9901 §7 and SD-JWT VC a verifier takes on one presented SD-JWT VC, except the issuer's signature
 * (the decision core's signer-is-issuer check): media type, vct, disclosures, key binding, nonce, audience, freshness.
 */
export async function checkSdJwtPresentation(queryId: string, presentation: string, request: AnsweredRequest, receivedAt: Date, tools: SdJwtTools): Promise<CredentialResult> {
  const parts = presentation.split('~')
  const issuerJwt = parts[0]
  const kbJwt = parts.at(-1) ?? ''
  const presented = `${parts.slice(0, -1).join('~')}~`
  const decoded = decodeCompactJws(issuerJwt)
  if (!decoded) return { queryId, findings: [finding('format', false, clauseReason(SD, 'the issuer-signed JWT is not a JWT', 'le JWT signé par l’émetteur n’est pas un JWT'))] }
  const { header } = decoded
  const payload: Record<string, unknown> = decoded.payload
  const findings: Finding[] = []
  if (header.typ === 'vc+sd-jwt') {
    findings.push(
      finding(
        'spec-version',
        false,
        clauseReason(
          VC_TYP,
          'typ is vc+sd-jwt (SD-JWT VC drafts up to 05); this verifier follows dc+sd-jwt (draft 06 and later)',
          'typ est vc+sd-jwt (brouillons SD-JWT VC jusqu’au 05) ; ce vérificateur suit dc+sd-jwt (brouillon 06 et suivants)',
        ),
      ),
    )
  } else if (header.typ !== 'dc+sd-jwt') {
    findings.push(finding('format', false, clauseReason(VC_TYP, `typ is '${String(header.typ)}', not dc+sd-jwt`, `typ est « ${String(header.typ)} », pas dc+sd-jwt`)))
  } else findings.push(finding('format', true, clauseReason(VC_TYP, 'typ is dc+sd-jwt', 'typ est dc+sd-jwt')))
  if (typeof payload.vct !== 'string' || !payload.vct) findings.push(finding('format', false, clauseReason(VCT, 'the credential has no vct (its type)', 'le titre n’a pas de vct (son type)')))
  let claims: Record<string, unknown> | undefined
  try {
    const processed = processDisclosures(payload, parts.slice(1, -1).filter(Boolean))
    claims = processed.claims
    findings.push(
      finding(
        'disclosures',
        true,
        clauseReason(
          SD,
          `each of the ${processed.disclosed.length} disclosure(s) is referenced by exactly one digest the issuer signed`,
          `chacune des ${processed.disclosed.length} divulgation(s) est référencée par un seul condensé signé par l’émetteur`,
        ),
      ),
    )
  } catch (error) {
    if (!(error instanceof SdJwtFault)) throw error
    findings.push(finding('disclosures', false, error.reason))
  }
  findings.push(...(await keyBindingFindings(kbJwt, presented, payload.cnf, request, receivedAt, tools.rules, tools.resolveKey)))
  if (!claims) return { queryId, findings }
  const byVct = new Map([...tools.types.values()].map((t) => [t.vct, t.id]))
  const credential: PresentedCredential = {
    queryId,
    format: 'dc+sd-jwt',
    issuer: String(payload.iss),
    credentialType: byVct.get(String(payload.vct)),
    claims: Object.fromEntries(Object.entries(claims).filter(([name]) => !REGISTERED_CLAIMS.has(name))),
    expiresAt: typeof payload.exp === 'number' ? new Date(payload.exp * 1000) : undefined,
    status: payload.status,
    proof: { kind: 'jws', jws: issuerJwt },
  }
  return { queryId, findings, credential }
}
