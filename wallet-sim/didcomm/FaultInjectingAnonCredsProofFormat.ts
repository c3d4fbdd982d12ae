import { type AnonCredsDidCommProofFormat, AnonCredsDidCommProofFormatService, type AnonCredsProof, type AnonCredsProofRequest } from '@credo-ts/anoncreds'
import type { AgentContext } from '@credo-ts/core'
import {
  DidCommAttachment,
  DidCommAttachmentData,
  type DidCommProofFormatAcceptRequestOptions,
  type DidCommProofFormatCreateReturn,
  type DidCommProofFormatSelectCredentialsForRequestOptions,
  type DidCommProofFormatSelectCredentialsForRequestReturn,
} from '@credo-ts/didcomm'
import { AnonCredsInputError, selectFromOneCredential } from '@interop-lab/common/anoncreds'

/** Gets the proof Credo built for a request and returns what is sent instead (itself, when no fault applies). */
export type AnonCredsProofTransform = (proof: AnonCredsProof, request: AnonCredsProofRequest) => Promise<AnonCredsProof>

/** A request this wallet's credentials match, except for a predicate they do not satisfy. */
export class UnsatisfiedPredicateError extends AnonCredsInputError {}

/**
 * Credo's AnonCreds proof format as a holder: each request is answered from one credential (what the WASM prover
 * can prove), and the proof passes through `transform` on its way out.
 */
export class FaultInjectingAnonCredsProofFormat extends AnonCredsDidCommProofFormatService {
  public constructor(private readonly transform: AnonCredsProofTransform) {
    super()
  }

  public override async selectCredentialsForRequest(
    agentContext: AgentContext,
    { requestAttachment }: DidCommProofFormatSelectCredentialsForRequestOptions<AnonCredsDidCommProofFormat>,
  ): Promise<DidCommProofFormatSelectCredentialsForRequestReturn<AnonCredsDidCommProofFormat>> {
    const request = requestAttachment.getDataAsJson<AnonCredsProofRequest>()
    try {
      return await selectFromOneCredential(agentContext, request)
    } catch (error) {
      // the credential is there but its values do not satisfy a predicate: say which, not just "no credential"
      const withoutPredicates = await selectFromOneCredential(agentContext, { ...request, requested_predicates: {} }).catch(() => undefined)
      if (!withoutPredicates) throw error
      const predicates = Object.values(request.requested_predicates).map((p) => `${p.name} ${p.p_type} ${p.p_value}`)
      throw new UnsatisfiedPredicateError(`The credential held does not satisfy the predicate(s) asked for: ${predicates.join(', ')}`)
    }
  }

  public override async acceptRequest(agentContext: AgentContext, options: DidCommProofFormatAcceptRequestOptions<AnonCredsDidCommProofFormat>): Promise<DidCommProofFormatCreateReturn> {
    const built = await super.acceptRequest(agentContext, options)
    const proof = built.attachment.getDataAsJson<AnonCredsProof>()
    const sent = await this.transform(proof, options.requestAttachment.getDataAsJson<AnonCredsProofRequest>())
    if (sent === proof) return built
    const attachment = new DidCommAttachment({
      id: built.attachment.id,
      mimeType: 'application/json',
      data: new DidCommAttachmentData({ base64: Buffer.from(JSON.stringify(sent)).toString('base64') }),
    })
    return { format: built.format, attachment }
  }
}
