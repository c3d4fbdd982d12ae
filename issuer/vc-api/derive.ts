import { z } from 'zod'
import type { DocumentLoader } from '@interop-lab/common/jsonld'
import { deriveSdCredential, ecdsaSd2023, isObject, type JsonObject, ProblemError, sdProofKind, unknownPointers } from '@interop-lab/common/vc2'

const deriveOptionsSchema = z.strictObject({ selectivePointers: z.array(z.string()).optional() })
const DERIVE_OPTIONS = Object.keys(deriveOptionsSchema.shape)

const fail = (detail: string, property?: string) => new ProblemError(400, 'MALFORMED_VALUE_ERROR', detail, property)

export function parseDeriveRequest(body: unknown): { credential: JsonObject; selectivePointers: string[] } {
  if (!isObject(body)) throw new ProblemError(400, 'PARSING_ERROR', 'The request body must be a JSON object {verifiableCredential, options}')
  if (!isObject(body.verifiableCredential)) throw fail('verifiableCredential is required and must be a JSON object', 'verifiableCredential')
  const rawOptions = body.options ?? {}
  if (!isObject(rawOptions)) throw fail('options must be a JSON object', 'options')
  const unknown = Object.keys(rawOptions).filter((name) => !DERIVE_OPTIONS.includes(name))
  if (unknown.length) throw new ProblemError(400, 'UNKNOWN_OPTION_PROVIDED', `Unknown option(s): ${unknown.join(', ')}; supported: ${DERIVE_OPTIONS.join(', ')}`, 'options')
  const parsed = deriveOptionsSchema.safeParse(rawOptions)
  if (!parsed.success) throw fail(`Invalid options: ${parsed.error.issues.map((i) => `${['options', ...i.path].join('.')}: ${i.message}`).join('; ')}`, 'options')
  return { credential: body.verifiableCredential, selectivePointers: parsed.data.selectivePointers ?? [] }
}

/**
 * VCALM POST /credentials/derive, the holder's step of ecdsa-sd-2023: from a credential with a base
 * proof, the credential disclosing what the issuer made mandatory and `selectivePointers` select,
 * with a derived proof for a verifier. It takes no key and keeps nothing, so any holder may use it;
 * it does not verify the base proof (the verifier checks the derived one).
 */
export async function deriveCredential(credential: JsonObject, selectivePointers: readonly string[], documentLoader: DocumentLoader): Promise<JsonObject> {
  const { proof, ...unsecured } = credential
  const baseProofs = [proof ?? []]
    .flat()
    .filter((candidate): candidate is JsonObject => isObject(candidate) && candidate.cryptosuite === ecdsaSd2023.name && sdProofKind(candidate.proofValue) === 'base')
  if (baseProofs.length !== 1)
    throw fail(
      baseProofs.length
        ? 'The credential has several ecdsa-sd-2023 base proofs; send it with the one to derive from'
        : 'The credential has no ecdsa-sd-2023 base proof to derive from (vc-di-ecdsa Add Derived Proof; a derived proof cannot be derived again)',
      'verifiableCredential.proof',
    )
  const unknown = unknownPointers(unsecured, selectivePointers)
  if (unknown.length) throw fail(`selectivePointers ${unknown.join(', ')} name nothing in the credential (RFC 6901 JSON pointers into it)`, 'options.selectivePointers')
  try {
    return await deriveSdCredential(unsecured, baseProofs[0], selectivePointers, documentLoader)
  } catch (error) {
    throw new ProblemError(400, 'PROOF_GENERATION_ERROR', `The ecdsa-sd-2023 derived proof could not be made: ${(error as Error).message}`, 'verifiableCredential.proof')
  }
}
