import type { Agent } from '@credo-ts/core'
import { trustRootsForCredo } from '@interop-lab/common/x509/credoTrust'

/**
 * Credo checks an X.509-signed credential's chain on receipt and refuses one without a trusted root: the wallet takes the
 * signing certificate the credential carries, so the signature is verified but not who vouches for the signer, as for a
 * DID-signed credential. A wallet that asks a trust registry asks it about the issuer's URL (checkIssuerTrusted).
 */
export function trustX509SignerOnReceipt(agent: Agent): void {
  trustRootsForCredo(agent, async (certificateChain) => [certificateChain[0].toString('base64')])
}
