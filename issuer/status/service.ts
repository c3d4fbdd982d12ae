import type { Database } from '@interop-lab/common/db'
import { ChangeFeed } from '@interop-lab/common/net/changeFeed'
import type { JwtSign } from './signer'
import { BITSTRING_PURPOSE_STATUS, type BitstringPurpose, type CredentialStatus, TOKEN_STATUS_CODES } from '@interop-lab/common/status/statuses'
import { type NewStatusList, type StatusEntry, StatusListError, type StatusListRecord, StatusListStore } from './store'
import { bitstringStatusListCredentialClaims, STATUS_LIST_JWT_TYP, statusListTokenClaims, type Validity } from '@interop-lab/common/status/tokens'

/**
 * How a published Status List Token is signed, as the credentials pointing at it are (the token must be verifiable the
 * way its credentials are): `did` by the list's DID key; `x509` by the issuer's X.509 certificate, `mdoc` by its mdoc
 * document signer, each with its chain in `x5c` and `iss` the issuer URL the certificate names.
 */
export const STATUS_LIST_SIGNINGS = ['did', 'x509', 'mdoc'] as const
export type StatusListSigning = (typeof STATUS_LIST_SIGNINGS)[number]

/** A signer under X.509 for a list: the JWT signer (its header carries `x5c`) and the issuer URL its certificate names. */
export interface X509StatusListSigner {
  sign: JwtSign
  issuer: string
}

export interface StatusListServiceOptions {
  db: Database
  /** The public URL of the app that mounts `createStatusRouter` (credentials carry URLs under it). */
  baseUrl: string
  /** The signer for a list's key; the list must be signed by the key that signs its credentials. */
  signerFor(list: StatusListRecord): JwtSign | Promise<JwtSign>
  /** The signer of the list's token under X.509 (`x509`, `mdoc`); without it only the DID-signed token is published. */
  x509SignerFor?(list: StatusListRecord, signing: Exclude<StatusListSigning, 'did'>): Promise<X509StatusListSigner>
  /** How long relying parties may cache a published list (default 300 s). */
  ttlSeconds?: number
  /** How long a signed list stays valid (default one day); it is re-signed on every change anyway. */
  validitySeconds?: number
}

/** Where one credential's status is published. */
export interface StatusAllocation {
  listId: string
  idx: number
  credentialRef: string | null
  /** The IETF Status List Token; an SD-JWT VC carries `status: { status_list: { idx, uri } }`. */
  uri: string
  /** The same token by how it is signed (`did`: `uri`); a credential points at the one signed as it is. */
  tokenUris: Record<StatusListSigning, string>
  /** The W3C revocation list credential; a W3C JWT VC carries a `BitstringStatusListEntry` for it. */
  bitstringUri: string
}

interface Published {
  version: number
  token: string
  reuseUntil: number
}

/**
 * Status lists an issuer publishes: one index per credential, shown as an IETF Token Status List
 * (all statuses) and as W3C Bitstring Status List credentials (one per purpose).
 */
export class StatusListService {
  public readonly store: StatusListStore
  private readonly baseUrl: string
  /** How long relying parties may cache a published list, in seconds. */
  public readonly ttlSeconds: number
  private readonly validitySeconds: number
  private readonly published = new Map<string, Published>()
  /** Every status change, to the verifiers keeping this issuer's lists (GET /status/changes). */
  public readonly changes = new ChangeFeed()

  public constructor(private readonly options: StatusListServiceOptions) {
    this.store = new StatusListStore(options.db)
    this.baseUrl = options.baseUrl.replace(/\/+$/, '')
    this.ttlSeconds = options.ttlSeconds ?? 300
    this.validitySeconds = options.validitySeconds ?? 86_400
  }

  public tokenUri(listId: string, signing: StatusListSigning = 'did'): string {
    const base = `${this.baseUrl}/status/token/${encodeURIComponent(listId)}`
    return signing === 'did' ? base : `${base}/${signing}`
  }

  public bitstringUri(listId: string, purpose: BitstringPurpose = 'revocation'): string {
    const base = `${this.baseUrl}/status/bitstring/${encodeURIComponent(listId)}`
    return purpose === 'revocation' ? base : `${base}/${purpose}`
  }

