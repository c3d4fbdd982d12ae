import { type AgentContext, DidDocument, type DidResolutionResult, type DidResolver, JsonTransformer, type ParsedDid } from '@credo-ts/core'
import { failureDetail } from './outboundPolicy'

const MEDIA_TYPES = 'application/did+json, application/did+ld+json;q=0.9, application/json;q=0.5'

/** did:web Method §3.2 Read: `did:web:host%3Aport:path:to` → `https://host:port/path/to/did.json` (no path: `/.well-known/did.json`). */
export function didWebDocumentUrl(parsed: Pick<ParsedDid, 'id'>): URL {
  const [host, ...path] = parsed.id.split(':').map(decodeURIComponent)
  if (!host || /[/?#@\\]/.test(host) || path.some((segment) => !segment || /[/?#\\]/.test(segment) || segment === '.' || segment === '..'))
    throw new Error(`'${parsed.id}' is not a did:web method-specific identifier`)
  const url = new URL(`https://${host}/${path.length ? path.map(encodeURIComponent).join('/') : '.well-known'}/did.json`)
  if (url.host !== host.toLowerCase()) throw new Error(`'${parsed.id}' names no plain host`)
  return url
}

/**
 * Resolves did:web with the agent's own HTTP client — on the issuer and the verifier, the outbound guard — instead of
 * Credo's resolver, which fetches any host. A failure is logged here and answered as `notFound` with a message that
 * says nothing about what the host answered.
 */
export class AgentFetchWebDidResolver implements DidResolver {
  public readonly supportedMethods = ['web']
  public readonly allowsCaching = true
  public readonly allowsLocalDidRecord = true

  public async resolve(agentContext: AgentContext, did: string, parsed: ParsedDid): Promise<DidResolutionResult> {
    try {
      const url = didWebDocumentUrl(parsed)
      const response = await agentContext.config.agentDependencies.fetch(url.href, { headers: { accept: MEDIA_TYPES } })
      if (!response.ok) throw new Error(`${url.href} answered HTTP ${response.status}`)
      const document = (await response.json()) as { id?: unknown }
      if (document.id !== did) throw new Error(`${url.href} holds the document of ${String(document.id)}, not ${did}`)
      return { didDocument: JsonTransformer.fromJSON(document, DidDocument), didDocumentMetadata: {}, didResolutionMetadata: { contentType: 'application/did+json' } }
    } catch (error) {
      console.warn(`[did:web] ${did} could not be resolved: ${failureDetail(error)}`)
      return { didDocument: null, didDocumentMetadata: {}, didResolutionMetadata: { error: 'notFound', message: `${did} could not be resolved` } }
    }
  }
}
