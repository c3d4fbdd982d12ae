import {
  type AgentContext,
  type DependencyManager,
  Ed25519Signature2018,
  injectable,
  injectAll,
  type Module,
  SignatureSuiteRegistry,
  SignatureSuiteToken,
  type SuiteInfo,
  TypedArrayEncoder,
  W3cJsonLdCredentialService,
  type W3cJsonLdSignPresentationOptions,
  type W3cJsonLdVerifiablePresentation,
} from '@credo-ts/core'
import { StatusCheckingW3cJsonLdCredentialService } from '../status/credoJsonLdStatus'
import { ED25519_2020_CONTEXT_URL } from './credoDocumentLoader'
import { LDP_PROOF_TYPE } from './ldp'

/**
 * JSON-LD credentials as the lab signs and checks them: Bitstring status checked, and presentations
 * signed with Ed25519Signature2020 carry that suite's context. Credo 0.6.3 adds it only when the document
 * has no VCDM 1.1 context, so the proof's `challenge` would otherwise be an undefined term.
 */
@injectable()
export class LabJsonLdCredentialService extends StatusCheckingW3cJsonLdCredentialService {
  public override signPresentation(agentContext: AgentContext, options: W3cJsonLdSignPresentationOptions): Promise<W3cJsonLdVerifiablePresentation> {
    const { presentation } = options
    if (options.proofType === LDP_PROOF_TYPE && !presentation.context.includes(ED25519_2020_CONTEXT_URL)) presentation.context.push(ED25519_2020_CONTEXT_URL)
    return super.signPresentation(agentContext, options)
  }
}

/** The multicodec prefix of an Ed25519 public key (0xed, varint-encoded), which publicKeyMultibase carries. */
const ED25519_MULTICODEC = [0xed, 0x01]

/**
 * Ed25519Signature2018 as Credo verifies it, with one fix: Credo 0.6.3 turns an Ed25519VerificationKey2020's
 * `publicKeyMultibase` into `publicKeyBase58` leaving the multicodec prefix in (34 bytes: "Invalid JWK data"), so
 * no 2018 proof verifies against the keys the lab's document loader serves. ACA-Py signs every presentation with
 * Ed25519Signature2018, whatever `ldp_vp.proof_type` the request names.
 */
class LabEd25519Signature2018 extends Ed25519Signature2018 {
  public override async getVerificationMethod(options: Parameters<Ed25519Signature2018['getVerificationMethod']>[0]) {
    const method = await super.getVerificationMethod(options)
    const key = typeof method?.publicKeyBase58 === 'string' ? TypedArrayEncoder.fromBase58(method.publicKeyBase58) : undefined
    if (key?.length !== 34 || key[0] !== ED25519_MULTICODEC[0] || key[1] !== ED25519_MULTICODEC[1]) return method
    return { ...method, publicKeyBase58: TypedArrayEncoder.toBase58(key.subarray(2)) }
  }
}

@injectable()
class LabSignatureSuiteRegistry extends SignatureSuiteRegistry {
  public constructor(@injectAll(SignatureSuiteToken) suites: Array<SuiteInfo | 'default'>) {
    super(suites.map((suite) => (suite !== 'default' && suite.proofType === 'Ed25519Signature2018' ? { ...suite, suiteClass: LabEd25519Signature2018 } : suite)))
  }
}

export class LabJsonLdCredentialModule implements Module {
  public register(dependencyManager: DependencyManager): void {
    dependencyManager.registerSingleton(W3cJsonLdCredentialService, LabJsonLdCredentialService)
    dependencyManager.registerSingleton(SignatureSuiteRegistry, LabSignatureSuiteRegistry)
  }
}
