import { type KeyObject, X509Certificate, verify as verifySignature } from 'node:crypto'
import { ChainRefused, sanUris, type ValidatedChain } from '@interop-lab/common/x509/chain'
import { anchorsFor, validateToListedAnchor } from '@interop-lab/common/x509/anchoredChain'
import type { X509Anchor } from '@interop-lab/trust-registry/client'
import type { CheckResult } from './result'
import type { X509AnchorSource } from './x5cSignerIsIssuer'

/** ISO 18013-5's issuer data authentication, with the document signer's chain to an IACA the trust registry lists. */
export const MDOC_ISSUER_AUTH = 'ISO 18013-5 §9.3.1 (issuer data authentication: the MSO signed by a document signer certificate, §9.3.3, chained to a trusted IACA)'

/** What an mdoc's issuer signed, as the OID4VP adapter read it from the MSO's COSE_Sign1 (verifier/oid4vp/mdoc.ts). */
export interface MdocIssuerProof {
  /** The x5chain header: the document signer certificate first, base64 DER. */
  x5chain: string[]
  /** The COSE Sig_structure (RFC 9052 §4.4), base64. */
  signedData: string
  signature: string
  alg: string
}

const failed = (message: string): CheckResult => ({ check: 'signature', passed: false, clause: MDOC_ISSUER_AUTH, message: `${MDOC_ISSUER_AUTH}: ${message}` })

/**
 * Proves that the issuer the verifier will ask the trust registry about signed the mdoc's MSO: the document signer
 * certificate chains (RFC 5280 §6.1) to an IACA the registry lists for the credential type under the mdoc's
 * jurisdiction, names `issuer` as its SAN URI, and its key verifies the MSO signature (ES256).
 */
export async function mdocSignerIsIssuer(proof: MdocIssuerProof, issuer: string, credentialType: string, jurisdiction: unknown, anchors: X509AnchorSource, now = new Date()): Promise<CheckResult> {
  if (!proof.x5chain.length) return failed('the MSO carries no x5chain: no document signer certificate names its signer')
  if (proof.alg !== 'ES256' && proof.alg !== 'ESP256') return failed(`the MSO is signed with ${proof.alg}, not ES256`)
  if (typeof jurisdiction !== 'string' || !jurisdiction) return failed('the mdoc discloses no jurisdiction: no IACA can be looked up for it')
  let listed: X509Anchor[]
  try {
    listed = await anchors(jurisdiction, credentialType)
  } catch (error) {
    return failed(`the IACAs the trust registry lists could not be read (${error instanceof Error ? error.message : String(error)})`)
  }
  let chain: ValidatedChain
  try {
    chain = await validateToListedAnchor(proof.x5chain, anchorsFor(listed, 'iaca', jurisdiction, credentialType), now)
  } catch (error) {
    if (!(error instanceof ChainRefused)) throw error
    return failed(`the document signer certificate does not chain to an IACA the trust registry lists for ${credentialType} under ${jurisdiction} (${error.message})`)
  }
  const names = sanUris(chain.leaf)
  if (!names.includes(issuer)) return failed(`the document signer certificate does not name ${issuer || 'an issuer'} (its SAN URIs: ${names.join(', ') || 'none'})`)
  let key: KeyObject
  try {
    key = new X509Certificate(Buffer.from(proof.x5chain[0], 'base64')).publicKey
  } catch (error) {
    // seen once in a few hundred runs and not reproduced: kept whole in the log for whoever meets it next
    console.warn(`[verifier] a document signer certificate OpenSSL does not read: ${proof.x5chain[0]}`)
    return failed(`the document signer certificate is not DER that OpenSSL reads (X.690 §10, RFC 5280 §4.1): ${error instanceof Error ? error.message : String(error)}`)
  }
  const verified = verifySignature('sha256', Buffer.from(proof.signedData, 'base64'), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(proof.signature, 'base64'))
  if (!verified) return failed(`the MSO signature does not verify with the key of the document signer certificate ${chain.leaf.subject}`)
  return {
    check: 'signature',
    passed: true,
    clause: MDOC_ISSUER_AUTH,
    message: `the MSO is signed by ${chain.leaf.subject} (${issuer}), chained to the IACA ${chain.anchor.subject} the trust registry lists for ${credentialType} under ${jurisdiction}`,
  }
}
