import { type AgentContext, Kms } from '@credo-ts/core'
import { realpathSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { installedPackageDirectory } from '../credo-extensions/upstreamSource'

/** A zod schema as Credo's KMS options modules export them. */
type Schema = object
type Parse = <T>(schema: Schema, data: unknown, customErrorMessage: string) => T
type WithBackend<T> = T & { backend?: string }

/** The TypeScript-private members of Credo's KeyManagementApi that its public methods use. */
interface Api {
  agentContext: AgentContext
  getKms(agentContext: AgentContext, backend: string | undefined, operation?: Kms.KmsOperation): Kms.KeyManagementService
  getKmsForOperationAndKeyId(agentContext: AgentContext, keyId: string, operation?: Kms.KmsOperation): Promise<{ publicKey: Kms.KmsJwkPublic; kms: Kms.KeyManagementService }>
}

/** A module of @credo-ts/core's build that its package exports do not expose: the very instance Credo's own modules import. */
const coreModule = <T>(file: string): Promise<T> => import(pathToFileURL(realpathSync(join(installedPackageDirectory('@credo-ts/core'), 'build', file))).href)

let installed: Promise<void> | undefined

/**
 * Credo's KeyManagementApi builds each method's options schema on every call (`zWithBackend(schema)`: a new zod
 * intersection, which zod then compiles before parsing it, about 120 µs), and an issuance signs, verifies and draws
 * salts (`randomBytes`, one per disclosure) dozens of times. The hot methods are replaced with the same code parsing
 * against the same schemas, composed once by Credo's own `zWithBackend`. Installing twice is harmless.
 */
export function installPrebuiltKmsSchemas(): Promise<void> {
  installed ??= install()
  return installed
}

async function install(): Promise<void> {
  const [
    { KeyManagementApi },
    { zParseWithErrorHandling: parse },
    { zWithBackend },
    { zKmsSignOptions },
    { zKmsVerifyOptions },
    { zKmsGetPublicKeyOptions },
    { zKmsRandomBytesOptions },
    { zKmsCreateKeyOptions },
  ] = await Promise.all([
    coreModule<{ KeyManagementApi: unknown }>('modules/kms/KeyManagementApi.mjs'),
    coreModule<{ zParseWithErrorHandling: Parse }>('utils/zod.mjs'),
    coreModule<{ zWithBackend: (schema: Schema) => Schema }>('modules/kms/options/backend.mjs'),
    coreModule<{ zKmsSignOptions: Schema }>('modules/kms/options/KmsSignOptions.mjs'),
    coreModule<{ zKmsVerifyOptions: Schema }>('modules/kms/options/KmsVerifyOptions.mjs'),
    coreModule<{ zKmsGetPublicKeyOptions: Schema }>('modules/kms/options/KmsGetPublicKeyOptions.mjs'),
    coreModule<{ zKmsRandomBytesOptions: Schema }>('modules/kms/options/KmsRandomBytesOptions.mjs'),
    coreModule<{ zKmsCreateKeyOptions: Schema }>('modules/kms/options/KmsCreateKeyOptions.mjs'),
  ])
  if (KeyManagementApi !== Kms.KeyManagementApi) throw new Error("@credo-ts/core's KeyManagementApi.mjs is not the module the lab imports: its KMS schemas cannot be replaced")
  const schemas = {
    createKey: zWithBackend(zKmsCreateKeyOptions),
    sign: zWithBackend(zKmsSignOptions),
    verify: zWithBackend(zKmsVerifyOptions),
    getPublicKey: zWithBackend(zKmsGetPublicKeyOptions),
    randomBytes: zWithBackend(zKmsRandomBytesOptions),
  }
  const api = Kms.KeyManagementApi.prototype as unknown as Api & Record<keyof typeof schemas, unknown>

  // each as in Credo 0.6.3 (common/credo-extensions/index.ts fingerprints them), with its schema composed above
  api.createKey = async function createKey(this: Api, options: WithBackend<Kms.KmsCreateKeyOptions<Kms.KmsCreateKeyType>>) {
    const { backend, ...kmsOptions } = parse<typeof options>(schemas.createKey, options, 'Invalid options provided to createKey method')
    const key = await this.getKms(this.agentContext, backend, { operation: 'createKey', type: options.type }).createKey(this.agentContext, kmsOptions)
    key.publicJwk.kid = key.keyId
    this.agentContext.config.logger.debug(`Created key ${Kms.getJwkHumanDescription(key.publicJwk)} with key id '${key.keyId}'`)
    return key
  }

  api.sign = async function sign(this: Api, options: WithBackend<Kms.KmsSignOptions>) {
    const { backend, ...kmsOptions } = parse<typeof options>(schemas.sign, options, 'Invalid options provided to sign method')
    const operation: Kms.KmsOperation = { operation: 'sign', algorithm: options.algorithm }
    const kms = backend ? this.getKms(this.agentContext, backend, operation) : (await this.getKmsForOperationAndKeyId(this.agentContext, options.keyId, operation)).kms
    return await kms.sign(this.agentContext, kmsOptions)
  }

  api.verify = async function verify(this: Api, options: WithBackend<Kms.KmsVerifyOptions>) {
    const { backend, ...kmsOptions } = parse<typeof options>(schemas.verify, options, 'Invalid options provided to verify method')
    const operation: Kms.KmsOperation = { operation: 'verify', algorithm: options.algorithm }
    const key = options.key as unknown
    const kms = backend || typeof key !== 'string' ? this.getKms(this.agentContext, backend, operation) : (await this.getKmsForOperationAndKeyId(this.agentContext, key, operation)).kms
    return await kms.verify(this.agentContext, kmsOptions)
  }

  api.getPublicKey = async function getPublicKey(this: Api, options: WithBackend<Kms.KmsGetPublicKeyOptions>) {
    const { backend, keyId } = parse<typeof options>(schemas.getPublicKey, options, 'Invalid options provided to getPublicKey method')
    if (backend && !(await this.getKms(this.agentContext, backend).getPublicKey(this.agentContext, keyId))) throw new Kms.KeyManagementKeyNotFoundError(keyId, [backend])
    const { publicKey } = await this.getKmsForOperationAndKeyId(this.agentContext, options.keyId)
    return publicKey
  }

  api.randomBytes = function randomBytes(this: Api, options: WithBackend<Kms.KmsRandomBytesOptions>) {
    const { backend, ...kmsOptions } = parse<typeof options>(schemas.randomBytes, options, 'Invalid options provided to randomBytes method')
    return this.getKms(this.agentContext, backend, { operation: 'randomBytes' }).randomBytes(this.agentContext, kmsOptions)
  }
}
