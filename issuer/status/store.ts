import { randomInt, randomUUID } from 'node:crypto'
import type { Database } from '@interop-lab/common/db'
import { DomainError } from '@interop-lab/common/errors'
import { CREDENTIAL_STATUSES, type CredentialStatus, TOKEN_STATUS_CODES } from '@interop-lab/common/status/statuses'

/** Why the status store refused, by check; the HTTP edge answers it as a problem, its status from the kind. */
export type StatusListErrorCode =
  | 'invalid_list_size'
  | 'invalid_bits_per_status'
  | 'unknown_status_list'
  | 'status_list_full'
  | 'unknown_status_entry'
  | 'invalid_status'
  | 'suspension_not_supported'
  | 'status_final'
export class StatusListError extends DomainError<StatusListErrorCode> {}

export interface StatusListRecord {
  id: string
  /** The DID that signs the list; it must be the issuer of every credential pointing at it. */
  issuer: string
  /** The verification method (DID URL) whose key signs the list. */
  kid: string
  /** How many indexes the list holds. */
  size: number
  /** 1 bit records valid/revoked; 2 bits also record suspended (IETF 0x02). */
  bitsPerStatus: 1 | 2
  /** Goes up with every status change, so a published list can be reused until then. */
  version: number
  createdAt: string
}

export interface StatusEntry {
  listId: string
  idx: number
  credentialRef: string | null
  status: CredentialStatus
  updatedAt: string
}

export interface NewStatusList {
  issuer: string
  kid: string
  size?: number
  bitsPerStatus?: 1 | 2
}

export const DEFAULT_LIST_SIZE = 131_072
const MAX_LIST_SIZE = 1 << 22
// Random picks that hit a taken index before falling back to choosing among the free ones.
const RANDOM_ATTEMPTS = 16

interface ListRow extends Record<string, unknown> {
  id: string
  issuer: string
  kid: string
  size: number
  bits_per_status: number
  version: number
  created_at: string
}

interface EntryRow extends Record<string, unknown> {
  list_id: string
  idx: number
  credential_ref: string | null
  status: string
  updated_at: string
}

const toList = (row: ListRow): StatusListRecord => ({
  id: row.id,
  issuer: row.issuer,
  kid: row.kid,
  size: Number(row.size),
  bitsPerStatus: Number(row.bits_per_status) as 1 | 2,
  version: Number(row.version),
  createdAt: row.created_at,
})

const toEntry = (row: EntryRow): StatusEntry => ({
  listId: row.list_id,
  idx: Number(row.idx),
  credentialRef: row.credential_ref,
  status: row.status as CredentialStatus,
  updatedAt: row.updated_at,
})

/** Status lists and their entries in our database; indexes are handed out at random and never reused. */
export class StatusListStore {
  /** Lists' sizes, read once: a list keeps its size for good (no statement changes it), in every process sharing the database. */
  private readonly sizes = new Map<string, number>()

  public constructor(private readonly db: Database) {}

