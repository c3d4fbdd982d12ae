import type { AgentContext, JsonObject } from '@credo-ts/core'
import {
  DidCommAttachment,
  DidCommAttachmentData,
  type DidCommDifPresentationExchangeProofFormat,
  DidCommDifPresentationExchangeProofFormatService,
  type DidCommProofFormatAcceptRequestOptions,
  type DidCommProofFormatAutoRespondRequestOptions,
  type DidCommProofFormatCreateReturn,
  type DidCommProofFormatGetCredentialsForRequestOptions,
  type DidCommProofFormatSelectCredentialsForRequestOptions,
} from '@credo-ts/didcomm'
import { bundledContexts, CONTEXTS } from '../jsonld'

interface SchemaFilter {
  uri: string
  required?: boolean
}
interface RequestData {
  presentation_definition?: { input_descriptors?: { schema?: SchemaFilter[] | unknown }[] }
}

let compactNames: ReadonlyMap<string, string> | undefined

/** Each IRI the lab's JSON-LD context defines a term for (the credential types among them), to that term. */
function compactNameOf(iri: string): string | undefined {
  compactNames ??= new Map(
    Object.entries((bundledContexts().get(CONTEXTS.interopLabCredentialsV1)?.['@context'] ?? {}) as Record<string, unknown>).flatMap(([term, definition]) =>
      typeof definition === 'string' && !term.startsWith('@') ? [[definition, term] as const] : [],
    ),
  )
  return compactNames.get(iri)
}

/**
 * PE schema matching: compact vs expanded IRI. ACA-Py asks (DIF PE v1 `schema`) for a credential type by its
 * expanded IRI (`https://interop-lab.ca/vocab#VerifiedPersonCredential`); Credo's matcher compares the `uri` with the
 * compact names in a credential's `type` and finds nothing. The request is read with the compact name beside each
 * expanded IRI the lab's context defines (not required: either one matches), which is what the IRI means.
 */
function withCompactTypeNames(requestAttachment: DidCommAttachment): DidCommAttachment {
  const request = requestAttachment.getDataAsJson<RequestData>()
  const descriptors = request.presentation_definition?.input_descriptors ?? []
  let added = false
  const input_descriptors = descriptors.map((descriptor) => {
    if (!Array.isArray(descriptor.schema)) return descriptor
    const schema = descriptor.schema as SchemaFilter[]
    const aliases = schema.flatMap(({ uri }) => {
      const name = compactNameOf(uri)
      return name && !schema.some((s) => s.uri === name) ? [{ uri: name, required: false }] : []
    })
    added ||= aliases.length > 0
    return aliases.length ? { ...descriptor, schema: [...aliases, ...schema] } : descriptor
  })
  if (!added) return requestAttachment
  const json = { ...request, presentation_definition: { ...request.presentation_definition, input_descriptors } } as unknown as JsonObject
  return new DidCommAttachment({ id: requestAttachment.id, mimeType: requestAttachment.mimeType, data: new DidCommAttachmentData({ json }) })
}

/** DIF Presentation Exchange as Credo does it, with a request's expanded type IRIs also matched by their compact names. */
export class LabPresentationExchangeFormatService extends DidCommDifPresentationExchangeProofFormatService {
  public override getCredentialsForRequest(agentContext: AgentContext, options: DidCommProofFormatGetCredentialsForRequestOptions<DidCommDifPresentationExchangeProofFormat>) {
    return super.getCredentialsForRequest(agentContext, { ...options, requestAttachment: withCompactTypeNames(options.requestAttachment) })
  }

  public override selectCredentialsForRequest(agentContext: AgentContext, options: DidCommProofFormatSelectCredentialsForRequestOptions<DidCommDifPresentationExchangeProofFormat>) {
    return super.selectCredentialsForRequest(agentContext, { ...options, requestAttachment: withCompactTypeNames(options.requestAttachment) })
  }

  public override acceptRequest(agentContext: AgentContext, options: DidCommProofFormatAcceptRequestOptions<DidCommDifPresentationExchangeProofFormat>): Promise<DidCommProofFormatCreateReturn> {
    return super.acceptRequest(agentContext, { ...options, requestAttachment: withCompactTypeNames(options.requestAttachment) })
  }

  public override shouldAutoRespondToRequest(agentContext: AgentContext, options: DidCommProofFormatAutoRespondRequestOptions): Promise<boolean> {
    return super.shouldAutoRespondToRequest(agentContext, { ...options, requestAttachment: withCompactTypeNames(options.requestAttachment) })
  }
}
