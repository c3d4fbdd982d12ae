import { DataItem, IssuerSignedItem, parseDeviceResponse } from '@animo-id/mdoc'
import { base64url, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from 'jose'

export { type Fault, faultSchema } from '@interop-lab/contracts'

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
/** An mdoc DeviceResponse is base64url CBOR: neither an SD-JWT's '~' nor a JWT's '.'. */
const isMdoc = (presentation: string) => !presentation.includes('~') && !presentation.includes('.')

/** Changes the value of the first disclosed data element, its digest in the MSO left as the issuer signed it. */
function tamperMdoc(presentation: string): string {
  const response = parseDeviceResponse(base64url.decode(presentation))
  for (const document of response.documents) {
    const [namespace, items] = [...document.issuerSigned.nameSpaces.entries()][0] ?? []
    if (!namespace || !items?.length) continue
    const element = new Map(items[0].dataItem.data)
    element.set('elementValue', `${String(element.get('elementValue'))} (altered)`)
    items[0] = new IssuerSignedItem(DataItem.fromData(element))
  }
  return base64url.encode(response.encode())
}

/** Alters the issuer-signed part: the SD-JWT's issuer JWT, each credential inside a JWT VP, or an mdoc's first data element. */
export async function tamperPresentation(presentation: string): Promise<string> {
  if (isMdoc(presentation)) return tamperMdoc(presentation)
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
  // an mdoc's device signature was already made with a foreign key (wallet-sim/mdoc.ts, signWithForeignDeviceKey)
  if (isMdoc(presentation)) return presentation
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
