import { type AgentContext, DidResolverService, isDid, type JsonObject, utils } from '@credo-ts/core'
import {
  DidCommAttachment,
  DidCommAttachmentData,
  type DidCommCredentialFormatAcceptOfferOptions,
  type DidCommCredentialFormatAcceptRequestOptions,
  type DidCommCredentialFormatAutoRespondCredentialOptions,
  type DidCommCredentialFormatAutoRespondRequestOptions,
  type DidCommCredentialFormatCreateReturn,
  type DidCommCredentialFormatProcessCredentialOptions,
  type DidCommJsonLdCredentialDetailFormat,
  type DidCommJsonLdCredentialFormat,
  DidCommJsonLdCredentialFormatService,
  type JsonLdFormatDataCredentialDetail,
  type JsonLdFormatDataCredentialDetailOptions,
} from '@credo-ts/didcomm'

type Subject = JsonObject

/** RFC 0593: a request's `proofPurpose` may be left out, and then means `assertionMethod`. */
export const DEFAULT_PROOF_PURPOSE = 'assertionMethod'

/** An attachment like `attachment`, carrying `json` instead. */
const attachmentWith = (attachment: DidCommAttachment, json: DidCommJsonLdCredentialDetailFormat | JsonLdFormatDataCredentialDetail) =>
  new DidCommAttachment({ id: attachment.id, mimeType: 'application/json', data: new DidCommAttachmentData({ json: json as unknown as JsonObject }) })

/** The request as RFC 0593 reads it: `proofPurpose` left out means `assertionMethod`. */
function withRfc0593Defaults(requestAttachment: DidCommAttachment): DidCommAttachment {
  const request = requestAttachment.getDataAsJson<JsonLdFormatDataCredentialDetail>()
  return attachmentWith(requestAttachment, { ...request, options: { ...request.options, proofPurpose: request.options.proofPurpose ?? DEFAULT_PROOF_PURPOSE } })
}

const statusTypeOf = (status: unknown) => (status && typeof status === 'object' ? (status as { type?: unknown }).type : undefined)

/**
 * RFC 0593 `credentialStatus`: a credential carries a status only when the options announce its type. ACA-Py
 * refuses a status it was not told of ("credential status does not match credential request"); the lab refuses it
 * too, naming the clause.
 */
export function credentialStatusMismatch(credential: object, options: JsonLdFormatDataCredentialDetailOptions): string | undefined {
  const carried = statusTypeOf((credential as { credentialStatus?: unknown }).credentialStatus)
  const announced = options.credentialStatus?.type
  if (carried === announced) return undefined
  if (announced === undefined) return `RFC 0593: credentialStatus not in offer options (the credential carries a ${String(carried)})`
  if (carried === undefined) return `RFC 0593: the options announce a ${announced} credentialStatus, and the credential carries none`
  return `RFC 0593: the options announce a ${announced} credentialStatus, and the credential carries a ${String(carried)}`
}

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

  public override async acceptOffer(agentContext: AgentContext, options: DidCommCredentialFormatAcceptOfferOptions<DidCommJsonLdCredentialFormat>): Promise<DidCommCredentialFormatCreateReturn> {
    const accepted = await super.acceptOffer(agentContext, options)
    const holderDid = this.holderDid?.()
    if (!holderDid) return accepted
    const offered = accepted.attachment.getDataAsJson<DidCommJsonLdCredentialDetailFormat>()
    const offeredId = subjectOf(offered).id
    if (offeredId !== undefined && offeredId !== holderDid) throw new Error(`The offer is bound to ${String(offeredId)}, not to this holder`)
    return { format: accepted.format, attachment: attachmentWith(accepted.attachment, withSubjectId(offered, holderDid)) }
  }

  public override async shouldAutoRespondToRequest(agentContext: AgentContext, options: DidCommCredentialFormatAutoRespondRequestOptions): Promise<boolean> {
    const offer = options.offerAttachment.getDataAsJson<DidCommJsonLdCredentialDetailFormat>()
    const request = options.requestAttachment.getDataAsJson<DidCommJsonLdCredentialDetailFormat>()
    const holderDid = subjectOf(request).id
    if (subjectOf(offer).id !== undefined || typeof holderDid !== 'string' || !isDid(holderDid)) return super.shouldAutoRespondToRequest(agentContext, options)
    return utils.areObjectsEqual(offer, withSubjectId(request, undefined))
  }

  /**
   * Issues what was asked for. RFC 0593 `credentialStatus` is honoured where Credo refuses the option: the
   * credential already carries the status entry of the announced type, so it is signed as it is.
   */
  public override async acceptRequest(agentContext: AgentContext, options: DidCommCredentialFormatAcceptRequestOptions<DidCommJsonLdCredentialFormat>): Promise<DidCommCredentialFormatCreateReturn> {
    const request = options.requestAttachment.getDataAsJson<JsonLdFormatDataCredentialDetail>()
    const mismatch = credentialStatusMismatch(request.credential, request.options)
    if (mismatch) throw new Error(mismatch)
    const { credentialStatus: _announced, ...signingOptions } = request.options
    const verificationMethod = options.credentialFormats?.jsonld?.verificationMethod ?? (await assertionMethodOf(agentContext, request.credential.issuer))
    return super.acceptRequest(agentContext, {
      ...options,
      requestAttachment: attachmentWith(options.requestAttachment, { ...request, options: signingOptions }),
      credentialFormats: { jsonld: { verificationMethod } },
    })
  }

  /**
   * Stores a received credential after Credo's checks, read with RFC 0593's defaults: a request without
   * `proofPurpose` asked for `assertionMethod`; a status the options did not announce is refused.
   */
  public override async processCredential(agentContext: AgentContext, options: DidCommCredentialFormatProcessCredentialOptions): Promise<void> {
    const request = options.requestAttachment.getDataAsJson<JsonLdFormatDataCredentialDetail>()
    const mismatch = credentialStatusMismatch(options.attachment.getDataAsJson<object>(), request.options)
    if (mismatch) throw new Error(mismatch)
    return super.processCredential(agentContext, { ...options, requestAttachment: withRfc0593Defaults(options.requestAttachment) })
  }

  /** Acknowledged automatically when it is what was asked for, read with RFC 0593's defaults as above. */
  public override async shouldAutoRespondToCredential(agentContext: AgentContext, options: DidCommCredentialFormatAutoRespondCredentialOptions): Promise<boolean> {
    return super.shouldAutoRespondToCredential(agentContext, { ...options, requestAttachment: withRfc0593Defaults(options.requestAttachment) })
  }
}
