import { type AgentContext, type DependencyManager, injectable, type Module } from '@credo-ts/core'
import { OpenId4VpVerifierService } from '@credo-ts/openid4vc'
import { HAIP_ALGORITHM, HAIP_RESPONSE_ENCRYPTIONS, HAIP_RESPONSE_MODE } from './haip'

/**
 * OID4VP 1.0 §5.8: a request object's `aud` is the wallet's issuer identifier when the wallet sent its metadata
 * (request_uri_method=post), otherwise `https://self-issued.me/v2` (static discovery). The lab's requests are
 * fetched with GET: static discovery. (Credo 0.6.3 puts the request URI there.)
 */
export const STATIC_DISCOVERY_AUDIENCE = 'https://self-issued.me/v2'

/**
 * The algorithms this verifier advertises in `vp_formats_supported`: fully specified (RFC 9864), each once, asymmetric.
 * Credo advertises every algorithm its KMS can sign with, `EdDSA` beside `Ed25519` and `HS*` included. Holders' `EdDSA`
 * over an Ed25519 key is still accepted (verifier/oid4vp/rules.ts): it names the same signatures.
 */
export const ADVERTISED_ALGORITHMS = ['Ed25519', 'ES256', 'ES384', 'ES512'] as const

/**
 * mso_mdoc's lists are COSE algorithm numbers (OID4VP 1.0 Appendix B.2.1): ES256 (-7, RFC 9053), as ISO 18013-5 MSOs and
 * device signatures carry it, and the same signatures' fully specified name ESP256 (-9, RFC 9864).
 */
const MDOC_COSE_ALGORITHMS = [-7, -9]

type Metadata = Record<string, unknown> & { vp_formats_supported?: Record<string, Record<string, unknown>> }

interface VerifierInternals {
  getOpenid4vpVerifier(agentContext: AgentContext): { createOpenId4vpAuthorizationRequest(options: { jar?: { additionalJwtPayload?: Record<string, unknown> } }): Promise<unknown> }
  getClientMetadata(agentContext: AgentContext, options: { responseMode?: string }): Promise<Metadata>
}

/**
 * A HAIP 1.0 request's metadata (the lab asks for `direct_post.jwt` under HAIP only): ES256 alone, COSE -7 for mdoc, and
 * the content encryptions HAIP names for the response JWE.
 */
function haipOnly(metadata: Metadata): Metadata {
  if (!metadata.vp_formats_supported) return metadata
  const formats = Object.fromEntries(
    Object.entries(metadata.vp_formats_supported).map(([format, parameters]) => [
      format,
      Object.fromEntries(Object.entries(parameters).map(([name, value]) => [name, name.endsWith('alg_values') && Array.isArray(value) ? (format === 'mso_mdoc' ? [-7] : [HAIP_ALGORITHM]) : value])),
    ]),
  )
  return { ...metadata, vp_formats_supported: formats, encrypted_response_enc_values_supported: HAIP_RESPONSE_ENCRYPTIONS }
}

/** Only fully specified algorithms, in every `*alg_values` list of `vp_formats_supported`. */
function fullySpecified(metadata: Metadata): Metadata {
  if (!metadata.vp_formats_supported) return metadata
  const formats = Object.fromEntries(
    Object.entries(metadata.vp_formats_supported).map(([format, parameters]) => [
      format,
      Object.fromEntries(
        Object.entries(parameters).map(([name, value]) => [
          name,
          name.endsWith('alg_values') && Array.isArray(value) ? (format === 'mso_mdoc' ? MDOC_COSE_ALGORITHMS : [...ADVERTISED_ALGORITHMS]) : value,
        ]),
      ),
    ]),
  )
  return { ...metadata, vp_formats_supported: formats }
}

/** Credo's OID4VP verifier with OID4VP 1.0's request object `aud` and fully specified algorithms only. */
@injectable()
export class Oid4vp1VerifierService extends OpenId4VpVerifierService {}

// both are TypeScript-private in Credo: replaced on the subclass's prototype only
const credo = OpenId4VpVerifierService.prototype as unknown as VerifierInternals
const ours = Oid4vp1VerifierService.prototype as unknown as VerifierInternals
ours.getOpenid4vpVerifier = function (this: OpenId4VpVerifierService, agentContext) {
  const verifier = credo.getOpenid4vpVerifier.call(this, agentContext)
  const create = verifier.createOpenId4vpAuthorizationRequest.bind(verifier)
  verifier.createOpenId4vpAuthorizationRequest = (options) =>
    create(options.jar ? { ...options, jar: { ...options.jar, additionalJwtPayload: { ...options.jar.additionalJwtPayload, aud: STATIC_DISCOVERY_AUDIENCE } } } : options)
  return verifier
}
ours.getClientMetadata = async function (this: OpenId4VpVerifierService, agentContext, options) {
  const metadata = await credo.getClientMetadata.call(this, agentContext, options)
  return options.responseMode === HAIP_RESPONSE_MODE ? haipOnly(metadata) : fullySpecified(metadata)
}

/** Register after the OpenId4VcModule: its verifier service is then this one. */
export class Oid4vp1Module implements Module {
  public register(dependencyManager: DependencyManager): void {
    dependencyManager.registerSingleton(OpenId4VpVerifierService, Oid4vp1VerifierService)
  }
}
