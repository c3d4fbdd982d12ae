import { z } from 'zod'
import { localizedTextSchema, requestableFormatSchema } from './z-formats'
import { haipRequirementSchema } from './z-haip'

/** The wallet simulator's control API: its personas, the offers they accept and the requests they answer. */

export const personaSchema = z.object({ id: z.string().regex(/^[a-z0-9-]+$/), name: localizedTextSchema })
export type Persona = z.infer<typeof personaSchema>
export const personasAnswerSchema = z.object({ personas: z.array(personaSchema.extend({ holderDid: z.string().optional() })) })

/** Ways the fault-injecting wallet ("Mallory") breaks a presentation on its way to the verifier. */
export const faultSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('tamper') }),
  z.object({ kind: z.literal('wrong-holder-key') }),
  z.object({ kind: z.literal('replay') }),
  z.object({ kind: z.literal('withhold'), claim: z.string().min(1) }),
  /** AnonCreds: a revealed raw value changed, its encoded value left as signed. */
  z.object({ kind: z.literal('alter-raw') }),
  /** OID4VP under HAIP: the response posted in the clear (direct_post) where the request asks for a JWE (direct_post.jwt). */
  z.object({ kind: z.literal('unencrypted-response') }),
  /** OID4VP same-device flow: the redirect_uri the verifier answers the response with is not followed (HAIP 1.0 §5). */
  z.object({ kind: z.literal('ignore-redirect') }),
])
export type Fault = z.infer<typeof faultSchema>

/**
 * Ways the lab wallet breaks a HAIP 1.0 issuance rule on purpose (authorization code flow), so the issuer's refusal can be
 * seen: no DPoP proof, no PKCE code challenge, the authorization request sent to the authorization endpoint instead of
 * pushed (PAR), no Wallet Attestation (client authentication).
 */
export const ISSUANCE_FAULT_KINDS = ['no-dpop', 'no-pkce', 'no-par', 'no-wallet-attestation'] as const
export const issuanceFaultSchema = z.object({ kind: z.enum(ISSUANCE_FAULT_KINDS) })
export type IssuanceFault = z.infer<typeof issuanceFaultSchema>

export const acceptOfferSchema = z.strictObject({
  offerUri: z.string().startsWith('openid-credential-offer://').or(z.url()),
  txCode: z.string().max(64).optional(),
  fault: issuanceFaultSchema.optional(),
})

/**
 * An issuer's OAuth error that ended an OID4VCI issuance: the wallet's answer to an offer it could not accept carries it
 * (a 422 problem, code `issuer_refused`, with this as `details`); `requirement` is the HAIP 1.0 requirement the issuer
 * named (its `haip_requirement` error member).
 */
export const issuerRefusalSchema = z.object({
  endpoint: z.enum(['par', 'authorization', 'token', 'credential']),
  error: z.string(),
  errorDescription: z.string().optional(),
  requirement: haipRequirementSchema.optional(),
  fault: issuanceFaultSchema.optional(),
})
export type IssuerRefusal = z.infer<typeof issuerRefusalSchema>

/** The wallet simulator's wallet provider: the root an issuer trusts for its Wallet Attestations and key attestations (HAIP 1.0 §4.4.1, §4.5.1). */
export const walletProviderAnswerSchema = z.object({
  /** Base64 DER: what the trust registry lists (kind `root`, credential type `WalletAttestation`). */
  rootCertificate: z.string(),
  /** The client_id (attestation `sub`) every instance of this wallet uses. */
  clientId: z.string(),
})
export const answerRequestSchema = z.strictObject({ requestUri: z.string().min(1).max(32_768), fault: faultSchema.optional() })

export const heldCredentialSchema = z.object({
  id: z.string(),
  format: requestableFormatSchema,
  type: z.string(),
  issuer: z.string(),
  claims: z.record(z.string(), z.unknown()),
})
export type HeldCredential = z.infer<typeof heldCredentialSchema>
export const credentialsAnswerSchema = z.object({ credentials: z.array(heldCredentialSchema) })

export const presentationOutcomeSchema = z.object({
  submitted: z.boolean(),
  verifierStatus: z.number().int().optional(),
  verifierResponse: z.unknown().optional(),
  error: z.string().optional(),
  /** The check a refusal is about, when the wallet can tell (a spec-version mismatch; `profile`: a HAIP requirement the request breaks). */
  check: z.enum(['spec-version', 'predicates', 'profile']).optional(),
  /** With `check: 'profile'`: the HAIP 1.0 requirement the request breaks. */
  requirement: haipRequirementSchema.optional(),
  fault: faultSchema.optional(),
  /** W3C VC API: the signed presentation, for the runner to hand to a verifier's /presentations/verify (the VC API has no response endpoint). */
  verifiablePresentation: z.record(z.string(), z.unknown()).optional(),
})
export type PresentationOutcome = z.infer<typeof presentationOutcomeSchema>

// W3C VC API holder (documented shapes: the Verifiable Presentation Request is parsed in wallet-sim/vcApiHolder.ts)
export const vcApiHolderSchema = z.object({ did: z.string(), verificationMethod: z.string() })
export const vcApiKeepCredentialSchema = z.object({ verifiableCredential: z.record(z.string(), z.unknown()) })
export const vcApiPresentRequestSchema = z.object({ verifiablePresentationRequest: z.looseObject({ query: z.unknown() }), fault: faultSchema.optional() })
