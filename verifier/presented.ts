import { asArray, type SdJwtVc, type W3cJwtVerifiablePresentation } from '@credo-ts/core'
import type { CredentialType } from '../common/credentialTypes'

/** One credential as the verifier received it, whatever its format. */
export interface PresentedCredential {
  queryId: string
  format: 'dc+sd-jwt' | 'jwt_vc_json' | 'ldp_vc' | 'anoncreds'
  issuer: string
  credentialType?: string
  claims: Record<string, unknown>
  expiresAt?: Date
  status?: unknown
}

const REGISTERED_SD_JWT_CLAIMS = new Set(['iss', 'vct', 'cnf', 'iat', 'exp', 'nbf', 'status', 'sub', '_sd_alg'])

/** Reads issuer, type, claims and validity out of Credo's verified DCQL presentations. */
export function presentedCredentials(presentations: Record<string, unknown[]>, types: Map<string, CredentialType>): PresentedCredential[] {
  const byVct = new Map([...types.values()].map((t) => [t.vct, t.id]))
  const byW3cType = new Map([...types.values()].map((t) => [t.w3cType.at(-1)!, t.id]))
  const presented: PresentedCredential[] = []
  for (const [queryId, list] of Object.entries(presentations)) {
    for (const presentation of list) {
      if ((presentation as SdJwtVc).compact?.includes('~')) {
        const sdJwt = presentation as SdJwtVc
        const all = sdJwt.prettyClaims as Record<string, unknown>
        const claims = Object.fromEntries(Object.entries(all).filter(([name]) => !REGISTERED_SD_JWT_CLAIMS.has(name)))
        const payload = sdJwt.payload as Record<string, unknown>
        presented.push({
          queryId,
          format: 'dc+sd-jwt',
          issuer: String(payload.iss),
          credentialType: byVct.get(String(payload.vct)),
          claims,
          expiresAt: typeof payload.exp === 'number' ? new Date(payload.exp * 1000) : undefined,
          status: payload.status,
        })
        continue
      }
      for (const credential of asArray((presentation as W3cJwtVerifiablePresentation).verifiableCredential)) {
        const vc = credential as unknown as {
          issuerId: string
          type: string[]
          credentialSubject: { claims?: Record<string, unknown> } | { claims?: Record<string, unknown> }[]
          expirationDate?: string
          credentialStatus?: unknown
        }
        const subject = Array.isArray(vc.credentialSubject) ? vc.credentialSubject[0] : vc.credentialSubject
        presented.push({
          queryId,
          format: 'jwt_vc_json',
          issuer: vc.issuerId,
          credentialType: vc.type.map((t) => byW3cType.get(t)).find(Boolean),
          claims: subject?.claims ?? {},
          expiresAt: vc.expirationDate ? new Date(vc.expirationDate) : undefined,
          status: vc.credentialStatus,
        })
      }
    }
  }
  return presented
}
