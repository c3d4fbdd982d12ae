import { z } from 'zod'
import { isObject, type JsonObject, ProblemError } from '@interop-lab/common/vc2'
import { VERIFICATION_CHECKS, type VerificationCheck } from './results'

const checksSchema = z.array(z.enum(VERIFICATION_CHECKS)).optional()
const credentialOptionsSchema = z.strictObject({
  checks: checksSchema,
  returnResults: z.boolean().optional(),
  returnProblemDetails: z.boolean().optional(),
  returnCredential: z.boolean().optional(),
})
const presentationOptionsSchema = z.strictObject({
  checks: checksSchema,
  challenge: z.string().min(1).optional(),
  domain: z.string().min(1).optional(),
  returnResults: z.boolean().optional(),
  returnProblemDetails: z.boolean().optional(),
})

function parseOptions<T extends z.ZodObject>(schema: T, raw: unknown): z.infer<T> {
  if (raw === undefined) return schema.parse({})
  if (!isObject(raw)) throw new ProblemError(400, 'MALFORMED_VALUE_ERROR', 'options must be a JSON object', 'options')
  const known = Object.keys(schema.shape)
  const unknown = Object.keys(raw).filter((name) => !known.includes(name))
  if (unknown.length) throw new ProblemError(400, 'UNKNOWN_OPTION_PROVIDED', `Unknown option(s): ${unknown.join(', ')}; supported: ${known.join(', ')}`, 'options')
  const parsed = schema.safeParse(raw)
  if (!parsed.success)
    throw new ProblemError(400, 'MALFORMED_VALUE_ERROR', `Invalid options: ${parsed.error.issues.map((i) => `${['options', ...i.path].join('.')}: ${i.message}`).join('; ')}`, 'options')
  return parsed.data
}

/** `proof` is always checked; the other checks run unless `options.checks` names a subset without them. */
export function checksFrom(requested: readonly VerificationCheck[] | undefined): ReadonlySet<VerificationCheck> {
  return new Set<VerificationCheck>(['proof', ...(requested ?? VERIFICATION_CHECKS)])
}

function requireBody(body: unknown, shape: string): JsonObject {
  if (!isObject(body)) throw new ProblemError(400, 'PARSING_ERROR', `The request body must be a JSON object ${shape}`)
  return body
}

export function parseVerifyCredentialRequest(body: unknown) {
  const request = requireBody(body, '{verifiableCredential, options}')
  if (request.verifiableCredential === undefined) throw new ProblemError(400, 'MALFORMED_VALUE_ERROR', 'verifiableCredential is required', 'verifiableCredential')
  if (!isObject(request.verifiableCredential))
    throw new ProblemError(400, 'PARSING_ERROR', 'verifiableCredential must be a JSON object (a secured credential or an EnvelopedVerifiableCredential)', 'verifiableCredential')
  return { verifiableCredential: request.verifiableCredential, options: parseOptions(credentialOptionsSchema, request.options) }
}

export function parseVerifyPresentationRequest(body: unknown) {
  const request = requireBody(body, '{verifiablePresentation, options} or {presentation, options}')
  const { verifiablePresentation, presentation } = request
  if ((verifiablePresentation === undefined) === (presentation === undefined))
    throw new ProblemError(400, 'MALFORMED_VALUE_ERROR', 'Send exactly one of verifiablePresentation (secured) or presentation (without proof)', 'verifiablePresentation')
  const document = verifiablePresentation ?? presentation
  if (!isObject(document)) throw new ProblemError(400, 'PARSING_ERROR', 'The presentation must be a JSON object', verifiablePresentation ? 'verifiablePresentation' : 'presentation')
  return { presentation: document, proofless: presentation !== undefined, options: parseOptions(presentationOptionsSchema, request.options) }
}
