import { parseDid } from '@credo-ts/core'
import type { IssuerKeyResolver } from './issuerKeys'
import type { CheckResult } from './result'

export const LDP_CLAUSE = 'VC Data Integrity, Verify Proof (the verificationMethod is an assertion key of the issuer)'

export interface LinkedDataProofRef {
  verificationMethod?: string
  proofPurpose?: string
}

/** Verifies a JSON-LD credential's proofs cryptographically, each with the key its verificationMethod names (vc.js through Credo). */
export type LdpProofVerifier = (credential: Record<string, unknown>) => Promise<{ isValid: boolean; error?: string }>

const failed = (message: string): CheckResult => ({ check: 'signature', passed: false, clause: LDP_CLAUSE, message: `${LDP_CLAUSE}: ${message}` })

const didOf = (didUrl: string) => {
  try {
    return parseDid(didUrl).did
  } catch {
    return undefined
  }
}

const asList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value])

/**
 * Proves that a JSON-LD credential is signed by `issuer`, the DID the trust registry is asked about: every proof
 * names a verification method of that DID authorized for assertionMethod, and the proofs verify with those keys.
 */
export async function ldpSignerIsIssuer(credential: Record<string, unknown>, issuer: string, issuerKey: IssuerKeyResolver, verifyProof: LdpProofVerifier): Promise<CheckResult> {
  const proofs = asList(credential.proof as LinkedDataProofRef | LinkedDataProofRef[] | undefined)
  if (!proofs.length) return failed(`the credential carries no proof by its issuer ${issuer}`)
  for (const { verificationMethod, proofPurpose } of proofs) {
    if (!verificationMethod) return failed('a proof names no verificationMethod')
    const signer = didOf(verificationMethod)
    if (signer !== issuer) return failed(`the credential is signed by ${signer ?? verificationMethod}, not by its issuer ${issuer}`)
    if (proofPurpose !== 'assertionMethod') return failed(`the proof by ${verificationMethod} is for '${String(proofPurpose)}', not assertionMethod`)
    try {
      await issuerKey(issuer, verificationMethod)
    } catch (error) {
      return failed(`${verificationMethod} is not an assertion key of the issuer ${issuer} (${error instanceof Error ? error.message : String(error)})`)
    }
  }
  const { isValid, error } = await verifyProof(credential)
  if (!isValid) return failed(`the proof does not verify with the issuer's key (${error ?? 'invalid proof'})`)
  const methods = proofs.map((p) => p.verificationMethod).join(', ')
  return { check: 'signature', passed: true, clause: LDP_CLAUSE, message: `${LDP_CLAUSE}: signed by ${methods}, an assertion key of the issuer` }
}
