import { type AgentContext, DidResolverService, isDid, type JsonObject, utils } from '@credo-ts/core'
import {
  DidCommAttachment,
  DidCommAttachmentData,
  type DidCommCredentialFormatAcceptOfferOptions,
  type DidCommCredentialFormatAcceptRequestOptions,
  type DidCommCredentialFormatAutoRespondRequestOptions,
  type DidCommCredentialFormatCreateReturn,
  type DidCommJsonLdCredentialDetailFormat,
  type DidCommJsonLdCredentialFormat,
  DidCommJsonLdCredentialFormatService,
} from '@credo-ts/didcomm'

type Subject = JsonObject

const subjectOf = (detail: DidCommJsonLdCredentialDetailFormat): Subject => {
  const subject = detail.credential.credentialSubject
  if (Array.isArray(subject)) throw new Error('A lab credential has exactly one credentialSubject')
  return subject as Subject
}

const withSubjectId = (detail: DidCommJsonLdCredentialDetailFormat, id: string | undefined): DidCommJsonLdCredentialDetailFormat => {
  const { id: _previous, ...claims } = subjectOf(detail)
  return { ...detail, credential: { ...detail.credential, credentialSubject: id === undefined ? claims : { id, ...claims } } }
}

/** The issuer DID's first assertion key: Credo would look for a key type by proof type, which a did:jwk does not list. */
async function assertionMethodOf(agentContext: AgentContext, issuer: DidCommJsonLdCredentialDetailFormat['credential']['issuer']): Promise<string> {
  const did = typeof issuer === 'string' ? issuer : issuer.id
  const document = await agentContext.dependencyManager.resolve(DidResolverService).resolveDidDocument(agentContext, did)
  const [first] = document.assertionMethod ?? []
  if (!first) throw new Error(`Issuer ${did} has no assertion key`)
  const id = typeof first === 'string' ? first : first.id
  return id.startsWith('#') ? `${did}${id}` : id
}

/**
 * Issue-credential v2 with W3C JSON-LD credentials (RFC 0593) where the issuer offers to whoever accepts
 * (an out-of-band invitation) and the holder names itself: the holder's request carries its DID as
 * `credentialSubject.id`, and the issuer issues automatically only when that is the one difference
 * from its offer. Credo's own service requires the request to equal the offer.
 */
export class HolderBoundJsonLdFormatService extends DidCommJsonLdCredentialFormatService {
  /** @param holderDid the DID a holder binds credentials to; absent on an issuer. */
  public constructor(private readonly holderDid?: () => string | undefined) {
    super()
  }

  public override async acceptOffer(
    agentContext: AgentContext,
    options: DidCommCredentialFormatAcceptOfferOptions<DidCommJsonLdCredentialFormat>,
  ): Promise<DidCommCredentialFormatCreateReturn> {
    const accepted = await super.acceptOffer(agentContext, options)
    const holderDid = this.holderDid?.()
    if (!holderDid) return accepted
    const offered = accepted.attachment.getDataAsJson<DidCommJsonLdCredentialDetailFormat>()
    const offeredId = subjectOf(offered).id
    if (offeredId !== undefined && offeredId !== holderDid) throw new Error(`The offer is bound to ${String(offeredId)}, not to this holder`)
    const attachment = new DidCommAttachment({
      id: accepted.attachment.id,
      mimeType: 'application/json',
      data: new DidCommAttachmentData({ json: withSubjectId(offered, holderDid) as unknown as JsonObject }),
    })
    return { format: accepted.format, attachment }
  }

  public override async shouldAutoRespondToRequest(agentContext: AgentContext, options: DidCommCredentialFormatAutoRespondRequestOptions): Promise<boolean> {
    const offer = options.offerAttachment.getDataAsJson<DidCommJsonLdCredentialDetailFormat>()
    const request = options.requestAttachment.getDataAsJson<DidCommJsonLdCredentialDetailFormat>()
    const holderDid = subjectOf(request).id
    if (subjectOf(offer).id !== undefined || typeof holderDid !== 'string' || !isDid(holderDid)) return super.shouldAutoRespondToRequest(agentContext, options)
    return utils.areObjectsEqual(offer, withSubjectId(request, undefined))
  }

  public override async acceptRequest(
    agentContext: AgentContext,
    options: DidCommCredentialFormatAcceptRequestOptions<DidCommJsonLdCredentialFormat>,
  ): Promise<DidCommCredentialFormatCreateReturn> {
    const request = options.requestAttachment.getDataAsJson<DidCommJsonLdCredentialDetailFormat>()
    const verificationMethod = options.credentialFormats?.jsonld?.verificationMethod ?? (await assertionMethodOf(agentContext, request.credential.issuer))
    return super.acceptRequest(agentContext, { ...options, credentialFormats: { jsonld: { verificationMethod } } })
  }
}
