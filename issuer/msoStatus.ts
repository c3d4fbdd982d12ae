import { createHash, randomBytes } from 'node:crypto'
import { COSEKey, cborDecode, cborEncode, DataItem, IssuerSignedItem } from '@animo-id/mdoc'
import { type AgentContext, type DependencyManager, injectable, Kms, Mdoc, MdocService, type MdocSignOptions, type Module } from '@credo-ts/core'

/** Where an mdoc's status is published: the MSO's `status` (Token Status List, the mdoc section; ISO 18013-5 2nd edition). */
export interface MsoStatus {
  status_list: { idx: number; uri: string }
}

/** What the credential mapper hands Credo for an mdoc: its sign options, and the status its MSO carries. */
export type StatusMdocSignOptions = MdocSignOptions & { status?: MsoStatus }

/** COSE header labels alg and x5chain (RFC 9052 §3.1, RFC 9360 §2), and ES256 (RFC 9053 §2.1). */
const COSE_ALG = 1
const COSE_X5CHAIN = 33
const COSE_ES256 = -7

const sha256 = (bytes: Uint8Array) => new Uint8Array(createHash('sha256').update(bytes).digest())
// IssuerSignedItem.create draws the item's random salt (ISO 18013-5 §9.1.2.5) from this, and nothing else
const itemContext = { crypto: { random: (length: number) => new Uint8Array(randomBytes(length)) } } as Parameters<typeof IssuerSignedItem.create>[3]

/**
 * An IssuerSigned mdoc whose MSO carries `status`: the MSO as Credo's `Mdoc.sign` (through @animo-id/mdoc's `Document`)
 * builds it — version 1.0, SHA-256 value digests of each IssuerSignedItem, the device key, the validity — plus `status`,
 * signed ES256 as a COSE_Sign1 (RFC 9052 §4.4) by the document signer's key in the KMS, its certificate in x5chain.
 */
async function signMdocWithStatus(agentContext: AgentContext, options: MdocSignOptions, status: MsoStatus): Promise<Mdoc> {
  const { docType, namespaces, holderKey, issuerCertificate, validityInfo } = options
  if (!validityInfo?.validUntil) throw new Error('An mdoc with a status needs validityInfo.validUntil')
  const items = Object.entries(namespaces).map(
    ([namespace, elements]) => [namespace, Object.entries(elements).map(([name, value], digestId) => IssuerSignedItem.create(digestId, name, value, itemContext))] as const,
  )
  const signed = validityInfo.signed ?? new Date()
  const mso = {
    version: '1.0',
    digestAlgorithm: 'SHA-256',
    valueDigests: new Map(items.map(([namespace, list]) => [namespace, new Map(list.map((item) => [item.digestID, sha256(cborEncode(item.dataItem))]))])),
    deviceKeyInfo: { deviceKey: cborDecode(COSEKey.fromJWK(holderKey.toJson()).encode()) },
    docType,
    validityInfo: { signed, validFrom: validityInfo.validFrom ?? signed, validUntil: validityInfo.validUntil },
    status,
  }
  const protectedHeader = cborEncode(new Map([[COSE_ALG, COSE_ES256]]))
  const payload = cborEncode(DataItem.fromData(mso))
  const { signature } = await agentContext.resolve(Kms.KeyManagementApi).sign({
    keyId: issuerCertificate.publicJwk.keyId,
    algorithm: 'ES256',
    data: cborEncode(['Signature1', protectedHeader, new Uint8Array(), payload]),
  })
  const issuerSigned = new Map<string, unknown>([
    ['nameSpaces', new Map(items.map(([namespace, list]) => [namespace, list.map((item) => item.dataItem)]))],
    ['issuerAuth', [protectedHeader, new Map([[COSE_X5CHAIN, issuerCertificate.rawCertificate]]), payload, signature]],
  ])
  return Mdoc.fromBase64Url(Buffer.from(cborEncode(issuerSigned)).toString('base64url'))
}

/** Credo's mdoc signing, with the MSO's `status` when the sign options carry one (common/credo-extensions: `mso-status`). */
@injectable()
export class StatusMdocService extends MdocService {
  public override signMdoc(agentContext: AgentContext, options: StatusMdocSignOptions): Promise<Mdoc> {
    return options.status ? signMdocWithStatus(agentContext, options, options.status) : super.signMdoc(agentContext, options)
  }
}

export class MsoStatusModule implements Module {
  public register(dependencyManager: DependencyManager): void {
    dependencyManager.registerSingleton(MdocService, StatusMdocService)
  }
}
