import { z } from 'zod'
import { localizedTextSchema, requestableFormatSchema } from './z-formats'

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
])
export type Fault = z.infer<typeof faultSchema>

export const acceptOfferSchema = z.strictObject({ offerUri: z.string().startsWith('openid-credential-offer://').or(z.url()), txCode: z.string().max(64).optional() })
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
  /** The check a refusal is about, when the wallet can tell (a spec-version mismatch). */
  check: z.enum(['spec-version', 'predicates']).optional(),
  fault: faultSchema.optional(),
  /** W3C VC API: the signed presentation, for the runner to hand to a verifier's /presentations/verify (the VC API has no response endpoint). */
  verifiablePresentation: z.record(z.string(), z.unknown()).optional(),
})
export type PresentationOutcome = z.infer<typeof presentationOutcomeSchema>

// W3C VC API holder (documented shapes: the Verifiable Presentation Request is parsed in wallet-sim/vcApiHolder.ts)
export const vcApiHolderSchema = z.object({ did: z.string(), verificationMethod: z.string() })
export const vcApiKeepCredentialSchema = z.object({ verifiableCredential: z.record(z.string(), z.unknown()) })
export const vcApiPresentRequestSchema = z.object({ verifiablePresentationRequest: z.looseObject({ query: z.unknown() }), fault: faultSchema.optional() })
