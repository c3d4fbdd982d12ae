import type { Agent } from '@credo-ts/core'
import { anchorsFor, type ListedAnchor, validateToListedAnchor } from '@interop-lab/common/x509/anchoredChain'
import { ChainRefused, sanUris } from '@interop-lab/common/x509/chain'
import { trustRootsForCredo } from '@interop-lab/common/x509/credoTrust'

/** An X.509-signed credential's chain as received: an SD-JWT VC's `x5c` (to a `root`), an mdoc's x5chain (to an `iaca`). */
export interface ReceivedChain {
  /** Base64 DER, the signing certificate first. */
  x5c: string[]
  anchorKind: 'root' | 'iaca'
}

const ANCHOR_NAMES: Record<ReceivedChain['anchorKind'], string> = { root: 'a root', iaca: 'an IACA' }
const CLAUSES: Record<ReceivedChain['anchorKind'], string> = {
  root: 'SD-JWT VC §3.5 / RFC 5280 §6.1 (x5c chains to a root the trust registry lists for the type, iss a SAN URI of its leaf)',
  iaca: 'ISO 18013-5 §9.3.3 / RFC 5280 §6.1 (the document signer chains to an IACA the trust registry lists for the type, naming the issuer)',
}

/**
 * Credo verifies an X.509-signed credential's signature on receipt under the signing certificate it carries (its trust
 * anchor here), and the wallet then judges the chain itself: with a trust registry, `checkIssuerChain`.
 */
export function trustX509SignerOnReceipt(agent: Agent): void {
  trustRootsForCredo(agent, async (certificateChain) => [certificateChain[0].toString('base64')])
}

/**
 * Accepts an X.509-signed credential only when its chain validates (RFC 5280 §6.1) to an anchor of its kind the trust
 * registry lists for `credentialType` under `jurisdiction` (`anchors`: as the verifier reaches them, through the
 * federation), and its signing certificate names `issuer`; throws an Error naming the clause and what failed otherwise.
 */
export async function checkIssuerChain(
  chain: ReceivedChain,
  issuer: string,
  credentialType: string,
  jurisdiction: string,
  anchors: (jurisdiction: string, credentialType: string) => Promise<ListedAnchor[]>,
): Promise<void> {
  const clause = CLAUSES[chain.anchorKind]
  const listed = anchorsFor(await anchors(jurisdiction, credentialType), chain.anchorKind, jurisdiction, credentialType)
  try {
    const { leaf } = await validateToListedAnchor(chain.x5c, listed)
    if (!sanUris(leaf).includes(issuer)) throw new Error(`${clause}: the signing certificate ${leaf.subject} does not name the issuer ${issuer}`)
  } catch (error) {
    if (!(error instanceof ChainRefused)) throw error
    throw new Error(
      `${clause}: the issuer's certificate chain does not reach ${ANCHOR_NAMES[chain.anchorKind]} the trust registry lists for ${credentialType} under ${jurisdiction || 'no jurisdiction'} (${error.message})`,
    )
  }
}
