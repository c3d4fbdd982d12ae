import type { AgentContext, JsonObject } from '@credo-ts/core'
import {
  DidCommAttachment,
  DidCommAttachmentData,
  type DidCommDifPresentationExchangeProofFormat,
  type DidCommProofFormatAcceptRequestOptions,
  type DidCommProofFormatCreateReturn,
} from '@credo-ts/didcomm'
import { LabPresentationExchangeFormatService } from '@interop-lab/common/didcomm/LabPresentationExchangeFormatService'

/** The request's options a presentation answers. */
export interface PresentationRequestOptions {
  challenge: string
  domain?: string
}

/** Gets the presentation Credo built and returns what is sent instead (itself, when no fault applies). */
export type PresentationTransform = (agentContext: AgentContext, presentation: JsonObject, request: PresentationRequestOptions) => Promise<JsonObject>

/** DIF Presentation Exchange as the lab does it, with the presentation passed through `transform` on its way out. */
export class FaultInjectingPresentationFormat extends LabPresentationExchangeFormatService {
  public constructor(private readonly transform: PresentationTransform) {
    super()
  }

  public override async acceptRequest(agentContext: AgentContext, options: DidCommProofFormatAcceptRequestOptions<DidCommDifPresentationExchangeProofFormat>): Promise<DidCommProofFormatCreateReturn> {
    const built = await super.acceptRequest(agentContext, options)
    const presentation = built.attachment.getDataAsJson<JsonObject | string>()
    if (typeof presentation !== 'object') return built
    const { options: request } = options.requestAttachment.getDataAsJson<{ options?: Partial<PresentationRequestOptions> }>()
    const sent = await this.transform(agentContext, presentation, { challenge: String(request?.challenge ?? ''), domain: request?.domain })
    if (sent === presentation) return built
    const attachment = new DidCommAttachment({ id: built.attachment.id, mimeType: 'application/json', data: new DidCommAttachmentData({ json: sent }) })
    return { format: built.format, attachment }
  }
}
