import { createHash } from 'node:crypto'
import { vcLibraries } from '@credo-ts/core'
import type { DocumentLoader } from './documentLoader'

/** The document could not be turned into RDF: an unknown context, an undefined term, a bad IRI or value. */
export class JsonLdProcessingError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'JsonLdProcessingError'
  }
}

interface JsonLdErrorShape {
  message?: string
  details?: { event?: { message?: string; details?: Record<string, unknown> }; cause?: { message?: string } }
}

function describe(error: unknown): string {
  const e = error as JsonLdErrorShape
  const event = e.details?.event
  if (event?.message) {
    const value = event.details?.property ?? event.details?.type ?? event.details?.value
    return typeof value === 'string' ? `${event.message} ('${value}')` : event.message
  }
  return e.details?.cause?.message ?? e.message ?? String(error)
}

/**
 * RDF Dataset Canonicalization (RDFC-1.0, which jsonld.js calls URDNA2015) to N-Quads, in safe
 * mode: a term no context defines, or a value JSON-LD would drop, is an error instead of silently
 * falling out of the signed data. A value's `@direction` is kept as VCDM 2.0 §11.1 and the Data
 * Integrity suites ask: an `i18n-datatype` literal (`…^^<https://www.w3.org/ns/i18n#ar_rtl>`).
 * RDFC-1.0 labels blank nodes with SHA-256 unless told otherwise (vc-di-ecdsa: SHA-384 for P-384).
 */
export async function canonize(document: Record<string, unknown>, documentLoader: DocumentLoader, hash: 'sha256' | 'sha384' = 'sha256'): Promise<string> {
  const createMessageDigest = () => {
    const digest = createHash(hash)
    return { update: (text: string) => digest.update(text, 'utf8'), digest: () => digest.digest('hex') }
  }
  try {
    return (await vcLibraries.jsonld.canonize(document, {
      algorithm: 'URDNA2015',
      format: 'application/n-quads',
      documentLoader,
      safe: true,
      base: null,
      rdfDirection: 'i18n-datatype',
      createMessageDigest,
    })) as string
  } catch (error) {
    throw new JsonLdProcessingError(`JSON-LD processing failed: ${describe(error)}`, { cause: error })
  }
}
