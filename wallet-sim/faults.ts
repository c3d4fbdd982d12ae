import { base64url, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from 'jose'
import { z } from 'zod'

/** Ways the fault-injecting wallet ("Mallory") breaks a presentation on its way to the verifier. */
export const faultSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('tamper') }),
  z.object({ kind: z.literal('wrong-holder-key') }),
  z.object({ kind: z.literal('replay') }),
  z.object({ kind: z.literal('withhold'), claim: z.string().min(1) }),
  /** AnonCreds: a revealed raw value changed, its encoded value left as signed. */
  z.object({ kind: z.literal('alter-raw') }),
])
export type Fault = z.infer<typeof faultSchema>

const decodeJson = (part: string) => JSON.parse(new TextDecoder().decode(base64url.decode(part))) as Record<string, unknown>
const encodeJson = (value: unknown) => base64url.encode(JSON.stringify(value))

/** Changes a signed payload without re-signing: the issuer's (or holder's) signature no longer matches. */
function tamperJwt(jwt: string): string {
  const [header, payload, signature] = jwt.split('.')
  const claims = decodeJson(payload)
  claims.iat = typeof claims.iat === 'number' ? claims.iat - 86_400 : 0
  return [header, encodeJson(claims), signature].join('.')
}

/** Re-signs the holder's proof with a key the credential is not bound to. */
async function resignWithForeignKey(jwt: string): Promise<string> {
  const [, payload] = jwt.split('.')
  const header = decodeProtectedHeader(jwt)
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
  const foreignHeader = header.jwk ? { ...header, jwk: await exportJWK(publicKey) } : header
  return new SignJWT(decodeJson(payload)).setProtectedHeader({ ...foreignHeader, alg: 'EdDSA' }).sign(privateKey)
}

const isSdJwt = (presentation: string) => presentation.includes('~')

/** Alters the issuer-signed part: the SD-JWT's issuer JWT, or each credential inside a JWT VP. */
export async function tamperPresentation(presentation: string): Promise<string> {
  if (!isSdJwt(presentation)) {
    const [header, payload, signature] = presentation.split('.')
    const claims = decodeJson(payload) as { vp?: { verifiableCredential?: string[] } }
    if (claims.vp?.verifiableCredential) claims.vp.verifiableCredential = claims.vp.verifiableCredential.map(tamperJwt)
    return [header, encodeJson(claims), signature].join('.')
  }
  const [issuerJwt, ...rest] = presentation.split('~')
  return [tamperJwt(issuerJwt), ...rest].join('~')
}

export async function swapHolderKey(presentation: string): Promise<string> {
  if (!isSdJwt(presentation)) return resignWithForeignKey(presentation)
  const parts = presentation.split('~')
  parts[parts.length - 1] = await resignWithForeignKey(parts[parts.length - 1])
  return parts.join('~')
}

/** Applies `transform` to every presentation in an OID4VP 1.0 DCQL vp_token ({ queryId: [presentation] }). */
export async function mapVpToken(vpToken: string, transform: (presentation: string) => Promise<string>): Promise<string> {
  const token = JSON.parse(vpToken) as Record<string, string[] | string>
  for (const [id, value] of Object.entries(token)) {
    token[id] = Array.isArray(value) ? await Promise.all(value.map(transform)) : await transform(value)
  }
  return JSON.stringify(token)
}
