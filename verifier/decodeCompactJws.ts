import { decodeJwt, decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters } from 'jose'

/** A compact JWS's protected header and payload, read before any signature is checked; undefined when either is not JSON. */
export function decodeCompactJws(jws: string): { header: ProtectedHeaderParameters; payload: JWTPayload } | undefined {
  try {
    return { header: decodeProtectedHeader(jws), payload: decodeJwt(jws) }
  } catch {
    return undefined
  }
}
