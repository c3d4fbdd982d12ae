import { Kms, TypedArrayEncoder, ZodValidationError } from '@credo-ts/core'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createAgent } from '@interop-lab/common/agent'
import { installedMethod } from '@interop-lab/common/credo-extensions/upstreamSource'

// Credo's KMS API as Credo ships it, taken before the first agent replaces its hot methods (prebuiltKmsSchemas.ts)
const METHODS = ['createKey', 'sign', 'verify', 'getPublicKey', 'randomBytes'] as const
type Method = (typeof METHODS)[number]
const api = Kms.KeyManagementApi.prototype as unknown as Record<Method, (this: Kms.KeyManagementApi, options: unknown) => unknown>
const credo = Object.fromEntries(METHODS.map((name) => [name, api[name]])) as typeof api

const dataDir = mkdtempSync(join(tmpdir(), 'interop-kms-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))
const startAgent = () => createAgent({ database: { engine: 'sqlite', file: join(dataDir, 'agent.sqlite') }, dataDir, modules: {} })

/** What a call threw (or returned): the error's class, its message and, for a validation error, zod's issues. */
async function outcome(call: () => unknown): Promise<unknown> {
  try {
    return { returned: await call() }
  } catch (error) {
    const { message } = error as Error
    return { threw: (error as Error).constructor.name, message, issues: error instanceof ZodValidationError ? (error.zodError as { issues: unknown }).issues : undefined }
  }
}

describe("Credo's KMS API with its options schemas composed once (common/persistence/prebuiltKmsSchemas.ts)", () => {
  const data = TypedArrayEncoder.fromString('a signed message')

  it("compares against Credo's own methods, as installed", () => {
    for (const name of METHODS) {
      const installed = installedMethod('@credo-ts/core', 'build/modules/kms/KeyManagementApi.mjs', 'KeyManagementApi', name)
      expect('code' in installed && credo[name].toString() === installed.code, `KeyManagementApi.${name} taken before the lab's replaced it`).toBe(true)
    }
  })

  it("refuses bad options exactly as Credo does (ZodValidationError 'Invalid options provided to … method', same issues), and answers good ones the same", async () => {
    const { agent, shutdown } = await startAgent()
    try {
      const kms = agent.kms
      for (const name of METHODS) expect(api[name], `${name} is the lab's`).not.toBe(credo[name])
      const { keyId, publicJwk } = await kms.createKey({ type: { kty: 'OKP', crv: 'Ed25519' } })
      const bad: [Method, unknown][] = [
        ['createKey', { type: { kty: 'OKP', crv: 'Ed448' } }],
        ['createKey', { type: { kty: 'EC', crv: 'P-256' }, backend: 7 }],
        ['sign', { keyId, algorithm: 'EdDSA', data: 'not bytes' }],
        ['sign', { algorithm: 'EdDSA', data }],
        ['verify', { key: { publicJwk: { kty: 'OKP' } }, algorithm: 'EdDSA', data, signature: data }],
        ['getPublicKey', { keyId: 42 }],
        ['randomBytes', { length: 'sixteen' }],
        ['randomBytes', { length: 16, backend: null }],
      ]
      for (const [name, options] of bad) {
        const [lab, upstream] = [await outcome(() => api[name].call(kms, options)), await outcome(() => credo[name].call(kms, options))]
        expect(lab, `${name}(${JSON.stringify(options)})`).toEqual(upstream)
        expect(lab).toMatchObject({ threw: 'ZodValidationError', message: expect.stringContaining(`Invalid options provided to ${name} method`) })
      }

      const unknownKey = { keyId: 'no-such-key', algorithm: 'EdDSA', data }
      expect(await outcome(() => kms.sign(unknownKey as Kms.KmsSignOptions))).toEqual(await outcome(() => credo.sign.call(kms, unknownKey)))
      expect(await kms.getPublicKey({ keyId })).toEqual(await credo.getPublicKey.call(kms, { keyId }))
      expect((kms.randomBytes({ length: 24 }) as Uint8Array).length).toBe(24)
      const { signature } = await kms.sign({ keyId, algorithm: 'EdDSA', data })
      expect(await credo.verify.call(kms, { key: { publicJwk }, algorithm: 'EdDSA', data, signature })).toMatchObject({ verified: true })
      expect(await kms.verify({ key: { publicJwk }, algorithm: 'EdDSA', data: TypedArrayEncoder.fromString('another message'), signature })).toEqual({ verified: false })
    } finally {
      await shutdown()
    }
  })

  it('signs after a restart with the key sealed in the database; a deleted key is gone at once and after the next restart', async () => {
    const first = await startAgent()
    const { keyId, publicJwk } = await first.agent.kms.createKey({ type: { kty: 'EC', crv: 'P-256' } })
    await first.shutdown()

    const second = await startAgent()
    const { signature } = await second.agent.kms.sign({ keyId, algorithm: 'ES256', data })
    expect(await second.agent.kms.verify({ key: { publicJwk }, algorithm: 'ES256', data, signature })).toMatchObject({ verified: true })
    expect(await second.agent.kms.deleteKey({ keyId })).toBe(true)
    await expect(second.agent.kms.sign({ keyId, algorithm: 'ES256', data })).rejects.toBeInstanceOf(Kms.KeyManagementKeyNotFoundError)
    await second.shutdown()

    const third = await startAgent()
    await expect(third.agent.kms.getPublicKey({ keyId })).rejects.toBeInstanceOf(Kms.KeyManagementKeyNotFoundError)
    await third.shutdown()
  })
})
