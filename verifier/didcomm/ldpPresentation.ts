import type { CredentialType } from '@interop-lab/common/credentialTypes'
import type { LinkedDataProofRef } from '../checks/ldpSignerIsIssuer'
import type { VerificationPolicy } from '../policy'
import type { PresentedCredential } from '../presented'

/** A W3C JSON-LD credential as it arrives inside a presentation (VCDM 1.1). */
export interface LdpCredential extends Record<string, unknown> {
  type: string | string[]
  issuer: string | { id: string }
  credentialSubject: Record<string, unknown> | Record<string, unknown>[]
  expirationDate?: string
  credentialStatus?: unknown
  proof?: LinkedDataProofRef | LinkedDataProofRef[]
}

interface LinkedDataProof {
  verificationMethod?: string
  challenge?: string
  domain?: string
}

/** A `ldp_vp` answering a DIF Presentation Exchange request. */
export interface LdpPresentation extends Record<string, unknown> {
  holder?: string
  verifiableCredential?: LdpCredential | LdpCredential[]
  presentation_submission?: { descriptor_map?: { id: string; path: string }[] }
  proof?: LinkedDataProof | LinkedDataProof[]
}

const asList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value])

export const issuerOf = (credential: LdpCredential) => (typeof credential.issuer === 'string' ? credential.issuer : credential.issuer?.id)
export const subjectOf = (credential: LdpCredential) => asList(credential.credentialSubject)[0] ?? {}
export const presentationProof = (presentation: LdpPresentation): LinkedDataProof => asList(presentation.proof)[0] ?? {}

/** Each presented credential with the input descriptor it answers, from the presentation submission. */
export function submittedCredentials(presentation: LdpPresentation): { queryId: string; credential: LdpCredential }[] {
  const credentials = asList(presentation.verifiableCredential)
  return (presentation.presentation_submission?.descriptor_map ?? []).flatMap(({ id, path }) => {
    const index = /^\$\.verifiableCredential\[(\d+)\]$/.exec(path)?.[1]
    const credential = index === undefined ? (path === '$.verifiableCredential' ? credentials[0] : undefined) : credentials[Number(index)]
    return credential ? [{ queryId: id, credential }] : []
  })
}

/**
 * Issuer, type, claims and validity of the credentials in a verified presentation. A JSON-LD credential
 * cannot disclose selectively: the verifier keeps only the claims its policy asked for and drops the rest unread.
 */
export function ldpPresentedCredentials(presentation: LdpPresentation, policy: VerificationPolicy, types: Map<string, CredentialType>): PresentedCredential[] {
  const byW3cType = new Map([...types.values()].map((t) => [t.w3cType.at(-1)!, t.id]))
  return submittedCredentials(presentation).map(({ queryId, credential }) => {
    const asked = new Set(policy.credentials.find((c) => c.id === queryId)?.claims ?? [])
    const subject = subjectOf(credential)
    return {
      queryId,
      format: 'ldp_vc' as const,
      issuer: String(issuerOf(credential)),
      credentialType: asList(credential.type)
        .map((t) => byW3cType.get(t))
        .find(Boolean),
      claims: Object.fromEntries(Object.entries(subject).filter(([name]) => asked.has(name))),
      expiresAt: credential.expirationDate ? new Date(credential.expirationDate) : undefined,
      status: credential.credentialStatus,
      proof: { kind: 'ldp' as const, credential },
    }
  })
}
