import { type AgentContext, type DependencyManager, injectable, Kms, type Module, SdJwtVcService, TypedArrayEncoder } from '@credo-ts/core'

interface SdJwtConfigFactory {
  getBaseSdJwtConfig(agentContext: AgentContext): Record<string, unknown>
}

/**
 * SD-JWT VCs whose disclosure salts carry 128 bits. @sd-jwt/core asks for a salt of 16 (bytes, as its own generator reads
 * it); Credo 0.6.3 draws 16 random bytes and keeps the first 16 characters of their base64url: 96 bits. RFC 9901 §4.2.1
 * recommends at least 128 bits of cryptographically secure randomness per salt (a salt is what keeps an undisclosed
 * claim's digest from being guessed): here every drawn byte is kept (22 characters).
 */
@injectable()
export class FullSaltSdJwtVcService extends SdJwtVcService {}

// getBaseSdJwtConfig is TypeScript-private in Credo: replaced on the subclass's prototype only
const credoConfig = (SdJwtVcService.prototype as unknown as SdJwtConfigFactory).getBaseSdJwtConfig
;(FullSaltSdJwtVcService.prototype as unknown as SdJwtConfigFactory).getBaseSdJwtConfig = function (this: SdJwtVcService, agentContext: AgentContext) {
  const kms = agentContext.resolve(Kms.KeyManagementApi)
  return { ...credoConfig.call(this, agentContext), saltGenerator: (bytes: number) => TypedArrayEncoder.toBase64URL(kms.randomBytes({ length: bytes })) }
}

/** Register on an issuer's agent: the SD-JWT VCs it signs get full-length salts. */
export class FullSaltSdJwtModule implements Module {
  public register(dependencyManager: DependencyManager): void {
    dependencyManager.registerSingleton(SdJwtVcService, FullSaltSdJwtVcService)
  }
}
