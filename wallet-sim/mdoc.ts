import { type Agent, Kms, type Mdoc, type MdocRecord, X509Certificate } from '@credo-ts/core'
import type { OpenId4VciCredentialBindingResolver } from '@credo-ts/openid4vc'
import { MDOC_FORMAT } from '@interop-lab/common/protocols'
import type { ReceivedCredential } from './credentialChecks'
import type { HeldCredential } from './wallet'

/** A new P-256 key in the wallet's KMS for each mdoc: the MSO names it as the device key, and DeviceAuth is signed with it (ISO 18013-5 §9.1.3). */
async function newDeviceKey(agent: Agent): Promise<Kms.PublicJwk> {
  const { keyId, publicJwk } = await agent.kms.createKey({ type: { kty: 'EC', crv: 'P-256' } })
  const jwk = Kms.PublicJwk.fromPublicJwk(publicJwk)
  jwk.keyId = keyId
  return jwk
}

/** SD-JWT VCs and W3C credentials are bound to the holder DID's key (`didUrl`); an mdoc to a new device key (Credo binds an mdoc to a jwk only). */
export const holderBinding =
  (agent: Agent, didUrl: string): OpenId4VciCredentialBindingResolver =>
  async ({ credentialFormat }) =>
    credentialFormat === MDOC_FORMAT ? { method: 'jwk', keys: [await newDeviceKey(agent)] } : { method: 'did', didUrls: [didUrl] }

/** The issuer an mdoc names: its document signer certificate's SAN URI (the issuer's URL), as the verifier reads it. */
function issuerOf(mdoc: Mdoc): string {
  const certificate = X509Certificate.fromRawCertificate(mdoc.signingCertificate)
  return certificate.sanUriNames[0] ?? certificate.subject
}

/** Every data element the issuer signed, across its namespaces. */
const dataElements = (mdoc: Mdoc): Record<string, unknown> => Object.assign({}, ...Object.values(mdoc.issuerSignedNamespaces))

export function describeMdoc(record: MdocRecord): HeldCredential {
  const mdoc = record.firstCredential
  return { id: record.id, format: MDOC_FORMAT, type: mdoc.docType, issuer: issuerOf(mdoc), claims: dataElements(mdoc) }
}

/** What the wallet checks of a received mdoc: its doctype, and its issuer when it asks a trust registry (the device key is Credo's: one it requested). */
export function receivedMdoc(record: MdocRecord): ReceivedCredential {
  const mdoc = record.firstCredential
  const jurisdiction = dataElements(mdoc).jurisdiction
  return { issuer: issuerOf(mdoc), types: [mdoc.docType], jurisdiction: typeof jurisdiction === 'string' ? jurisdiction : undefined }
}

/**
 * The wrong-holder-key fault for mdocs: the selected mdocs' DeviceAuth is signed by a new key, not the device key their
 * MSO names (the records are changed in memory, for this one presentation: tests/mdoc.test.ts presents again after it).
 */
export async function signWithForeignDeviceKey(agent: Agent, selected: Record<string, { credentialRecord?: unknown }[]>): Promise<void> {
  const foreign = await newDeviceKey(agent)
  for (const matches of Object.values(selected)) {
    for (const { credentialRecord } of matches) {
      if ((credentialRecord as MdocRecord | undefined)?.type !== 'MdocRecord') continue
      for (const instance of (credentialRecord as MdocRecord).credentialInstances) instance.kmsKeyId = foreign.keyId
    }
  }
}
