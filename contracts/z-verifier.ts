import { z } from 'zod'
import { didCommConnectionSchema, localizedTextSchema, profileSchema, protocolSchema, requestableFormatSchema } from './z-formats'

/** The verifier's control API: verifications started by a relying party, and their decisions with a trace. */

export const CHECK_NAMES = [
  'signature',
  'holder-binding',
  /** The response answers this request: nonce (challenge) and audience. */
  'nonce',
  /** The holder's proof was made just now: a key-binding JWT's or a JWT VP's iat/exp. */
  'freshness',
  'expiry',
  'status',
  'trust-registry',
  'claims',
  'minimization',
  'policy',
  'response',
  /** AnonCreds: a revealed raw value encodes to the value the issuer signed. */
  'encoding',
  /** AnonCreds: the predicates asked for (an age, a registration date) are proven. */
  'predicates',
  /** The two sides speak different versions of a specification (vc+sd-jwt vs dc+sd-jwt, PEX vs DCQL). */
  'spec-version',
  /** SD-JWT: every disclosure is referenced by exactly one digest the issuer signed (RFC 9901 §7.1). */
  'disclosures',
  /** The presentation's encoding and media type (a JWS that does not parse, a typ that is not the format's). */
  'format',
  /** A profile's requirement on the exchange (HAIP: ES256, direct_post.jwt encrypted response, KB always); the step's subject names the requirement. */
  'profile',
] as const
export const checkNameSchema = z.enum(CHECK_NAMES)
export type CheckName = z.infer<typeof checkNameSchema>

/** One line of the machine-readable decision trace. */
export const traceStepSchema = z.object({
  check: checkNameSchema,
  /** The credential query id or rule id the step is about. */
  subject: z.string().optional(),
  passed: z.boolean(),
  message: z.string(),
  /** The same finding in French. */
  messageFr: z.string(),
  /** The specification clause the check enforces, when one applies. */
  clause: z.string().optional(),
  detail: z.unknown().optional(),
})
export type TraceStep = z.infer<typeof traceStepSchema>

export const decisionSchema = z.object({
  outcome: z.enum(['accepted', 'rejected']),
  /** The failing steps' messages, first failure first. */
  reasons: z.array(z.string()),
  /** The same, in French. */
  reasonsFr: z.array(z.string()),
  failedChecks: z.array(checkNameSchema),
  trace: z.array(traceStepSchema),
  disclosed: z.record(z.string(), z.record(z.string(), z.unknown())),
  /** The protocol library's own reason, when it refused the response. */
  engineError: z.string().optional(),
  evaluatedAt: z.string(),
})
export type Decision = z.infer<typeof decisionSchema>

export const createVerificationSchema = z.strictObject({
  policyId: z.string().min(1),
  format: requestableFormatSchema.default('dc+sd-jwt'),
  /** OID4VP 1.0 + DCQL (a request URI) or DIDComm v1 present-proof v2 + DIF PE (an out-of-band invitation URL); by default the format's own. */
  protocol: protocolSchema.optional(),
  /** DIDComm only: the request attached to a connectionless invitation (default) or to one asking for a DID Exchange 1.1 connection first. */
  connection: didCommConnectionSchema.optional(),
  /** OID4VP only: the request follows this profile (`haip`: signed request by reference, x509 client id, direct_post.jwt, DCQL, KB always). */
  profile: profileSchema.optional(),
  /** HAIP only: the verifier's client id, `x509_hash:<leaf hash>` (default) or `x509_san_dns:<its host>` (OID4VP 1.0 §5.9.3). */
  clientIdPrefix: z.enum(['x509_hash', 'x509_san_dns']).optional(),
  /**
   * HAIP only: the wallet runs on the device that shows the request (same-device flow, HAIP 1.0 §5): the wallet's POST is
   * answered with a redirect_uri carrying a response_code, and the presentation is accepted only once that redirect back
   * arrives (`GET /verifications/:id?response_code=`). Cross-device (a QR code) by default.
   */
  sameDevice: z.boolean().optional(),
})
export type CreateVerification = z.input<typeof createVerificationSchema>

/** `GET /verifications/:id`: `response_code` is the redirect back of a same-device verification (HAIP 1.0 §5, OID4VP 1.0 §8.2). */
export const verificationQuerySchema = z.object({ response_code: z.string().min(1).optional() })

export const createdVerificationSchema = z.object({
  id: z.string(),
  policyId: z.string(),
  format: requestableFormatSchema,
  protocol: protocolSchema,
  /** What the wallet opens: an OID4VP request URI or a DIDComm out-of-band invitation URL. */
  requestUri: z.string(),
  /** AnonCreds over DIDComm: one request per credential, the wallet answers each (`requestUri` is the first). */
  requestUris: z.array(z.string()).optional(),
})
export type CreatedVerification = z.infer<typeof createdVerificationSchema>

export const verificationSchema = z.object({
  id: z.string(),
  policyId: z.string(),
  format: requestableFormatSchema,
  protocol: protocolSchema,
  /** The exchange's state in the protocol library (Credo's session or proof state). */
  state: z.string(),
  /** Absent until the response is final; then decided once and kept. */
  decision: decisionSchema.optional(),
})
export type Verification = z.infer<typeof verificationSchema>

export const policiesAnswerSchema = z.object({ policies: z.array(z.looseObject({ id: z.string(), verifier: z.string(), overAskedClaims: z.record(z.string(), z.array(z.string())) })) })
export const programsAnswerSchema = z.object({
  programs: z.array(z.object({ key: z.string(), name: localizedTextSchema, topics: z.array(z.string()), jurisdictions: z.array(z.string()).optional(), inbox: z.url() })),
})

/** The verifiers (relying parties) and the X.509 certificate each signs its HAIP requests with, under its jurisdiction's verifier root. */
export const verifiersAnswerSchema = z.object({
  verifiers: z.array(
    z.object({
      key: z.string(),
      jurisdiction: z.string(),
      /** The credential types its policies ask for. */
      credentialTypes: z.array(z.string()),
      /** Base64 DER: the leaf its requests carry in x5c, and the root the trust registry lists for it (kind `verifier`). */
      x509: z.object({ certificate: z.string(), root: z.string(), clientIds: z.object({ x509_hash: z.string(), x509_san_dns: z.string() }) }),
    }),
  ),
})
