import { type AgentContext, DidsApi, JwsService, TypedArrayEncoder, type X509Certificate } from '@credo-ts/core'

/** Protected header fields the caller chooses; the signer adds `alg` and `kid` for its key. */
export interface JwtHeaderParams {
  typ: string
  [name: string]: unknown
}

/** Signs a JWT and returns it in compact form. */
export type JwtSign = (header: JwtHeaderParams, payload: Record<string, unknown>) => Promise<string>

/**
 * A signer backed by a Credo agent's KMS for one of the agent's own DIDs (e.g. `did:jwk:…#0`).
 * The `kid` is the absolute DID URL, which Credo's W3C JWT verifier and ours both resolve.
 */
export async function credoJwtSigner(agentContext: AgentContext, verificationMethodId: string): Promise<JwtSign> {
  const { publicJwk } = await agentContext.resolve(DidsApi).resolveVerificationMethodFromCreatedDidRecord(verificationMethodId, ['assertionMethod'])
  const jwsService = agentContext.resolve(JwsService)
  const alg = publicJwk.signatureAlgorithm
  return (header, payload) =>
    jwsService.createJwsCompact(agentContext, {
      keyId: publicJwk.keyId,
      payload: TypedArrayEncoder.fromString(JSON.stringify(payload)),
      protectedHeaderOptions: { ...header, alg, kid: verificationMethodId },
    })
}

/**
 * A signer backed by the KMS key of an X.509 certificate this service holds: ES256, the certificate in `x5c` (the
 * anchor above it is not sent), so a relying party checks the JWT as it checks a credential signed under that chain.
 */
export function x5cJwtSigner(agentContext: AgentContext, held: { certificate: X509Certificate; der: string }): JwtSign {
  const jwsService = agentContext.resolve(JwsService)
  return (header, payload) =>
    jwsService.createJwsCompact(agentContext, {
      keyId: held.certificate.publicJwk.keyId,
      payload: TypedArrayEncoder.fromString(JSON.stringify(payload)),
      protectedHeaderOptions: { ...header, alg: 'ES256', x5c: [held.der] },
    })
}
