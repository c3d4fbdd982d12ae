import { type AgentContext, Kms, TypedArrayEncoder } from '@credo-ts/core'
import { NodeKeyManagementService, type NodeKeyManagementStorage } from '@credo-ts/node'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { randomBytes } from 'node:crypto'
import { BOX_NONCE_BYTES, cryptoBox, cryptoBoxOpen, cryptoBoxSeal, cryptoBoxSealOpen } from './naclBox'

const KEY_AGREEMENT = 'ECDH-HSALSA20'
const ENCRYPTION = 'XSALSA20-POLY1305'

type Operation = { keyAgreement?: { algorithm: string }; encryption?: { algorithm: string }; decryption?: { algorithm: string } }

const isBoxOperation = (operation: Operation) => operation.keyAgreement?.algorithm === KEY_AGREEMENT && (operation.encryption ?? operation.decryption)?.algorithm === ENCRYPTION

const publicKeyOf = (jwk: { x: string }) => TypedArrayEncoder.fromBase64(jwk.x)

/**
 * Credo's Node KMS plus the DIDComm v1 envelope primitives it lacks (only Askar has them):
 * ECDH-HSALSA20 key agreement with XSALSA20-POLY1305, i.e. libsodium's crypto_box (authcrypt) and
 * crypto_box_seal (anoncrypt). Ed25519 keys take part through their X25519 (Montgomery) form.
 */
export class DidCommKeyManagementService extends NodeKeyManagementService {
  public constructor(private readonly keys: NodeKeyManagementStorage) {
    super(keys)
  }

  public override isOperationSupported(agentContext: AgentContext, operation: Kms.KmsOperation): boolean {
    if ((operation.operation === 'encrypt' || operation.operation === 'decrypt') && isBoxOperation(operation as Operation)) return true
    return super.isOperationSupported(agentContext, operation)
  }

  private async x25519SecretKey(agentContext: AgentContext, keyId: string): Promise<Uint8Array> {
    const jwk = await this.keys.get(agentContext, keyId)
    if (!jwk) throw new Kms.KeyManagementKeyNotFoundError(keyId, [this.backend])
    if (jwk.kty !== 'OKP' || (jwk.crv !== 'Ed25519' && jwk.crv !== 'X25519')) throw new Kms.KeyManagementAlgorithmNotSupportedError(`${KEY_AGREEMENT} with a ${jwk.kty} key`, this.backend)
    const secret = TypedArrayEncoder.fromBase64(jwk.d)
    return jwk.crv === 'Ed25519' ? ed25519.utils.toMontgomerySecret(secret) : secret
  }

  public override async encrypt(agentContext: AgentContext, options: Kms.KmsEncryptOptions): Promise<Kms.KmsEncryptReturn> {
    const agreement = options.key.keyAgreement
    if (!agreement || !isBoxOperation({ keyAgreement: agreement, encryption: options.encryption })) return super.encrypt(agentContext, options)
    if (!('externalPublicJwk' in agreement) || !agreement.externalPublicJwk || !('x' in agreement.externalPublicJwk)) {
      throw new Kms.KeyManagementError(`${KEY_AGREEMENT} needs the recipient's X25519 public key`)
    }
    const recipient = publicKeyOf(agreement.externalPublicJwk)
    const data = Uint8Array.from(options.data)
    if (!agreement.keyId) return { encrypted: cryptoBoxSeal(data, recipient) }
    const nonce = new Uint8Array(randomBytes(BOX_NONCE_BYTES))
    return { encrypted: cryptoBox(data, nonce, recipient, await this.x25519SecretKey(agentContext, agreement.keyId)), iv: nonce }
  }

  public override async decrypt(agentContext: AgentContext, options: Kms.KmsDecryptOptions): Promise<Kms.KmsDecryptReturn> {
    const agreement = options.key.keyAgreement
    if (!agreement || !isBoxOperation({ keyAgreement: agreement, decryption: options.decryption })) return super.decrypt(agentContext, options)
    const secretKey = await this.x25519SecretKey(agentContext, agreement.keyId)
    const encrypted = Uint8Array.from(options.encrypted)
    const sender = 'externalPublicJwk' in agreement ? agreement.externalPublicJwk : undefined
    if (!sender) return { data: cryptoBoxSealOpen(encrypted, x25519.getPublicKey(secretKey), secretKey) }
    const iv = 'iv' in options.decryption ? options.decryption.iv : undefined
    if (!iv || !('x' in sender)) throw new Kms.KeyManagementError(`${KEY_AGREEMENT} authcrypt needs the sender's X25519 public key and the nonce (iv)`)
    return { data: cryptoBoxOpen(encrypted, Uint8Array.from(iv), publicKeyOf(sender), secretKey) }
  }
}
