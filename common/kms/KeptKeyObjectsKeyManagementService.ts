import { type AgentContext, Kms } from '@credo-ts/core'
import { DidCommKeyManagementService } from '../persistence/DidCommKeyManagementService'
import type { SealedKeyStorage } from '../persistence/KeyStorage'
import { type OpenedKey, type PublicKey, publicKeyFor, signsWithKeptKeyObject, signWith, verifyWith } from './keyObjects'

/**
 * The lab's KMS (Credo's Node KMS with DIDComm v1 envelopes) without the work Credo's Node KMS repeats on every
 * signature: it imports the private JWK into a Node KeyObject for each sign, the public JWK for each verify, and
 * derives the public JWK (a zod parse) for each sign's key lookup and each verification. Here an opened key keeps its
 * KeyObjects and public JWK (forgotten with the key, see SealedKeyStorage), and a public key is kept by its exact JWK.
 * EC (P-256, P-384, P-521) and Ed25519 keys with their JWA algorithms; every other key or algorithm goes through
 * Credo's code. The checks are Credo's, in Credo's order, with Credo's errors.
 */
export class KeptKeyObjectsKeyManagementService extends DidCommKeyManagementService {
  public constructor(private readonly sealedKeys: SealedKeyStorage) {
    super(sealedKeys)
  }

  public override async getPublicKey(agentContext: AgentContext, keyId: string): Promise<Kms.KmsJwkPublic | null> {
    return (await this.sealedKeys.openedKey(agentContext, keyId))?.publicJwk() ?? null
  }

  public override async sign(agentContext: AgentContext, options: Kms.KmsSignOptions): Promise<Kms.KmsSignReturn> {
    const { keyId, algorithm, data } = options
    const key = await this.sealedKeys.openedKey(agentContext, keyId)
    if (!key) throw new Kms.KeyManagementKeyNotFoundError(keyId, [this.backend])
    if (!signsWithKeptKeyObject(key.jwk, algorithm)) return super.sign(agentContext, options)
    try {
      Kms.assertAllowedSigningAlgForKey(key.jwk, algorithm)
      Kms.assertKeyAllowsSign(key.jwk)
      return { signature: signWith(key, algorithm, data) }
    } catch (error) {
      if (error instanceof Kms.KeyManagementError) throw error
      throw new Kms.KeyManagementError('Error signing with key', { cause: error as Error })
    }
  }

  public override async verify(agentContext: AgentContext, options: Kms.KmsVerifyOptions): Promise<Kms.KmsVerifyReturn> {
    const { algorithm, data, signature } = options
    const { keyId, publicJwk } = options.key as { keyId?: string; publicJwk?: Kms.KmsJwkPublicAsymmetric }
    let key: OpenedKey | PublicKey | undefined
    if (keyId) {
      const opened = await this.sealedKeys.openedKey(agentContext, keyId)
      if (!opened) throw new Kms.KeyManagementKeyNotFoundError(keyId, [this.backend])
      key = opened
    } else if (publicJwk && signsWithKeptKeyObject(publicJwk, algorithm)) key = publicKeyFor(publicJwk)
    if (!key || !signsWithKeptKeyObject(key.jwk, algorithm)) return super.verify(agentContext, options)
    try {
      Kms.assertAllowedSigningAlgForKey(key.jwk, algorithm)
      Kms.assertKeyAllowsVerify(key.jwk)
      if (verifyWith(key, algorithm, data, signature)) return { verified: true, publicJwk: key.publicJwk() }
      return { verified: false }
    } catch (error) {
      if (error instanceof Kms.KeyManagementError) throw error
      throw new Kms.KeyManagementError('Error verifying with key', { cause: error as Error })
    }
  }
}
