import type { Agent, X509Certificate } from '@credo-ts/core'

/**
 * What Credo trusts when it verifies an X.509-signed credential itself (the holder on receipt, the OID4VP verifier
 * library): `roots` answers base64 DER or PEM roots for the chain a credential came with. The lab's verifier decides by
 * its own chain check (verifier/checks); this only keeps Credo from refusing what that check should judge.
 */
export function trustRootsForCredo(agent: Agent, roots: (certificateChain: X509Certificate[]) => Promise<string[]>): void {
  agent.x509.config.setTrustedCertificatesForVerification((_agentContext, { certificateChain }) => roots(certificateChain))
}
