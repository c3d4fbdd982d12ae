import { DateOnly } from '@animo-id/mdoc'
import { type Agent, Kms, type Mdoc, type MdocRecord, X509Certificate } from '@credo-ts/core'
import type { OpenId4VciCredentialBindingResolver } from '@credo-ts/openid4vc'
import { MDOC_FORMAT } from '@interop-lab/common/protocols'
import type { ReceivedCredential } from './credentialChecks'
import type { HeldCredential } from './wallet'

/** A new P-256 key in the wallet's KMS for each mdoc: the MSO names it as the device key, and DeviceAuth is signed with it (ISO 18013-5 §9.1.3). */
export async function newDeviceKey(agent: Agent): Promise<Kms.PublicJwk> {
  const { keyId, publicJwk } = await agent.kms.createKey({ type: { kty: 'EC', crv: 'P-256' } })
  const jwk = Kms.PublicJwk.fromPublicJwk(publicJwk)
  jwk.keyId = keyId
  return jwk
}

/**
 * SD-JWT VCs and W3C credentials are bound to the holder DID's key (`didUrl`), those their issuer signs ES256 only to its
 * P-256 DID's (`es256DidUrl`: their key binding is ES256 too, as HAIP 1.0 asks); an mdoc to a new device key (Credo binds
 * an mdoc to a jwk only).
 */
export const holderBinding =
  (agent: Agent, didUrl: string, es256DidUrl: string): OpenId4VciCredentialBindingResolver =>
  async ({ credentialFormat, credentialConfiguration }) => {
    if (credentialFormat === MDOC_FORMAT) return { method: 'jwk', keys: [await newDeviceKey(agent)] }
    const algorithms = (credentialConfiguration as { credential_signing_alg_values_supported?: unknown[] }).credential_signing_alg_values_supported
    const es256Only = algorithms?.length === 1 && algorithms[0] === 'ES256'
    return { method: 'did', didUrls: [es256Only ? es256DidUrl : didUrl] }
  }

/** The issuer an mdoc names: its document signer certificate's SAN URI (the issuer's URL), as the verifier reads it. */
function issuerOf(mdoc: Mdoc): string {
  const certificate = X509Certificate.fromRawCertificate(mdoc.signingCertificate)
  return certificate.sanUriNames[0] ?? certificate.subject
}

/** Every data element the issuer signed, across its namespaces; a full-date (CBOR tag 1004) as its YYYY-MM-DD text. */
const dataElements = (mdoc: Mdoc): Record<string, unknown> =>
  Object.fromEntries(
    Object.values(mdoc.issuerSignedNamespaces)
      .flatMap((elements) => Object.entries(elements))
      .map(([name, value]) => [name, value instanceof DateOnly ? value.toISOString() : value]),
  )

export function describeMdoc(record: MdocRecord): HeldCredential {
  const mdoc = record.firstCredential
  return { id: record.id, format: MDOC_FORMAT, type: mdoc.docType, issuer: issuerOf(mdoc), claims: dataElements(mdoc) }
}

/** What the wallet checks of a received mdoc: its doctype, and its issuer and chain when it asks a trust registry (the device key is Credo's: one it requested). */
export function receivedMdoc(record: MdocRecord): ReceivedCredential {
  const mdoc = record.firstCredential
  const jurisdiction = dataElements(mdoc).jurisdiction
  const x5c = mdoc.issuerSignedCertificateChain.map((der) => Buffer.from(der).toString('base64'))
  return { issuer: issuerOf(mdoc), types: [mdoc.docType], jurisdiction: typeof jurisdiction === 'string' ? jurisdiction : undefined, x509: { x5c, anchorKind: 'iaca' } }
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
