import { CONTEXTS, type DocumentLoader } from '@interop-lab/common/jsonld'
import { encodeBitstring } from '@interop-lab/common/status'
import { BITSTRING_PURPOSE_STATUS, type BitstringPurpose, TOKEN_STATUS_CODES } from '@interop-lab/common/status/statuses'
import { addDataIntegrityProof, eddsaRdfc2022, type JsonObject, signJoseEnvelope } from '@interop-lab/common/vc2'
import type { StatusListRecord, StatusListService } from '../status'
import type { VcApiIssuers } from './issuers'

const PURPOSES: readonly BitstringPurpose[] = ['revocation', 'suspension']
const LIST_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-(revocation|suspension)$/
// How long a published list credential stays valid; it is re-signed on every change anyway.
const VALIDITY_SECONDS = 86_400

/** `GET /status-lists/{id}` serves one purpose of one of our lists; `id` is `<list uuid>-<purpose>`. */
export function parseStatusListId(id: string): { listId: string; purpose: BitstringPurpose } | undefined {
  const match = LIST_ID.exec(id)
  return match ? { listId: match[1], purpose: match[2] as BitstringPurpose } : undefined
}

/** How a published list is secured: a Data Integrity proof (JSON) or a VC-JOSE JWS (application/vc+jwt). */
export type StatusListSecuring = 'data-integrity' | 'vc-jose'

interface Published {
  version: number
  credential: JsonObject | string
  reuseUntil: number
}

/**
 * The VC 2.0 view of our status lists: a BitstringStatusListCredential per purpose, issued by the
 * list issuer's did:key (the same key that signs the lab's VC-JWT lists) and secured with
 * eddsa-rdfc-2022 or, when asked for, as a VC-JOSE JWS.
 */
export class StatusListCredentials {
  private readonly published = new Map<string, Published>()

  public constructor(
    private readonly status: StatusListService,
    private readonly issuers: VcApiIssuers,
    private readonly baseUrl: string,
    private readonly documentLoader: DocumentLoader,
  ) {}

  public url(listId: string, purpose: BitstringPurpose): string {
    return `${this.baseUrl}/status-lists/${listId}-${purpose}`
  }

  /** The list and purpose behind one of our status list URLs. */
  public parseUrl(url: string): { listId: string; purpose: BitstringPurpose } | undefined {
    const prefix = `${this.baseUrl}/status-lists/`
    return url.startsWith(prefix) ? parseStatusListId(url.slice(prefix.length)) : undefined
  }

  public purposes(): readonly BitstringPurpose[] {
    return PURPOSES
  }

  /** The signed list credential (a JSON object, or a compact JWS for vc-jose), or undefined when the list is not ours. */
  public async credential(listId: string, purpose: BitstringPurpose, securing: StatusListSecuring = 'data-integrity'): Promise<JsonObject | string | undefined> {
    const list = await this.status.store.findList(listId)
    const signer = list && this.issuers.find(list.issuer)
    if (!list || !signer) return undefined
    const key = `${listId}:${purpose}:${securing}`
    const cached = this.published.get(key)
    if (cached && cached.version === list.version && Date.now() < cached.reuseUntil) return cached.credential
    const { didKey } = signer.issuer
    const unsecured = await this.unsecured(list, purpose, didKey.did)
    const credential =
      securing === 'vc-jose'
        ? await signJoseEnvelope(unsecured, 'credential', didKey.verificationMethod, didKey.signer)
        : await addDataIntegrityProof(unsecured, eddsaRdfc2022, { verificationMethod: didKey.verificationMethod, proofPurpose: 'assertionMethod' }, didKey.signer, this.documentLoader)
    this.published.set(key, { version: list.version, credential, reuseUntil: Date.now() + this.status.ttlSeconds * 1000 })
    return credential
  }

  private async unsecured(list: StatusListRecord, purpose: BitstringPurpose, issuer: string): Promise<JsonObject> {
    const code = TOKEN_STATUS_CODES[BITSTRING_PURPOSE_STATUS[purpose]]
    const setIndexes: number[] = []
    ;(await this.status.store.statusCodes(list)).forEach((value, index) => value === code && setIndexes.push(index))
    const url = this.url(list.id, purpose)
    const now = Date.now()
    return {
      '@context': [CONTEXTS.credentialsV2],
      id: url,
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer,
      validFrom: toSeconds(now),
      validUntil: toSeconds(now + VALIDITY_SECONDS * 1000),
      credentialSubject: {
        id: `${url}#list`,
        type: 'BitstringStatusList',
        statusPurpose: purpose,
        encodedList: encodeBitstring(setIndexes, list.size),
        ttl: this.status.ttlSeconds * 1000,
      },
    }
  }
}

const toSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
