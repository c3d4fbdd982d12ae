import { Kms, TypedArrayEncoder } from '@credo-ts/core'
import { NodeKeyManagementService } from '@credo-ts/node'
import { createPublicKey, generateKeyPairSync, sign as nodeSign, verify as nodeVerify } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire, syncBuiltinESMExports } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createAgent } from '@interop-lab/common/agent'
import { SealedKeyStorage } from '@interop-lab/common/persistence'
import { masterSecretFor } from '@interop-lab/common/secrets'

/**
 * The lab's KMS keeps the Node KeyObjects of its keys (common/kms): counted here are the key imports
 * (`createPrivateKey`, `createPublicKey`) that signatures and verifications through Credo's KMS API make, and compared
 * are its answers with those of Credo's own Node KMS reading the same sealed keys.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'interop-kms-key-objects-'))
let lab: Awaited<ReturnType<typeof createAgent>>
let credoKms: NodeKeyManagementService
beforeAll(async () => {
  lab = await createAgent({ database: { engine: 'sqlite', file: join(dataDir, 'agent.sqlite') }, dataDir, modules: {} })
  credoKms = new NodeKeyManagementService(new SealedKeyStorage(lab.db, masterSecretFor(dataDir)))
})
afterAll(async () => {
  await lab.shutdown()
  rmSync(dataDir, { recursive: true, force: true })
})

const data = TypedArrayEncoder.fromString('a signed message')
const KEYS = [
  { type: { kty: 'OKP', crv: 'Ed25519' }, algorithm: 'EdDSA', nodeKeyType: 'ed25519' },
  { type: { kty: 'EC', crv: 'P-256' }, algorithm: 'ES256', nodeKeyType: 'ec' },
] as const

const createAsymmetricKey = async (type: (typeof KEYS)[number]['type']) => (await lab.agent.kms.createKey({ type })) as { keyId: string; publicJwk: Kms.KmsJwkPublicAsymmetric }

/** Key imports made by node:crypto's own functions (the ES module bindings Credo imports follow the patched ones). */
async function keyImportsDuring(work: () => Promise<void>) {
  const crypto = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto')
  const spies = { createPrivateKey: vi.spyOn(crypto, 'createPrivateKey'), createPublicKey: vi.spyOn(crypto, 'createPublicKey') }
  syncBuiltinESMExports()
  try {
    await work()
    return { createPrivateKey: spies.createPrivateKey.mock.calls.length, createPublicKey: spies.createPublicKey.mock.calls.length }
  } finally {
    for (const spy of Object.values(spies)) spy.mockRestore()
    syncBuiltinESMExports()
  }
}

/** What a call returned, or the class and message of what it threw. */
async function outcome(call: () => unknown): Promise<unknown> {
  try {
    return { returned: await call() }
  } catch (error) {
    return { threw: (error as Error).constructor.name, message: (error as Error).message }
  }
}

/** A key of the same type made outside the lab, named with `kid`: another party's key under a kid the lab knows. */
function impostorKey(nodeKeyType: 'ed25519' | 'ec', kid: string) {
  const { privateKey, publicKey } = nodeKeyType === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519')
  const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid } as Kms.KmsJwkPublicAsymmetric
  const signature = nodeSign(nodeKeyType === 'ec' ? 'sha256' : null, data, nodeKeyType === 'ec' ? { key: privateKey, dsaEncoding: 'ieee-p1363' } : privateKey)
  return { publicJwk, signature: new Uint8Array(signature) }
}

