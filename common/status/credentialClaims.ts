import { W3cCredentialStatus } from '@credo-ts/core'
import type { BitstringPurpose } from './statuses'

/** The SD-JWT VC `status` claim (IETF Token Status List reference). */
export interface TokenStatusClaim {
  status_list: { idx: number; uri: string }
}

/** A W3C `credentialStatus` entry (Bitstring Status List v1.0 §2.1). */
export interface BitstringStatusListEntry {
  id: string
  type: 'BitstringStatusListEntry'
  statusPurpose: BitstringPurpose
  /** A decimal string, as the specification requires. */
  statusListIndex: string
  statusListCredential: string
}

export function tokenStatusClaim(allocation: { idx: number; uri: string }): TokenStatusClaim {
  return { status_list: { idx: allocation.idx, uri: allocation.uri } }
}

/** `statusListCredential` must be the URL published for `purpose` (see `StatusListService.bitstringUri`). */
export function bitstringStatusEntry(idx: number, statusListCredential: string, purpose: BitstringPurpose = 'revocation'): BitstringStatusListEntry {
  return { id: `${statusListCredential}#${idx}`, type: 'BitstringStatusListEntry', statusPurpose: purpose, statusListIndex: String(idx), statusListCredential }
}

/**
 * The entry as Credo's `W3cCredential` wants it. Credo's `W3cCredentialStatus` constructor keeps
 * only `id` and `type`; the other fields are set on the instance so they reach the signed JWT.
 * Credo's VCDM 1.1 model allows a single `credentialStatus`, so a W3C credential gets one purpose.
 */
export function w3cCredentialStatus(entry: BitstringStatusListEntry): W3cCredentialStatus {
  return Object.assign(new W3cCredentialStatus({ id: entry.id, type: entry.type }), entry)
}
