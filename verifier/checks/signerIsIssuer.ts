import { decodeProtectedHeader } from 'jose'
import type { PresentedCredential } from '../presented'
import { anonCredsIssuerIsDefiner, type CredentialDefinitionIssuer } from './anonCredsIssuerIsDefiner'
import type { IssuerKeyResolver } from './issuerKeys'
import { jwsSignerIsIssuer } from './jwsSignerIsIssuer'
import { type LdpProofVerifier, ldpSignerIsIssuer } from './ldpSignerIsIssuer'
import { mdocSignerIsIssuer } from './mdocSignerIsIssuer'
import type { CheckResult } from './result'
import { type X509AnchorSource, x5cSignerIsIssuer } from './x5cSignerIsIssuer'

/** The specification that says who signs a credential, per JWS-secured format. */
export const JWS_CLAUSES = {
  jwt_vc_json: 'VCDM 1.1 §6.3.1 / JWT VC (iss is the issuer, kid its key)',
  'dc+sd-jwt': 'SD-JWT VC, Verification and Processing (the issuer-signed JWT is verified with a key of iss)',
} as const

export interface SignerTools {
  issuerKey: IssuerKeyResolver
  definitionIssuer: CredentialDefinitionIssuer
  verifyLdpProof: LdpProofVerifier
  /** The X.509 roots (x5c JWS credentials) and IACAs (mdoc document signers) the trust registry lists. */
  x509Anchors: X509AnchorSource
}

/**
 * The lab's own answer to "did the issuer sign this?", in every format, whatever the credential library concluded:
 * the signer must be a key of `credential.issuer`, the DID the trust registry is then asked about.
 */
export async function signerIsIssuer(credential: PresentedCredential, tools: SignerTools): Promise<CheckResult> {
  const { proof, issuer } = credential
  switch (proof.kind) {
    case 'jws':
      // an issuer named by URL signs under a certificate chain, judged on that path alone (x5cSignerIsIssuer); an issuer
      // named by DID signs with a key of its DID, and that path refuses an x5c beside it: neither accepts both
      if (!issuer.startsWith('did:') && 'x5c' in decodeProtectedHeader(proof.jws))
        return x5cSignerIsIssuer(proof.jws, issuer, credential.credentialType, credential.claims.jurisdiction, tools.x509Anchors)
      return jwsSignerIsIssuer(proof.jws, issuer, JWS_CLAUSES[credential.format as keyof typeof JWS_CLAUSES] ?? credential.format, tools.issuerKey)
    case 'ldp':
      return ldpSignerIsIssuer(proof.credential, issuer, tools.issuerKey, tools.verifyLdpProof)
    case 'anoncreds':
      return anonCredsIssuerIsDefiner(proof.credentialDefinitionId, issuer, tools.definitionIssuer)
    case 'mdoc':
      return mdocSignerIsIssuer(proof, issuer, credential.credentialType ?? '', credential.claims.jurisdiction, tools.x509Anchors)
  }
}
