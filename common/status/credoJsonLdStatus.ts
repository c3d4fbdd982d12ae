import {
  type AgentContext,
  asArray,
  CredoError,
  type DependencyManager,
  injectable,
  JsonTransformer,
  type Module,
  vcLibraries,
  W3cCredentialsModuleConfig,
  W3cJsonLdCredentialService,
  type W3cJsonLdVerifyCredentialOptions,
  type W3cJsonLdVerifyPresentationOptions,
  type W3cVerifyCredentialResult,
  type W3cVerifyPresentationResult,
} from '@credo-ts/core'
import { checkBitstringStatus } from './checkBitstringStatus'
import { STATUS_AFTER_TRUST } from './statusAfterTrust'

/** What Credo's JSON-LD service builds its signature suites with (a TypeScript-private helper). */
interface SuiteFactory {
  getSignatureSuitesForCredential(agentContext: AgentContext, document: { proof: unknown }): unknown[]
}

/**
 * The check vc.js runs for a credential with `credentialStatus` (it refuses such a credential without one). On an
 * agent that checks status after the trust registry, it fetches nothing: the status list URL is the credential's own.
 */
type StatusCheck = (input: { credential: { credentialStatus?: unknown; issuer?: unknown } }) => Promise<{ verified: boolean; error?: unknown }>

function statusChecker(agentContext: AgentContext): StatusCheck {
  if (agentContext.dependencyManager.isRegistered(STATUS_AFTER_TRUST)) return async () => ({ verified: true })
  return async ({ credential }) => {
    const issuer = typeof credential.issuer === 'string' ? credential.issuer : (credential.issuer as { id?: string } | undefined)?.id
    try {
      const { status } = await checkBitstringStatus(agentContext, credential.credentialStatus, { issuer })
      return status === 'valid' ? { verified: true } : { verified: false, error: new CredoError(`Credential status is ${status}`) }
    } catch (error) {
      return { verified: false, error }
    }
  }
}

/**
 * Credo's JSON-LD (ldp_vc) verification with Bitstring Status List checking. Credo 0.6.3 refuses every
 * JSON-LD credential that has a `credentialStatus` ("not supported"), so without this a status-bearing
 * credential can neither be received by a wallet nor verified in a presentation.
 */
@injectable()
export class StatusCheckingW3cJsonLdCredentialService extends W3cJsonLdCredentialService {
  public override async verifyCredential(agentContext: AgentContext, options: W3cJsonLdVerifyCredentialOptions): Promise<W3cVerifyCredentialResult> {
    const result = await super.verifyCredential(agentContext, { ...options, verifyCredentialStatus: false })
    const credential = JsonTransformer.toJSON(options.credential) as { credentialStatus?: unknown; issuer?: unknown }
    if (options.verifyCredentialStatus === false || !result.isValid || credential.credentialStatus === undefined) return result
    const status = await statusChecker(agentContext)({ credential })
    if (status.verified) return result
    const error = status.error instanceof Error ? status.error : new CredoError(String(status.error))
    return { isValid: false, validations: { ...result.validations, credentialStatus: { isValid: false, error } }, error }
  }

  public override async verifyPresentation(agentContext: AgentContext, options: W3cJsonLdVerifyPresentationOptions): Promise<W3cVerifyPresentationResult> {
    try {
      const suites = this as unknown as SuiteFactory
      const presentation = options.presentation
      const proofs = asArray(presentation.proof).filter((proof) => !options.purpose || proof.proofPurpose === options.purpose.term)
      const credentials = asArray(presentation.verifiableCredential) as unknown as { proof: unknown }[]
      const { verified, ...details } = await vcLibraries.vc.verify({
        presentation: JsonTransformer.toJSON(presentation),
        suite: [suites.getSignatureSuitesForCredential(agentContext, { proof: proofs }), ...credentials.map((c) => suites.getSignatureSuitesForCredential(agentContext, c))].flat(),
        challenge: options.challenge,
        domain: options.domain,
        documentLoader: agentContext.dependencyManager.resolve(W3cCredentialsModuleConfig).documentLoader(agentContext),
        checkStatus: statusChecker(agentContext),
        ...(options.purpose ? { presentationPurpose: options.purpose } : {}),
      })
      return { isValid: verified, validations: { vcJs: { isValid: verified, ...details } }, error: details.error } as W3cVerifyPresentationResult
    } catch (error) {
      return { isValid: false, validations: {}, error: error as Error } as W3cVerifyPresentationResult
    }
  }
}

/** Register on a Credo agent (wallet, verifier) to have JSON-LD credentials' Bitstring Status List checked. */
export class JsonLdBitstringStatusModule implements Module {
  public register(dependencyManager: DependencyManager): void {
    dependencyManager.registerSingleton(W3cJsonLdCredentialService, StatusCheckingW3cJsonLdCredentialService)
  }
}
