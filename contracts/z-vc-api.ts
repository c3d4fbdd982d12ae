import { z } from 'zod'

/**
 * The W3C VC API operations the lab serves, as documented shapes. Their parsers (issuer/vc-api, verifier/vc-api) keep
 * their own checks, because the VC API names the error of each refusal (UNKNOWN_OPTION_PROVIDED, MALFORMED_VALUE_ERROR…).
 */
const document = z.looseObject({})

export const vcApiIssueRequestSchema = z.object({
  credential: document,
  options: z.object({ credentialId: z.string().optional(), mandatoryPointers: z.array(z.string()).optional(), cryptosuite: z.string().optional(), envelope: z.string().optional() }).optional(),
})
export const vcApiDeriveRequestSchema = z.object({ verifiableCredential: document, options: z.object({ selectivePointers: z.array(z.string()).optional() }).optional() })
export const vcApiUpdateStatusRequestSchema = z.object({
  credentialId: z.string().optional(),
  credentialStatus: z.looseObject({ type: z.literal('BitstringStatusListEntry'), statusPurpose: z.enum(['revocation', 'suspension']) }),
  status: z.boolean().optional(),
})
export const vcApiVerifiableCredentialSchema = z.object({ verifiableCredential: document })
export const vcApiVerifyCredentialRequestSchema = z.object({ verifiableCredential: document, options: z.looseObject({}).optional() })
export const vcApiVerifyPresentationRequestSchema = z.object({
  verifiablePresentation: document.optional(),
  /** A presentation without proof (then `verifiablePresentation` is absent). */
  presentation: document.optional(),
  options: z.looseObject({ challenge: z.string().optional(), domain: z.string().optional() }).optional(),
})
export const vcApiVerificationResultSchema = z.looseObject({ verified: z.boolean(), checks: z.array(z.string()), warnings: z.array(z.unknown()), errors: z.array(z.unknown()) })
export const vcApiIssuersAnswerSchema = z.object({ contexts: z.record(z.string(), z.string()), issuers: z.array(z.looseObject({ key: z.string(), did: z.string() })) })
