import { type Agent, SdJwtVcApi, SdJwtVcRecord, W3cCredentialRecord, W3cCredentialService, W3cJwtVerifiableCredential } from '@credo-ts/core'
import { OpenId4VciHolderService } from '@credo-ts/openid4vc'

type VerifiedSdJwtVc = NonNullable<Awaited<ReturnType<SdJwtVcApi['verify']>>['sdJwtVc']>
type CredentialResponseHandler = (...args: unknown[]) => Promise<{ record: unknown }>

/**
 * A credential received over OID4VCI is parsed once, by the verification Credo's holder runs on it: the record Credo
 * builds then parses it again at each read of `firstCredential` (Credo's own log line, the wallet's checks, the W3C
 * store's tags) and an SD-JWT VC's tags decode it once more. Here the record carries the credential as verified, the
 * way the verifier judges a presentation from what it verified once. Only a credential Credo found valid is carried:
 * one that is not makes Credo refuse the response as before, and the wallet's own checks run on what Credo verified.
 */
export function keepVerifiedOnReceipt(agent: Agent): void {
  const { dependencyManager } = agent
  // the credentials Credo found valid while it handles credential responses (OID4VCI 1.0 §8.3), by their compact form:
  // each response takes its own by its exact text, and the map is emptied when none is being handled
  const verified = new Map<string, VerifiedSdJwtVc | W3cJwtVerifiableCredential>()
  let handling = 0
  const sdJwtVcs = dependencyManager.resolve(SdJwtVcApi)
  const verifySdJwtVc = sdJwtVcs.verify.bind(sdJwtVcs)
  sdJwtVcs.verify = (async (options: Parameters<SdJwtVcApi['verify']>[0]) => {
    const result = await verifySdJwtVc(options)
    if (handling && result.isValid) verified.set(result.sdJwtVc.compact, result.sdJwtVc)
    return result
  }) as SdJwtVcApi['verify']

  const w3c = dependencyManager.resolve(W3cCredentialService)
  const verifyW3c = w3c.verifyCredential.bind(w3c)
  w3c.verifyCredential = async (agentContext, options) => {
    const result = await verifyW3c(agentContext, options)
    const { credential } = options
    if (handling && result.isValid && credential instanceof W3cJwtVerifiableCredential) verified.set(credential.serializedJwt, credential)
    return result
  }

  // TypeScript-private in Credo: replaced on this agent's instance only
  const holder = dependencyManager.resolve(OpenId4VciHolderService) as unknown as { handleCredentialResponse: CredentialResponseHandler }
  const handleCredentialResponse = holder.handleCredentialResponse.bind(holder)
  holder.handleCredentialResponse = async (...args) => {
    handling++
    try {
      const received = await handleCredentialResponse(...args)
      carryVerified(received.record, verified)
      return received
    } finally {
      if (--handling === 0) verified.clear()
    }
  }
}

/** The record's first credential as verified (own, non-enumerable: never stored), and an SD-JWT VC's tags from it. */
function carryVerified(record: unknown, verified: Map<string, VerifiedSdJwtVc | W3cJwtVerifiableCredential>): void {
  if (record instanceof SdJwtVcRecord) {
    const [{ compactSdJwtVc, kmsKeyId }] = record.credentialInstances
    const sdJwtVc = verified.get(compactSdJwtVc) as VerifiedSdJwtVc | undefined
    if (!sdJwtVc) return
    const firstCredential = { ...sdJwtVc, kmsKeyId } as SdJwtVcRecord['firstCredential']
    Object.defineProperty(record, 'firstCredential', { value: firstCredential, configurable: true })
    Object.defineProperty(record, 'getTags', { value: () => sdJwtVcTags(record, firstCredential), configurable: true })
  } else if (record instanceof W3cCredentialRecord) {
    const encoded = record.credentialInstances[0].credential
    const credential = typeof encoded === 'string' ? verified.get(encoded) : undefined
    if (credential instanceof W3cJwtVerifiableCredential) Object.defineProperty(record, 'firstCredential', { value: credential, configurable: true })
  }
}

/** `SdJwtVcRecord.getTags`, from the credential as decoded by its verification instead of a decode of its own. */
function sdJwtVcTags(record: SdJwtVcRecord, { header, payload }: SdJwtVcRecord['firstCredential']) {
  const { _tags } = record as unknown as { _tags: Record<string, unknown> }
  return {
    ..._tags,
    vct: payload.vct as string,
    extendedVctValues: record.extendedVctValues,
    sdAlg: (payload._sd_alg as string | undefined) ?? 'sha-256',
    alg: header.alg as string,
    multiInstanceState: record.multiInstanceState,
  }
}
