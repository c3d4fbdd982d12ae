import { AsyncLocalStorage } from 'node:async_hooks'
import { deflateSync } from 'node:zlib'
import {
  type AgentContext,
  type DependencyManager,
  injectable,
  type Module,
  type SdJwtVcHeader,
  type SdJwtVcPayload,
  SdJwtVcService,
  type SdJwtVcVerifyOptions,
  W3cJwtCredentialService,
  type W3cJwtVerifyCredentialOptions,
  type W3cVerifyCredentialResult,
} from '@credo-ts/core'
import { base64url, decodeJwt } from 'jose'

/**
 * W3C JWT VCs verified by Credo without their status: the caller checks it (common/status) once the issuer is
 * trusted, since the status list URL is the credential's own and must not be fetched for an untrusted one.
 */
@injectable()
export class StatusAfterTrustW3cJwtCredentialService extends W3cJwtCredentialService {
  public override verifyCredential(agentContext: AgentContext, options: W3cJwtVerifyCredentialOptions): Promise<W3cVerifyCredentialResult> {
    return super.verifyCredential(agentContext, { ...options, verifyCredentialStatus: false })
  }
}

/** The status index of the SD-JWT VC being verified, for the placeholder list below. */
const verifying = new AsyncLocalStorage<{ idx: number }>()

/** Indexes beyond this (4 MiB of 1-bit entries, the decoder's own limit) get no placeholder: Credo then refuses the credential. */
const MAX_PLACEHOLDER_INDEX = 4 * 1024 * 1024 * 8 - 1

const encodeJson = (value: unknown) => base64url.encode(JSON.stringify(value))

/**
 * A status list that fetches nothing: every entry up to `idx` valid, bound to its own signing input. Credo 0.6.3
 * (through @sd-jwt/sd-jwt-vc) fetches and checks an SD-JWT VC's status list inside `verify`, with no option to skip it.
 */
function placeholderStatusList(idx: number) {
  const lst = base64url.encode(deflateSync(Buffer.alloc(Math.floor(idx / 8) + 1)))
  const signingInput = `${encodeJson({ alg: 'none', typ: 'statuslist+jwt' })}.${encodeJson({ status_list: { bits: 1, lst } })}`
  return { jwt: `${signingInput}.deferred`, signingInput }
}

interface SdJwtConfigFactory {
  getBaseSdJwtConfig(agentContext: AgentContext): Record<string, unknown>
}

/** SD-JWT VCs verified by Credo without fetching their status list: the caller checks it once the issuer is trusted. */
@injectable()
export class StatusAfterTrustSdJwtVcService extends SdJwtVcService {
  public override verify<Header extends SdJwtVcHeader = SdJwtVcHeader, Payload extends SdJwtVcPayload = SdJwtVcPayload>(agentContext: AgentContext, options: SdJwtVcVerifyOptions) {
    let idx = 0
    try {
      const { status } = decodeJwt(options.compactSdJwtVc.split('~')[0]) as { status?: { status_list?: { idx?: unknown } } }
      const listed = status?.status_list?.idx
      if (typeof listed === 'number' && Number.isSafeInteger(listed) && listed >= 0 && listed <= MAX_PLACEHOLDER_INDEX) idx = listed
    } catch {
      // not a JWT: Credo's verify says so
    }
    return verifying.run({ idx }, () => super.verify<Header, Payload>(agentContext, options))
  }
}

// getBaseSdJwtConfig is TypeScript-private in Credo: replaced on the subclass's prototype only
const credoConfig = (SdJwtVcService.prototype as unknown as SdJwtConfigFactory).getBaseSdJwtConfig
;(StatusAfterTrustSdJwtVcService.prototype as unknown as SdJwtConfigFactory).getBaseSdJwtConfig = function (this: SdJwtVcService, agentContext: AgentContext) {
  const list = placeholderStatusList(verifying.getStore()?.idx ?? 0)
  return {
    ...credoConfig.call(this, agentContext),
    statusListFetcher: async () => list.jwt,
    statusVerifier: async (data: string) => data === list.signingInput,
    statusValidator: async () => {},
  }
}

/** Registered on an agent that checks status itself: its JSON-LD verification (common/status/credoJsonLdStatus.ts) then fetches no status list either. */
export const STATUS_AFTER_TRUST = Symbol('StatusAfterTrust')

/** Register on a verifier's agent that checks status itself, after the trust registry (verifier/checks/credentialStatus.ts). */
export class StatusAfterTrustModule implements Module {
  public register(dependencyManager: DependencyManager): void {
    dependencyManager.registerInstance(STATUS_AFTER_TRUST, true)
    dependencyManager.registerSingleton(W3cJwtCredentialService, StatusAfterTrustW3cJwtCredentialService)
    dependencyManager.registerSingleton(SdJwtVcService, StatusAfterTrustSdJwtVcService)
  }
}
