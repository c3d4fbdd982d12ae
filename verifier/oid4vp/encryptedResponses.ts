import { getOid4vcDecryptJweCallback, OpenId4VcVerifierApi } from '@credo-ts/openid4vc'
import type { RequestHandler } from 'express'
import { decodeProtectedHeader } from 'jose'
import type { ResponseGateDependencies } from '../responses'

type EncryptionJwk = NonNullable<NonNullable<Parameters<ReturnType<typeof getOid4vcDecryptJweCallback>>[1]>['jwk']>

/** A `direct_post.jwt` response opened by the verifier: the authorization response parameters its JWE carried. */
export interface OpenedResponse {
  fields: Record<string, unknown>
}

/**
 * In front of the response gate: a `direct_post.jwt` response (OID4VP 1.0 §8.3, a `response` JWE posted to the request's
 * response_uri, `?session=` naming the request) is decrypted with the key of that request's client_metadata, so the gate
 * keeps what it carried as it keeps a clear response, and knows it came encrypted (`res.locals.openedResponse`).
 */
export function openEncryptedResponse(deps: () => ResponseGateDependencies | undefined): RequestHandler<{ path: string[] }> {
  return (req, res, next) => {
    const jwe = (req.body as Record<string, unknown> | undefined)?.response
    const ready = deps()
    const verifierId = req.params.path?.[0]
    if (typeof jwe !== 'string' || !ready || !verifierId) return next()
    const refuse = (description: string) => res.status(400).json({ error: 'invalid_request', error_description: description })
    const open = async () => {
      const session = typeof req.query.session === 'string' ? req.query.session : undefined
      const [request] = session ? await ready.agent.dependencyManager.resolve(OpenId4VcVerifierApi).findVerificationSessionsByQuery({ verifierId, authorizationRequestId: session }) : []
      if (!request) return refuse('The encrypted response names no request of this verifier: it is posted to the response_uri of the request it answers (OID4VP 1.0 §8.3)')
      const keys = (request.requestPayload.client_metadata?.jwks?.keys ?? []) as EncryptionJwk[]
      const jwk = keys.find((key) => key.use === 'enc')
      if (!jwk) return refuse('This request asked for no encrypted response: it has no encryption key (OID4VP 1.0 §8.3)')
      const listed = (request.requestPayload.client_metadata?.encrypted_response_enc_values_supported ?? []) as string[]
      const { alg, enc } = protectedHeader(jwe)
      if (alg !== 'ECDH-ES' || !enc || !listed.includes(enc)) {
        return refuse(
          `The response JWE is ${alg ?? 'no alg'} / ${enc ?? 'no enc'}; this request takes ECDH-ES with ${listed.join(' or ')}, as its client_metadata lists (OID4VP 1.0 §8.3; HAIP 1.0 §5)`,
        )
      }
      const decrypted = await getOid4vcDecryptJweCallback(ready.agent.context)(jwe, { jwk })
      const fields = decrypted.decrypted ? parseObject(decrypted.payload) : undefined
      if (!fields) return refuse('The response JWE does not decrypt to a JSON object with this request’s key (ECDH-ES, OID4VP 1.0 §8.3)')
      res.locals.openedResponse = { fields } satisfies OpenedResponse
      next()
    }
    open().catch(next)
  }
}

function protectedHeader(jwe: string): { alg?: string; enc?: string } {
  try {
    return decodeProtectedHeader(jwe) as { alg?: string; enc?: string }
  } catch {
    return {}
  }
}

function parseObject(text: string | undefined): Record<string, unknown> | undefined {
  try {
    const parsed = text === undefined ? undefined : (JSON.parse(text) as unknown)
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}