  public createList(list: NewStatusList): Promise<StatusListRecord> {
    return this.store.createList(list)
  }

  public async allocate(listId: string, credentialRef?: string): Promise<StatusAllocation> {
    return this.toAllocation(await this.store.allocate(listId, credentialRef))
  }

  /** Changes a status; returns once the verifiers keeping this issuer's lists (subscribed to `changes`) dropped them. */
  public async setStatus(listId: string, idx: number, status: CredentialStatus): Promise<StatusEntry> {
    const entry = await this.store.setStatus(listId, idx, status)
    await this.changes.publish()
    return entry
  }

  public getStatus(listId: string, idx: number): Promise<StatusEntry> {
    return this.store.getEntry(listId, idx)
  }

  /** Every index a credential holds (the issuer finds them from its own reference when a record is corrected). */
  public async allocationsFor(credentialRef: string): Promise<Array<StatusAllocation & { status: CredentialStatus }>> {
    return (await this.store.entriesForCredential(credentialRef)).map((entry) => ({ ...this.toAllocation(entry), status: entry.status }))
  }

  /** The signed `statuslist+jwt` for the list, signed as `signing` says. */
  public async statusListToken(listId: string, signing: StatusListSigning = 'did'): Promise<string> {
    const list = await this.store.getList(listId)
    const { x509SignerFor } = this.options
    if (signing !== 'did' && !x509SignerFor) throw new StatusListError('not-found', 'unknown_status_list', `Status list ${listId} is not published under X.509 by this service`)
    return this.publish(`token:${signing}:${listId}`, list, async (validity) => {
      const { sign, issuer } = signing === 'did' ? { sign: await this.options.signerFor(list), issuer: list.issuer } : await x509SignerFor!(list, signing)
      const claims = statusListTokenClaims({ ...validity, uri: this.tokenUri(listId, signing), issuer, codes: await this.store.statusCodes(list), bits: list.bitsPerStatus })
      return sign({ typ: STATUS_LIST_JWT_TYP }, claims)
    })
  }

  /** The signed Bitstring Status List credential (VC-JWT) for one purpose of the list. */
  public async bitstringStatusListCredential(listId: string, purpose: BitstringPurpose = 'revocation'): Promise<string> {
    const list = await this.store.getList(listId)
    const code = TOKEN_STATUS_CODES[BITSTRING_PURPOSE_STATUS[purpose]]
    return this.publish(`bitstring:${purpose}:${listId}`, list, async (validity) => {
      const codes = await this.store.statusCodes(list)
      const setIndexes: number[] = []
      codes.forEach((value, index) => value === code && setIndexes.push(index))
      return (await this.options.signerFor(list))(
        { typ: 'JWT' },
        bitstringStatusListCredentialClaims({ ...validity, url: this.bitstringUri(listId, purpose), issuer: list.issuer, purpose, setIndexes, length: list.size }),
      )
    })
  }

  /** Re-signs only when a status changed or relying parties' cache time has run out. */
  private async publish(key: string, list: StatusListRecord, sign: (validity: Validity) => Promise<string>): Promise<string> {
    const cached = this.published.get(key)
    if (cached && cached.version === list.version && Date.now() < cached.reuseUntil) return cached.token
    const issuedAt = Math.floor(Date.now() / 1000)
    const token = await sign({ issuedAt, validitySeconds: this.validitySeconds, ttlSeconds: this.ttlSeconds })
    this.published.set(key, { version: list.version, token, reuseUntil: (issuedAt + this.ttlSeconds) * 1000 })
    return token
  }

  private toAllocation(entry: StatusEntry): StatusAllocation {
    const tokenUris = Object.fromEntries(STATUS_LIST_SIGNINGS.map((signing) => [signing, this.tokenUri(entry.listId, signing)])) as Record<StatusListSigning, string>
    return { listId: entry.listId, idx: entry.idx, credentialRef: entry.credentialRef, uri: tokenUris.did, tokenUris, bitstringUri: this.bitstringUri(entry.listId) }
  }
}
