import { bundledContexts } from './contexts'

/** What a JSON-LD document loader answers (jsonld.js `RemoteDocument`). */
export interface RemoteDocument {
  contextUrl: null
  documentUrl: string
  document: unknown
}

export type DocumentLoader = (url: string) => Promise<RemoteDocument>

/** A context the loader does not hold: the document cannot be processed (never fetched from the network). */
export class UnknownContextError extends Error {
  public constructor(public readonly url: string) {
    super(`JSON-LD context '${url}' is not one of the bundled contexts`)
    this.name = 'UnknownContextError'
  }
}

/**
 * A loader that serves only bundled contexts (plus `extra` ones a caller adds), so processing a
 * document never touches the network and a context cannot change under a signature.
 */
export function createDocumentLoader(extra: Readonly<Record<string, unknown>> = {}): DocumentLoader {
  const contexts = new Map<string, unknown>([...bundledContexts(), ...Object.entries(extra)])
  return async (url) => {
    const document = contexts.get(url)
    if (document === undefined) throw new UnknownContextError(url)
    return { contextUrl: null, documentUrl: url, document }
  }
}
