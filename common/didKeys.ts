import { type Agent, getPublicJwkFromVerificationMethod, parseDid } from '@credo-ts/core'
import { base64url, compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose'

/** The public key behind a DID URL, through the agent's DID resolvers. */
export async function resolvePublicJwk(agent: Agent, didUrl: string): Promise<JWK> {
  const document = await agent.dids.resolveDidDocument(didUrl)
  return getPublicJwkFromVerificationMethod(document.dereferenceKey(didUrl)).toJson() as JWK
}

/** Signs a compact JWS with the KMS key behind one of the agent's own DIDs (Ed25519 keys: EdDSA). */
export async function signWithDid(agent: Agent, kid: string, payload: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const { keys } = await agent.dids.resolveCreatedDidDocumentWithKeys(parseDid(kid).did)
  const key = keys?.find((k) => kid.endsWith(k.didDocumentRelativeKeyId)) ?? keys?.[0]
  if (!key) throw new Error(`No key of ${kid} is held by this agent`)
  const signingInput = `${base64url.encode(JSON.stringify({ ...header, alg: 'EdDSA', kid }))}.${base64url.encode(JSON.stringify(payload))}`
  const { signature } = await agent.kms.sign({ keyId: key.kmsKeyId, algorithm: 'EdDSA', data: new TextEncoder().encode(signingInput) })
  return `${signingInput}.${base64url.encode(signature)}`
}

/** Verifies a compact JWS against the DID in its `kid`; returns the payload and the signer's DID. */
export async function verifyWithDid(agent: Agent, jws: string): Promise<{ payload: Record<string, unknown>; did: string }> {
  const { kid, alg } = decodeProtectedHeader(jws)
  if (!kid?.startsWith('did:')) throw new Error('The signature names no DID key (kid)')
  const { payload } = await compactVerify(jws, await importJWK(await resolvePublicJwk(agent, kid), alg))
  return { payload: JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>, did: parseDid(kid).did }
}
