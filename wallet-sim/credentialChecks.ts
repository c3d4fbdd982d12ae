import type { SdJwtVcRecord, W3cCredentialRecord } from '@credo-ts/core'
import { loadCredentialTypes } from '@interop-lab/common/credentialTypes'
import { federatedAnchors } from '@interop-lab/trust-registry/client'
import { resolveFederatedTrust } from '@interop-lab/trust-registry/federation'
import { checkIssuerChain, type ReceivedChain } from './x509Trust'
import { memoryKeyPin } from '@interop-lab/trust-registry/keyPin'

/**
 * What the wallet checks of a credential it received over OID4VCI, beyond the signature and validity period Credo
 * verifies, before it keeps it (OID4VCI 1.0 §8.3): it is the type that was offered, bound to this holder's key, and,
 * when the wallet knows a trust registry, from an issuer the registry authorizes for that type.
 */

const types = [...loadCredentialTypes().values()]
/** The registry's signing key, pinned on first use as the verifier does: a changed key is refused, not trusted. */
export const registryKeyPin = memoryKeyPin()

/** What was offered for one credential configuration: an SD-JWT VC's vct, an mdoc's doctype, or a W3C credential's types. */
export interface OfferedConfiguration {
  format?: string
  vct?: string
  /** An mdoc's doctype (ISO 18013-5). */
  doctype?: string
  credential_definition?: { type?: string[] }
}

export interface ReceivedCredential {
  issuer: string
  /** The vct, the doctype, or the W3C types. */
  types: string[]
  /** The key or DID the credential is bound to (cnf.kid / cnf.jwk thumbprint / credentialSubject.id). */
  boundTo?: string
  jurisdiction?: string
  /** An X.509-signed credential's certificate chain, judged against the trust registry's anchors. */
  x509?: ReceivedChain
}

/** A received SD-JWT VC or W3C credential as its record parses it (`firstCredential`, a parse on every read). */
export type ParsedCredential = SdJwtVcRecord['firstCredential'] | W3cCredentialRecord['firstCredential']

export function received(record: SdJwtVcRecord | W3cCredentialRecord, parsed: ParsedCredential = record.firstCredential): ReceivedCredential {
  if (record.type === 'SdJwtVcRecord') {
    const { header, payload, prettyClaims } = parsed as SdJwtVcRecord['firstCredential']
    const cnf = payload.cnf as { kid?: string } | undefined
    const x5c = Array.isArray(header.x5c) ? (header.x5c as string[]) : undefined
    return {
      issuer: String(payload.iss),
      types: [String(payload.vct)],
      boundTo: cnf?.kid,
      jurisdiction: prettyClaims.jurisdiction as string | undefined,
      ...(x5c ? { x509: { x5c, anchorKind: 'root' as const } } : {}),
    }
  }
  const credential = parsed as W3cCredentialRecord['firstCredential']
  const subject = [credential.credentialSubject].flat()[0] as unknown as { id?: string; jurisdiction?: string; claims?: { jurisdiction?: string } }
  return { issuer: credential.issuerId, types: credential.type, boundTo: subject?.id, jurisdiction: subject?.jurisdiction ?? subject?.claims?.jurisdiction }
}

export class CredentialRefused extends Error {
  public constructor(message: string) {
    super(message)
    this.name = 'CredentialRefused'
  }
}

export function checkOfferedType(credential: ReceivedCredential, offered: OfferedConfiguration): void {
  const single = offered.vct ?? offered.doctype
  const expected = single ? [single] : (offered.credential_definition?.type ?? [])
  const missing = expected.filter((type) => !credential.types.includes(type))
  if (missing.length) {
    throw new CredentialRefused(
      `The credential's type (${credential.types.join(', ')}) is not the offered one (${expected.join(', ')}): refused (OID4VCI 1.0 §8.3, the credential has the vct / type of the offered configuration)`,
    )
  }
}

/** `holderDid` is the DID whose key the wallet proved; the credential must name that DID or one of its keys. */
export function checkHolderBinding(credential: ReceivedCredential, holderDids: string[]): void {
  const bound = credential.boundTo?.split('#')[0]
  if (bound === undefined || !holderDids.includes(bound)) {
    throw new CredentialRefused(
      `The credential is bound to ${credential.boundTo ?? 'no key'}, a key this wallet does not hold (it proved ${holderDids.join(' or ')}): refused (OID4VCI 1.0 §8.2, §8.3; SD-JWT VC cnf)`,
    )
  }
}

/** The credential type id of the lab's catalogue a credential has, by vct, mdoc doctype or W3C type. */
const typeIdOf = (credential: ReceivedCredential) =>
  types.find((type) => credential.types.includes(type.vct) || credential.types.includes(type.id) || (type.mdoc && credential.types.includes(type.mdoc.docType)))?.id

export async function checkIssuerTrusted(credential: ReceivedCredential, registryUrl: string): Promise<void> {
  const typeId = typeIdOf(credential) ?? credential.types.join(',')
  // asked about a jurisdiction it recognizes but does not hold, the registry refers the wallet to that jurisdiction's registry
  const jurisdiction = credential.jurisdiction ?? ''
  if (credential.x509) {
    const anchors = (of: string, type: string) => federatedAnchors({ url: registryUrl, keyPin: registryKeyPin }, of, type)
    await checkIssuerChain(credential.x509, credential.issuer, typeId, jurisdiction, anchors).catch((error: Error) => {
      throw new CredentialRefused(`${error.message}: refused`)
    })
  }
  const answer = await resolveFederatedTrust({ url: registryUrl, keyPin: registryKeyPin }, { issuer: credential.issuer, credentialType: typeId, jurisdiction, authority: jurisdiction })
  if (!answer.trusted) {
    throw new CredentialRefused(`The trust registry does not authorize ${credential.issuer} to issue ${typeId} in ${credential.jurisdiction ?? 'an unnamed jurisdiction'} (${answer.message}): refused`)
  }
}
