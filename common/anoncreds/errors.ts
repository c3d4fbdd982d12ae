import { AnonCredsError } from '@credo-ts/anoncreds'

/** Input that would be refused (or would crash the WASM) is stopped before it reaches the library: a 4xx for an API. */
export class AnonCredsInputError extends AnonCredsError {}

/** A feature this backend or registry does not offer (revocation, W3C AnonCreds, multi-credential proofs in WASM). */
export class AnonCredsUnsupportedError extends AnonCredsError {}

/** The library refused or failed an operation; the message carries its reason. */
export class AnonCredsLibraryError extends AnonCredsError {}

/** The message of anything thrown across the WASM boundary (Error objects, strings, wasm-bindgen values). */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message
  if (typeof error === 'string') return error
  if (error && typeof error === 'object' && 'message' in error) return String((error as { message: unknown }).message)
  return String(error)
}
