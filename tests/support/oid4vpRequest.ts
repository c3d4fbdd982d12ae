import { decodeJwt, decodeProtectedHeader } from 'jose'
import { expect } from 'vitest'

/** The OID4VP 1.0 request object fields the tests answer. */
export interface AuthorizationRequest {
  aud: string
  client_id: string
  nonce: string
  state: string
  response_uri: string
  client_metadata: { vp_formats_supported: Record<string, Record<string, string[]>> }
}

/** Starts a verification at the lab verifier and reads its signed request object by reference, as a wallet does. */
export async function openOid4vpRequest(
  verifierUrl: string,
  policyId: string,
  format: string,
): Promise<{ id: string; requestUri: string; request: AuthorizationRequest; header: Record<string, unknown> }> {
  const created = await fetch(`${verifierUrl}/verifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ policyId, format }) })
  expect(created.status).toBe(201)
  const { id, requestUri } = (await created.json()) as { id: string; requestUri: string }
  const requestObject = await (await fetch(new URL(requestUri).searchParams.get('request_uri')!)).text()
  return { id, requestUri, request: decodeJwt(requestObject) as unknown as AuthorizationRequest, header: decodeProtectedHeader(requestObject) }
}
