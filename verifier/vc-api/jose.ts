import { compactVerify, decodeJwt, decodeProtectedHeader, importJWK, type JWK, type ProtectedHeaderParameters } from 'jose'
import { type EnvelopedKind, isObject, type JsonObject, problem, type ProblemDetails, type ProofPurpose, type ResolveProofKey } from '@interop-lab/common/vc2'

export interface VerifiedJose {
  header: ProtectedHeaderParameters
  /** The secured credential or presentation (the JWS payload). */
  document: JsonObject
  /** Who controls the signing key: must be the issuer (credential) or holder (presentation). */
  controller: string
}

const EXPECTED_TYP: Record<EnvelopedKind, string> = { credential: 'vc+jwt', presentation: 'vp+jwt' }

/** VC-JOSE-COSE §3.1: verifies the JWS with the key its `kid` names (relative `kid`s are resolved against the issuer or holder). */
export async function verifyJose(jwt: string, kind: EnvelopedKind, resolveKey: ResolveProofKey): Promise<VerifiedJose | { problems: ProblemDetails[] }> {
  let header: ProtectedHeaderParameters
  let claims: JsonObject
  try {
    header = decodeProtectedHeader(jwt)
    claims = decodeJwt(jwt) as JsonObject
  } catch (error) {
    return { problems: [problem('PARSING_ERROR', `The enveloped JWS cannot be decoded: ${(error as Error).message}`)] }
  }
  if (!header.alg || header.alg === 'none') return { problems: [problem('CRYPTOGRAPHIC_SECURITY_ERROR', 'The JWS has no signature algorithm')] }
  if (header.typ !== undefined && header.typ !== EXPECTED_TYP[kind] && header.typ !== `application/${EXPECTED_TYP[kind]}`)
    return { problems: [problem('MALFORMED_VALUE_ERROR', `JWS typ '${header.typ}' is not '${EXPECTED_TYP[kind]}'`)] }
  const owner = kind === 'credential' ? claims.issuer : claims.holder
  const ownerId = typeof owner === 'string' ? owner : isObject(owner) ? owner.id : undefined
  const kid = header.kid?.startsWith('#') && typeof ownerId === 'string' ? `${ownerId}${header.kid}` : header.kid
  if (!kid) return { problems: [problem('CRYPTOGRAPHIC_SECURITY_ERROR', 'The JWS header names no key (kid)')] }

  const purpose: ProofPurpose = kind === 'credential' ? 'assertionMethod' : 'authentication'
  let key: Awaited<ReturnType<ResolveProofKey>>
  try {
    key = await resolveKey(kid, purpose)
  } catch (error) {
    return { problems: [problem('CRYPTOGRAPHIC_SECURITY_ERROR', `Key ${kid}: ${(error as Error).message}`)] }
  }
  try {
    await compactVerify(jwt, await importJWK(key.publicJwk as JWK, header.alg))
  } catch (error) {
    return { problems: [problem('CRYPTOGRAPHIC_SECURITY_ERROR', `The JWS signature does not verify with ${kid}: ${(error as Error).message}`)] }
  }
  return { header, document: claims, controller: key.controller }
}
