import {
  CredoError,
  type AgentContext,
  type DependencyManager,
  injectable,
  type Module,
  W3cJwtCredentialService,
  type W3cJwtVerifyCredentialOptions,
  W3cJwtVerifiableCredential,
  type W3cVerifyCredentialResult,
} from '@credo-ts/core'
import { checkBitstringStatus } from './checkBitstringStatus'

/**
 * Credo's JWT VC verification with Bitstring Status List checking. Credo 0.6.3 fails every JWT VC
 * that has a `credentialStatus` ("Verifying credential status is not supported for JWT VCs"), and its
 * OpenID4VP verifier asks for that check, so without this a status-bearing W3C credential never verifies.
 */
@injectable()
export class StatusCheckingW3cJwtCredentialService extends W3cJwtCredentialService {
  public override async verifyCredential(agentContext: AgentContext, options: W3cJwtVerifyCredentialOptions): Promise<W3cVerifyCredentialResult> {
    const result = await super.verifyCredential(agentContext, { ...options, verifyCredentialStatus: false })
    if (options.verifyCredentialStatus === false || !result.validations.dataModel?.isValid) return result

    const credential = typeof options.credential === 'string' ? W3cJwtVerifiableCredential.fromSerializedJwt(options.credential) : options.credential
    // read from the JWT: Credo's W3cCredentialStatus model keeps only id and type
    const vc = credential.jwt.payload.additionalClaims.vc as { credentialStatus?: unknown } | undefined
    if (vc?.credentialStatus === undefined) {
      result.validations.credentialStatus = { isValid: true }
    } else {
      try {
        const { status } = await checkBitstringStatus(agentContext, vc.credentialStatus, { issuer: credential.issuerId })
        result.validations.credentialStatus = status === 'valid' ? { isValid: true } : { isValid: false, error: new CredoError(`Credential status is ${status}`) }
      } catch (error) {
        result.validations.credentialStatus = { isValid: false, error: error as Error }
      }
    }
    result.isValid = Object.values(result.validations).every((validation) => validation?.isValid)
    return result
  }
}

/** Register on a Credo agent (verifier, wallet) to have W3C JWT VCs' Bitstring Status List checked. */
export class BitstringStatusCheckModule implements Module {
  public register(dependencyManager: DependencyManager): void {
    dependencyManager.registerSingleton(W3cJwtCredentialService, StatusCheckingW3cJwtCredentialService)
  }
}