describe('KMS key objects kept per key (common/kms/KeptKeyObjectsKeyManagementService.ts)', () => {
  for (const { type, algorithm } of KEYS) {
    it(`${algorithm}: ten signatures and twenty verifications through Credo's KMS API import the private key once and the public key once per form`, async () => {
      const { keyId, publicJwk } = await createAsymmetricKey(type)
      const signatures: Uint8Array[] = []
      const verified: boolean[] = []
      const imports = await keyImportsDuring(async () => {
        for (let round = 0; round < 10; round++) {
          const { signature } = await lab.agent.kms.sign({ keyId, algorithm, data })
          signatures.push(signature)
          verified.push((await lab.agent.kms.verify({ key: { publicJwk }, algorithm, data, signature })).verified)
          verified.push((await lab.agent.kms.verify({ key: { keyId }, algorithm, data, signature })).verified)
        }
      })
      // Credo's Node KMS imports on every call: 10 private, 20 public
      expect(imports).toEqual({ createPrivateKey: 1, createPublicKey: 2 })
      expect(verified.every(Boolean)).toBe(true)
      // each signature checked by node:crypto alone, off the KMS
      const nodeKey = createPublicKey({ format: 'jwk', key: publicJwk as never })
      for (const signature of signatures) {
        expect(nodeVerify(type.kty === 'EC' ? 'sha256' : null, data, type.kty === 'EC' ? { key: nodeKey, dsaEncoding: 'ieee-p1363' } : nodeKey, signature)).toBe(true)
      }
    })
  }

  for (const { type, algorithm, nodeKeyType } of KEYS) {
    it(`${algorithm}: a signature by another key with the same kid is refused, both ways, with both public keys kept (RFC 7515 §5.2 step 8)`, async () => {
      const { keyId, publicJwk } = await createAsymmetricKey(type)
      const { signature } = await lab.agent.kms.sign({ keyId, algorithm, data })
      const impostor = impostorKey(nodeKeyType, publicJwk.kid as string)
      const verify = (jwk: Kms.KmsJwkPublicAsymmetric, sig: Uint8Array) => lab.agent.kms.verify({ key: { publicJwk: jwk }, algorithm, data, signature: sig })
      // both keys kept first
      expect((await verify(publicJwk, signature)).verified).toBe(true)
      expect((await verify(impostor.publicJwk, impostor.signature)).verified).toBe(true)
      expect(await verify(publicJwk, impostor.signature)).toEqual({ verified: false })
      expect(await verify(impostor.publicJwk, signature)).toEqual({ verified: false })
      expect(await lab.agent.kms.verify({ key: { keyId }, algorithm, data, signature: impostor.signature })).toEqual({ verified: false })
    })
  }

  it("answers as Credo's own Node KMS on the same sealed keys: tampered data, wrong algorithm, malformed signature, unknown key", async () => {
    const ours = lab.agent.dependencyManager.resolve(Kms.KeyManagementModuleConfig).backends.find((backend) => backend.backend === 'node') as Kms.KeyManagementService
    const context = lab.agent.context
    const ed = (await lab.agent.kms.createKey({ type: { kty: 'OKP', crv: 'Ed25519' } })) as { keyId: string; publicJwk: Kms.KmsJwkPublicOkp }
    const ec = (await lab.agent.kms.createKey({ type: { kty: 'EC', crv: 'P-256' } })) as { keyId: string; publicJwk: Kms.KmsJwkPublicEc }
    const edSignature = (await lab.agent.kms.sign({ keyId: ed.keyId, algorithm: 'EdDSA', data })).signature
    const ecSignature = (await lab.agent.kms.sign({ keyId: ec.keyId, algorithm: 'ES256', data })).signature
    const tampered = TypedArrayEncoder.fromString('another message')
    const verifications: Kms.KmsVerifyOptions[] = [
      { key: { publicJwk: ed.publicJwk }, algorithm: 'EdDSA', data, signature: edSignature },
      { key: { keyId: ed.keyId }, algorithm: 'EdDSA', data, signature: edSignature },
      { key: { publicJwk: ec.publicJwk }, algorithm: 'ES256', data, signature: ecSignature },
      { key: { keyId: ec.keyId }, algorithm: 'ES256', data, signature: ecSignature },
      { key: { publicJwk: ed.publicJwk }, algorithm: 'EdDSA', data: tampered, signature: edSignature },
      { key: { keyId: ec.keyId }, algorithm: 'ES256', data: tampered, signature: ecSignature },
      { key: { publicJwk: ec.publicJwk }, algorithm: 'ES384', data, signature: ecSignature },
      { key: { publicJwk: ed.publicJwk }, algorithm: 'ES256', data, signature: edSignature },
      { key: { publicJwk: ec.publicJwk }, algorithm: 'ES256', data, signature: ecSignature.slice(1) },
      { key: { keyId: 'no-such-key' }, algorithm: 'EdDSA', data, signature: edSignature },
    ]
    for (const options of verifications) expect(await outcome(() => ours.verify(context, options)), JSON.stringify(options.key)).toEqual(await outcome(() => credoKms.verify(context, options)))
    const signings: Kms.KmsSignOptions[] = [
      { keyId: ed.keyId, algorithm: 'EdDSA', data },
      { keyId: ed.keyId, algorithm: 'ES256', data },
      { keyId: ec.keyId, algorithm: 'EdDSA', data },
      { keyId: 'no-such-key', algorithm: 'EdDSA', data },
    ]
    // Ed25519 signatures are deterministic (RFC 8032), so equal; the refusals are Credo's
    for (const options of signings) expect(await outcome(() => ours.sign(context, options)), JSON.stringify(options)).toEqual(await outcome(() => credoKms.sign(context, options)))
    expect(await ours.getPublicKey(context, ec.keyId)).toEqual(await credoKms.getPublicKey(context, ec.keyId))
  })

  it('a key deleted and imported again under the same key id signs with the new material at once', async () => {
    const kid = 'reused-key-id'
    const first = impostorKey('ed25519', kid)
    const jwkOf = () => ({ ...(generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) as Kms.KmsJwkPrivateOkp), kid })
    const [old, replacement] = [jwkOf(), jwkOf()]
    await lab.agent.kms.importKey({ privateJwk: old })
    const signedByOld = (await lab.agent.kms.sign({ keyId: kid, algorithm: 'EdDSA', data })).signature
    expect(await lab.agent.kms.deleteKey({ keyId: kid })).toBe(true)
    await expect(lab.agent.kms.sign({ keyId: kid, algorithm: 'EdDSA', data })).rejects.toBeInstanceOf(Kms.KeyManagementKeyNotFoundError)
    const publicJwk = (await lab.agent.kms.importKey({ privateJwk: replacement })).publicJwk as Kms.KmsJwkPublicOkp
    const signedByReplacement = (await lab.agent.kms.sign({ keyId: kid, algorithm: 'EdDSA', data })).signature
    expect((await lab.agent.kms.verify({ key: { publicJwk }, algorithm: 'EdDSA', data, signature: signedByReplacement })).verified).toBe(true)
    expect(await lab.agent.kms.verify({ key: { publicJwk }, algorithm: 'EdDSA', data, signature: signedByOld })).toEqual({ verified: false })
    expect(await lab.agent.kms.verify({ key: { keyId: kid }, algorithm: 'EdDSA', data, signature: signedByOld })).toEqual({ verified: false })
    expect(await lab.agent.kms.verify({ key: { publicJwk: first.publicJwk }, algorithm: 'EdDSA', data, signature: signedByReplacement })).toEqual({ verified: false })
  })
})
