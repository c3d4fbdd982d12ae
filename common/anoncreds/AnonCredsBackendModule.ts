import { AnonCredsHolderServiceSymbol, AnonCredsIssuerServiceSymbol, AnonCredsModule, type AnonCredsRegistry, type AnonCredsVerifierService, AnonCredsVerifierServiceSymbol } from '@credo-ts/anoncreds'
import { AnonCredsDataIntegrityServiceSymbol, type DependencyManager, type IAnonCredsDataIntegrityService } from '@credo-ts/core'
import { type Anoncreds, registerAnoncreds } from '@hyperledger/anoncreds-shared'
import { EncodingCheckedVerifierService } from './EncodingCheckedVerifierService'
import { AnonCredsUnsupportedError, messageOf } from './errors'
import { WasmAnonCredsHolderService } from './wasm/WasmAnonCredsHolderService'
import { WasmAnonCredsIssuerService } from './wasm/WasmAnonCredsIssuerService'
import { WasmAnonCredsVerifierService } from './wasm/WasmAnonCredsVerifierService'
import { agentSettings } from '../config'

export type AnonCredsBackend = 'native' | 'wasm'

export interface AnonCredsBackendOptions {
  registries: [AnonCredsRegistry, ...AnonCredsRegistry[]]
  /** `auto` (default, or INTEROP_ANONCREDS_BACKEND): the native library when it is installed and loads, else WASM. */
  backend?: 'auto' | AnonCredsBackend
  /** Progress lines of slow work (WASM credential definition generation); default: console.info. */
  onProgress?: (message: string) => void
  autoCreateLinkSecret?: boolean
}

const NATIVE_PACKAGE = '@hyperledger/anoncreds-nodejs'

/**
 * Credo's AnonCredsModule on whichever backend this machine has: the native anoncreds-rs (Credo's own services)
 * or the WASM build, whose services replace Credo's. Either way the verifier checks revealed values against their
 * encoding. `agent.modules.<key>` is Credo's AnonCredsApi as usual.
 */
export class AnonCredsBackendModule extends AnonCredsModule {
  private readonly onProgress: (message: string) => void

  public constructor(
    options: AnonCredsBackendOptions,
    public readonly backend: AnonCredsBackend,
    native?: Anoncreds,
  ) {
    // Credo 0.6.3 keeps `anoncreds` in its config but never reads it; the WASM backend has no such object
    super({ registries: options.registries, autoCreateLinkSecret: options.autoCreateLinkSecret, anoncreds: native as Anoncreds })
    this.onProgress = options.onProgress ?? ((message) => console.info(`[anoncreds] ${message}`))
  }

  public override register(dependencyManager: DependencyManager): void {
    super.register(dependencyManager)
    let verifier: AnonCredsVerifierService
    if (this.backend === 'wasm') {
      dependencyManager.registerInstance(AnonCredsHolderServiceSymbol, new WasmAnonCredsHolderService())
      dependencyManager.registerInstance(AnonCredsIssuerServiceSymbol, new WasmAnonCredsIssuerService(this.onProgress))
      dependencyManager.registerInstance(AnonCredsDataIntegrityServiceSymbol, noDataIntegrity)
      verifier = new WasmAnonCredsVerifierService()
    } else {
      verifier = dependencyManager.resolve<AnonCredsVerifierService>(AnonCredsVerifierServiceSymbol)
    }
    dependencyManager.registerInstance(AnonCredsVerifierServiceSymbol, new EncodingCheckedVerifierService(verifier))
  }
}

/** Builds the module, probing for the native library unless told which backend to use. */
export async function createAnonCredsModule(options: AnonCredsBackendOptions): Promise<AnonCredsBackendModule> {
  const wanted = options.backend ?? backendFromEnvironment()
  if (wanted === 'wasm') return new AnonCredsBackendModule(options, 'wasm')
  const native = await loadNativeAnonCreds()
  if (native.loaded) return new AnonCredsBackendModule(options, 'native', native.anoncreds)
  if (wanted === 'native') throw new Error(`The native AnonCreds backend was asked for but ${NATIVE_PACKAGE} does not load: ${native.reason}`)
  return new AnonCredsBackendModule(options, 'wasm')
}

const backendFromEnvironment = (): 'auto' | AnonCredsBackend => agentSettings().INTEROP_ANONCREDS_BACKEND

type NativeProbe = { loaded: true; anoncreds: Anoncreds } | { loaded: false; reason: string }

/** Imports the native binding (it loads its binary on import) and calls into it once. */
export async function loadNativeAnonCreds(): Promise<NativeProbe> {
  try {
    const specifier: string = NATIVE_PACKAGE // not a static import: the package is optional and usually absent
    const module = (await import(specifier)) as { anoncreds?: Anoncreds }
    if (!module.anoncreds) return { loaded: false, reason: `${NATIVE_PACKAGE} exports no anoncreds binding` }
    module.anoncreds.version()
    registerAnoncreds({ lib: module.anoncreds })
    return { loaded: true, anoncreds: module.anoncreds }
  } catch (error) {
    return { loaded: false, reason: messageOf(error) }
  }
}

const noDataIntegrity: IAnonCredsDataIntegrityService = {
  async createPresentation() {
    throw new AnonCredsUnsupportedError('AnonCreds data-integrity (W3C) presentations need the native anoncreds library')
  },
  async verifyPresentation() {
    throw new AnonCredsUnsupportedError('AnonCreds data-integrity (W3C) presentations need the native anoncreds library')
  },
}
