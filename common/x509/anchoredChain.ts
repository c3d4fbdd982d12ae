import { type ValidatedChain, validateChain } from './chain'

/** An X.509 trust anchor as a trust registry lists it (trust-registry/client `X509Anchor`). */
export interface ListedAnchor {
  /** `root` anchors SD-JWT VC and JWT issuers' chains, `iaca` mdoc document signers' (ISO 18013-5 Annex B). */
  kind: string
  jurisdiction: string
  /** Base64 DER. */
  certificate: string
  /** The credential types a chain to this anchor may issue. */
  credentialTypes: string[]
}

/** The anchors a chain of a `credentialType` credential from `jurisdiction` may end in: those of `kind` listed for both. */
export const anchorsFor = <A extends ListedAnchor>(listed: readonly A[], kind: string, jurisdiction: string, credentialType: string): A[] =>
  listed.filter((anchor) => anchor.kind === kind && anchor.jurisdiction === jurisdiction && anchor.credentialTypes.includes(credentialType))

/**
 * RFC 5280 §6.1 path validation of `x5c` (leaf first) to one of `candidates` (from `anchorsFor`), as the verifier's signer
 * checks and the lab wallet on receipt judge an X.509-signed credential; throws ChainRefused naming the step that fails.
 */
export async function validateToListedAnchor<A extends ListedAnchor>(x5c: readonly string[], candidates: readonly A[], at?: Date): Promise<ValidatedChain & { listed: A }> {
  const chain = await validateChain(
    x5c,
    candidates.map((anchor) => anchor.certificate),
    at,
  )
  const der = Buffer.from(chain.anchor.rawData).toString('base64')
  return { ...chain, listed: candidates.find((anchor) => anchor.certificate === der)! }
}
