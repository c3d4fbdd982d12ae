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
 * Credo's own `isValid` is the floor: a credential it refused is never made valid here (recomputing it from
 * `validations` would accept one whose key lookup threw before any failed validation was recorded).
 */
@injectable()
export class StatusCheckingW3cJwtCredentialService extends W3cJwtCredentialService {
  public override async verifyCredential(agentContext: AgentContext, options: W3cJwtVerifyCredentialOptions): Promise<W3cVerifyCredentialResult> {
    const result = await super.verifyCredential(agentContext, { ...options, verifyCredentialStatus: false })
    // a credential Credo refused (some checks throw before recording a failed validation) stays refused, unfetched
    if (options.verifyCredentialStatus === false || !result.isValid) return result

    const credential = typeof options.credential === 'string' ? W3cJwtVerifiableCredential.fromSerializedJwt(options.credential) : options.credential
    // read from the JWT: Credo's W3cCredentialStatus model keeps only id and type
    const vc = credential.jwt.payload.additionalClaims.vc as { credentialStatus?: unknown } | undefined
    if (vc?.credentialStatus === undefined) return { ...result, validations: { ...result.validations, credentialStatus: { isValid: true } } }
    let credentialStatus: { isValid: boolean; error?: Error }
    try {
      const { status } = await checkBitstringStatus(agentContext, vc.credentialStatus, { issuer: credential.issuerId })
      credentialStatus = status === 'valid' ? { isValid: true } : { isValid: false, error: new CredoError(`Credential status is ${status}`) }
    } catch (error) {
      credentialStatus = { isValid: false, error: error as Error }
    }
    return { ...result, isValid: credentialStatus.isValid, validations: { ...result.validations, credentialStatus } }
  }
}

/** Register on a Credo agent (verifier, wallet) to have W3C JWT VCs' Bitstring Status List checked. */
export class BitstringStatusCheckModule implements Module {
  public register(dependencyManager: DependencyManager): void {
    dependencyManager.registerSingleton(W3cJwtCredentialService, StatusCheckingW3cJwtCredentialService)
  }
}