  public async createList({ issuer, kid, size = DEFAULT_LIST_SIZE, bitsPerStatus = 2 }: NewStatusList): Promise<StatusListRecord> {
    if (!Number.isInteger(size) || size < 8 || size > MAX_LIST_SIZE || size % 8 !== 0)
      throw new StatusListError('invalid', 'invalid_list_size', `A status list size must be a multiple of 8 between 8 and ${MAX_LIST_SIZE}; got ${size}`)
    if (bitsPerStatus !== 1 && bitsPerStatus !== 2) throw new StatusListError('invalid', 'invalid_bits_per_status', 'bitsPerStatus must be 1 or 2')
    const list: StatusListRecord = { id: randomUUID(), issuer, kid, size, bitsPerStatus, version: 0, createdAt: new Date().toISOString() }
    await this.db.run('INSERT INTO status_lists (id, issuer, kid, size, bits_per_status, version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      list.id,
      issuer,
      kid,
      size,
      bitsPerStatus,
      0,
      list.createdAt,
    ])
    return list
  }

  public async findList(listId: string): Promise<StatusListRecord | undefined> {
    const [row] = await this.db.query<ListRow>('SELECT * FROM status_lists WHERE id = ?', [listId])
    return row ? toList(row) : undefined
  }

  public async getList(listId: string): Promise<StatusListRecord> {
    const list = await this.findList(listId)
    if (!list) throw new StatusListError('not-found', 'unknown_status_list', `No status list ${listId}`)
    return list
  }

  public async listsOf(issuer: string): Promise<StatusListRecord[]> {
    return (await this.db.query<ListRow>('SELECT * FROM status_lists WHERE issuer = ? ORDER BY created_at, id', [issuer])).map(toList)
  }

  /** Takes an unused index at random, so a credential's index says nothing about when it was issued. */
  public async allocate(listId: string, credentialRef?: string): Promise<StatusEntry> {
    const size = this.sizes.get(listId) ?? (await this.getList(listId)).size
    this.sizes.set(listId, size)
    const tryTake = async (idx: number): Promise<StatusEntry | undefined> => {
      const entry: StatusEntry = { listId, idx, credentialRef: credentialRef ?? null, status: 'valid', updatedAt: new Date().toISOString() }
      const taken = await this.db.run(
        `INSERT INTO status_entries (list_id, idx, credential_ref, status, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (list_id, idx) DO NOTHING`,
        [listId, idx, entry.credentialRef, entry.status, entry.updatedAt],
      )
      return taken ? entry : undefined
    }
    for (let attempt = 0; attempt < RANDOM_ATTEMPTS; attempt++) {
      const entry = await tryTake(randomInt(size))
      if (entry) return entry
    }
    // The list is filling up: choose among the indexes still free.
    for (;;) {
      const used = new Set((await this.db.query<{ idx: number }>('SELECT idx FROM status_entries WHERE list_id = ?', [listId])).map((r) => Number(r.idx)))
      const free: number[] = []
      for (let idx = 0; idx < size; idx++) if (!used.has(idx)) free.push(idx)
      if (!free.length) throw new StatusListError('conflict', 'status_list_full', `Status list ${listId} has no free index left; create a new list`)
      const entry = await tryTake(free[randomInt(free.length)])
      if (entry) return entry
    }
  }

  public async getEntry(listId: string, idx: number): Promise<StatusEntry> {
    const [row] = await this.db.query<EntryRow>('SELECT * FROM status_entries WHERE list_id = ? AND idx = ?', [listId, idx])
    if (!row) throw new StatusListError('not-found', 'unknown_status_entry', `Index ${idx} of status list ${listId} was never allocated`)
    return toEntry(row)
  }

  public async entriesForCredential(credentialRef: string): Promise<StatusEntry[]> {
    return (await this.db.query<EntryRow>('SELECT * FROM status_entries WHERE credential_ref = ? ORDER BY list_id, idx', [credentialRef])).map(toEntry)
  }

  /** Revoked is final (IETF 0x01 INVALID, W3C revocation); suspended needs a 2-bit list. */
  public async setStatus(listId: string, idx: number, status: CredentialStatus): Promise<StatusEntry> {
    return this.db.transaction(async (tx) => {
      const store = new StatusListStore(tx)
      const list = await store.getList(listId)
      if (!CREDENTIAL_STATUSES.includes(status)) throw new StatusListError('invalid', 'invalid_status', `Status must be valid, revoked or suspended; got ${String(status)}`)
      if (status === 'suspended' && list.bitsPerStatus < 2)
        throw new StatusListError('invalid', 'suspension_not_supported', `Status list ${listId} has 1 bit per status and can only record valid or revoked`)
      const entry = await store.getEntry(listId, idx)
      if (entry.status === status) return entry
      const updatedAt = new Date().toISOString()
      const changed = await tx.run("UPDATE status_entries SET status = ?, updated_at = ? WHERE list_id = ? AND idx = ? AND status <> 'revoked'", [status, updatedAt, listId, idx])
      if (!changed) throw new StatusListError('conflict', 'status_final', `Index ${idx} of status list ${listId} is revoked; revocation cannot be undone`)
      await tx.run('UPDATE status_lists SET version = version + 1 WHERE id = ?', [listId])
      return { ...entry, status, updatedAt }
    })
  }

  /** Every index's IETF status code (0 where nothing was allocated). */
  public async statusCodes(list: StatusListRecord): Promise<Uint8Array> {
    const codes = new Uint8Array(list.size)
    const rows = await this.db.query<{ idx: number; status: string }>("SELECT idx, status FROM status_entries WHERE list_id = ? AND status <> 'valid'", [list.id])
    for (const row of rows) codes[Number(row.idx)] = TOKEN_STATUS_CODES[row.status as CredentialStatus]
    return codes
  }
}
