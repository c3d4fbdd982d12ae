import type { MdocIssuerProof } from './checks/mdocSignerIsIssuer'

/** What the issuer's signature is, as received: the lab checks its signer itself (verifier/checks). */
export type IssuerProof =
  /** A W3C JWT VC, or an SD-JWT VC's issuer-signed JWT. */
  | { kind: 'jws'; jws: string }
  /** A JSON-LD credential, its proofs embedded. */
  | { kind: 'ldp'; credential: Record<string, unknown> }
  /** The credential definition an AnonCreds proof verified against. */
  | { kind: 'anoncreds'; credentialDefinitionId: string }
  /** An mdoc's MSO signature and its document signer certificate chain. */
  | ({ kind: 'mdoc' } & MdocIssuerProof)

/** One credential as the verifier received it, whatever its format. */
export interface PresentedCredential {
  queryId: string
  format: 'dc+sd-jwt' | 'jwt_vc_json' | 'ldp_vc' | 'anoncreds' | 'mso_mdoc'
  issuer: string
  credentialType?: string
  claims: Record<string, unknown>
  expiresAt?: Date
  status?: unknown
  proof: IssuerProof
}
