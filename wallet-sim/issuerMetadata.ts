import type { AgentContext } from '@credo-ts/core'
import { getOfferedCredentials, getOid4vcCallbacks, type OpenId4VcHolderApi, type OpenId4VciResolvedCredentialOffer } from '@credo-ts/openid4vc'
import { Openid4vciClient } from '@openid4vc/openid4vci'
import type { CachingFetch } from '@interop-lab/common/net/httpCache'

export type IssuerMetadata = OpenId4VciResolvedCredentialOffer['metadata']

/** A GET made while an issuer's metadata was resolved, and what it answered. */
interface FetchedDocument {
  url: string
  init: RequestInit
  status: number
  body: Buffer
}

/**
 * Issuer metadata (OID4VCI 1.0 §12.2, and RFC 8414 for its authorization servers) parsed once per credential issuer,
 * where Credo's holder fetches and parses it again for every offer. A parse is reused only while the documents it came
 * from answer the same bytes: each offer reads them again from the wallet's HTTP cache while their Cache-Control says
 * they are fresh (RFC 9111 §4.2), and fetches them again otherwise, so the wallet keeps what the issuer lets it keep
 * and sees changed metadata exactly when it would have without this. Signed metadata is never kept (it has its
 * own validity period). One keeper per holder agent, whose exchanges run one at a time; what it keeps is frozen, so no
 * exchange changes what a later one reads.
 */
export class IssuerMetadataKeeper {
  private readonly kept = new Map<string, { documents: FetchedDocument[]; metadata: IssuerMetadata }>()
  /** The documents fetched by the resolution under way. */
  private resolving?: FetchedDocument[]

  /** `fetchDocument`: the wallet's GETs, through its HTTP cache. */
  public constructor(private readonly fetchDocument: CachingFetch) {}

  /** The agent's GETs: `fetchDocument`, noting what a metadata resolution fetched. */
  public readonly fetch: typeof fetch = async (input, init) => {
    const response = await this.fetchDocument(input, init)
    const documents = this.resolving
    if (documents) {
      const url = input instanceof Request ? input.url : String(input)
      documents.push({ url, init: { method: init?.method, headers: init?.headers }, status: response.status, body: Buffer.from(await response.clone().arrayBuffer()) })
    }
    return response
  }

  /** The metadata of `credentialIssuer`: kept, or what `resolve` (Credo's resolution, its GETs through `fetch`) answers. */
  public async metadataOf(credentialIssuer: string, resolve: () => Promise<IssuerMetadata>): Promise<IssuerMetadata> {
    const kept = this.kept.get(credentialIssuer)
    if (kept && (await this.unchanged(kept.documents))) return kept.metadata
    this.kept.delete(credentialIssuer)
    const documents: FetchedDocument[] = []
    this.resolving = documents
    const metadata = await resolve().finally(() => {
      this.resolving = undefined
    })
    if (metadata.signedCredentialIssuer) return metadata
    this.kept.set(credentialIssuer, { documents, metadata: deepFreeze(metadata) })
    return metadata
  }

  private async unchanged(documents: FetchedDocument[]): Promise<boolean> {
    for (const document of documents) {
      // what the cache holds fresh is what a fetch would answer, read without building a response
      const fresh = document.status === 200 ? this.fetchDocument.freshBody(document.url) : undefined
      if (fresh) {
        if (!document.body.equals(Buffer.from(fresh))) return false
        continue
      }
      // a fetch failing now is Credo's to report: resolved again, not kept
      const response = await this.fetchDocument(document.url, document.init).catch(() => undefined)
      if (response?.status !== document.status || !document.body.equals(Buffer.from(await response.arrayBuffer()))) return false
    }
    return true
  }
}

/** A credential offer (OID4VCI 1.0 §4.1) resolved as Credo's holder resolves it, its issuer's metadata through `keeper`. */
export async function resolveCredentialOffer(
  agent: { context: AgentContext; openid4vc: { holder: OpenId4VcHolderApi } },
  offerUri: string,
  keeper: IssuerMetadataKeeper,
): Promise<OpenId4VciResolvedCredentialOffer> {
  const credentialOfferPayload = await new Openid4vciClient({ callbacks: getOid4vcCallbacks(agent.context) }).resolveCredentialOffer(offerUri)
  const issuer = credentialOfferPayload.credential_issuer
  const metadata = await keeper.metadataOf(issuer, () => agent.openid4vc.holder.resolveIssuerMetadata(issuer))
  const offeredCredentialConfigurations = getOfferedCredentials(credentialOfferPayload.credential_configuration_ids, metadata.knownCredentialConfigurations, { ignoreNotFoundIds: true })
  return { metadata, offeredCredentialConfigurations, credentialOfferPayload }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const property of Object.values(value)) deepFreeze(property)
  }
  return value
}
