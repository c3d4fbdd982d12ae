import { AnonCredsError } from '@credo-ts/anoncreds'
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { AnonCredsLibraryError, messageOf } from '../errors'

const require = createRequire(import.meta.url)

/** The npm package whose build carries anoncreds-rs compiled to WebAssembly (version pinned in package.json). */
export const WASM_PACKAGE = '@hyperledger/identus-sdk'

/** A Rust object living in WASM memory: `free` it when done (consumed arguments are freed by the call). */
export interface WasmObject<Kind extends string> {
  readonly __kind?: Kind
  toJSON(): unknown
  free(): void
}

type Parse<Kind extends string> = { from(json: unknown): WasmObject<Kind> }
type Schemas = Record<string, unknown>
type CredentialDefinitions = Record<string, unknown>

/** The subset of the identus-sdk anoncreds-rs bindings we use (the package ships no typings for them). */
export interface AnonCredsWasm {
  Issuer: {
    /** Consumes `schema`; panics (WebAssembly.RuntimeError) on invalid input, so validate first. */
    createCredentialDefinition(
      schemaId: string,
      schema: WasmObject<'Schema'>,
      issuerId: string,
      tag: string,
    ): {
      credentialDefinition: WasmObject<'CredentialDefinition'>
      credentialDefinitionPrivate: WasmObject<'CredentialDefinitionPrivate'>
      keyCorrectnessProof: WasmObject<'KeyCorrectnessProof'>
      free(): void
    }
    /** Consumes `keyCorrectnessProof`; panics on identifiers anoncreds-rs refuses. */
    createCredentialOffer(schemaId: string, credentialDefinitionId: string, keyCorrectnessProof: WasmObject<'KeyCorrectnessProof'>): WasmObject<'CredentialOffer'>
    /** Encodes the raw values itself (the AnonCreds rule); the caller cannot supply encoded values. */
    createCredential(
      credentialDefinition: WasmObject<'CredentialDefinition'>,
      credentialDefinitionPrivate: WasmObject<'CredentialDefinitionPrivate'>,
      offer: WasmObject<'CredentialOffer'>,
      request: WasmObject<'CredentialRequest'>,
      rawValues: Record<string, string>,
    ): WasmObject<'Credential'>
  }
  Prover: {
    createLinkSecret(): WasmLinkSecret
    createCredentialRequest(
      credentialDefinition: WasmObject<'CredentialDefinition'>,
      linkSecret: WasmLinkSecret,
      linkSecretId: string,
      offer: WasmObject<'CredentialOffer'>,
    ): { request: WasmObject<'CredentialRequest'>; metadata: WasmObject<'CredentialRequestMetadata'>; free(): void }
    processCredential(
      credential: WasmObject<'Credential'>,
      metadata: WasmObject<'CredentialRequestMetadata'>,
      linkSecret: WasmLinkSecret,
      credentialDefinition: WasmObject<'CredentialDefinition'>,
    ): WasmObject<'Credential'>
    /** One credential per presentation, every requested attribute revealed; consumes `request`. */
    createPresentation(
      request: WasmObject<'PresentationRequest'>,
      credential: WasmObject<'Credential'>,
      linkSecret: WasmLinkSecret,
      schemas: Schemas,
      credentialDefinitions: CredentialDefinitions,
    ): WasmObject<'Presentation'>
  }
  Verifier: {
    /** Any library error (malformed proof, wrong nonce, bad signature) comes back as `false`. */
    verifyPresentation(presentation: WasmObject<'Presentation'>, request: WasmObject<'PresentationRequest'>, schemas: Schemas, credentialDefinitions: CredentialDefinitions): boolean
  }
  CredentialSchema: Parse<'Schema'>
  CredentialDefinition: Parse<'CredentialDefinition'>
  CredentialDefinitionPrivate: Parse<'CredentialDefinitionPrivate'>
  CredentialKeyCorrectnessProof: Parse<'KeyCorrectnessProof'>
  CredentialOffer: Parse<'CredentialOffer'>
  CredentialRequest: Parse<'CredentialRequest'>
  CredentialRequestMetadata: Parse<'CredentialRequestMetadata'>
  Credential: Parse<'Credential'>
  Presentation: Parse<'Presentation'>
  PresentationRequest: Parse<'PresentationRequest'>
  LinkSecret: { fromString(value: string): WasmLinkSecret }
  initSync(options: { module: WebAssembly.Module }): unknown
}

export interface WasmLinkSecret {
  readonly __kind?: 'LinkSecret'
  toString(): string
  free(): void
}

export interface AnonCredsWasmLocation {
  /** The CommonJS glue (the ESM build reaches for `module.require`, which ESM lacks). */
  gluePath: string
  /** The chunk that carries the WASM binary, base64-inlined. */
  chunkPath: string
  version: string
}

/** Finds the anoncreds glue inside the installed package; its file names carry a content hash, so we look them up. */
export function locateAnonCredsWasm(): AnonCredsWasmLocation {
  let entry: string
  try {
    entry = require.resolve(WASM_PACKAGE)
  } catch {
    throw new AnonCredsLibraryError(`${WASM_PACKAGE} is not installed: run npm install (it carries the AnonCreds WASM build)`)
  }
  const buildDir = dirname(entry)
  const glueFile = readdirSync(buildDir).find((file) => /^anoncreds_wasm-[A-Za-z0-9]+\.js$/.test(file))
  if (!glueFile) throw new AnonCredsLibraryError(`No anoncreds_wasm-*.js in ${buildDir}: this ${WASM_PACKAGE} version is not one we support`)
  const gluePath = join(buildDir, glueFile)
  const chunk = /require\('\.\/(chunk-[A-Za-z0-9]+\.js)'\)/.exec(readFileSync(gluePath, 'utf8'))
  if (!chunk) throw new AnonCredsLibraryError(`Cannot find the WASM binary chunk referenced by ${gluePath}`)
  const { version } = JSON.parse(readFileSync(join(buildDir, '..', 'package.json'), 'utf8')) as { version: string }
  return { gluePath, chunkPath: join(buildDir, chunk[1]), version }
}

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d]

/** The WASM binary exported by the chunk, found by its magic bytes rather than by a minified export name. */
function wasmBinaryOf(chunkExports: Record<string, unknown>): Uint8Array<ArrayBuffer> {
  const binary = Object.values(chunkExports).find((value): value is Uint8Array<ArrayBuffer> => value instanceof Uint8Array && WASM_MAGIC.every((byte, i) => value[i] === byte))
  if (!binary) throw new AnonCredsLibraryError('The AnonCreds WASM binary was not found in its chunk')
  return binary
}

let compiled: WebAssembly.Module | undefined
let instance: AnonCredsWasm | undefined

/** The compiled module (compiled once, a few tens of milliseconds); workers instantiate it too. */
export function compiledAnonCredsWasm(location = locateAnonCredsWasm()): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(wasmBinaryOf(require(location.chunkPath) as Record<string, unknown>))
  return compiled
}

/** The loaded bindings of this thread. */
export function anonCredsWasm(): AnonCredsWasm {
  if (instance) return instance
  const location = locateAnonCredsWasm()
  const module = compiledAnonCredsWasm(location)
  // a fresh copy of the glue holds a fresh instance: after a Rust panic the old one is not trusted again
  delete require.cache[location.gluePath]
  const glue = require(location.gluePath) as AnonCredsWasm
  glue.initSync({ module })
  instance = glue
  return glue
}

/** Collects the WASM objects an operation creates so they are freed however it ends. */
export class WasmScope {
  private readonly objects: Array<{ free(): void }> = []

  public track<T extends { free(): void }>(object: T): T {
    this.objects.push(object)
    return object
  }

  public release(): void {
    for (const object of this.objects.splice(0)) {
      // a consumed object has a zero pointer and nothing left to free
      if ((object as { __wbg_ptr?: number }).__wbg_ptr) object.free()
    }
  }
}

/**
 * Runs `operation` against the WASM, turning whatever crosses the boundary into an AnonCreds error that names
 * the operation. A Rust panic surfaces as WebAssembly.RuntimeError: the instance is then dropped and reloaded.
 */
export function runWasm<T>(operation: string, fn: (wasm: AnonCredsWasm, scope: WasmScope) => T): T {
  const wasm = anonCredsWasm()
  const scope = new WasmScope()
  try {
    return fn(wasm, scope)
  } catch (error) {
    if (error instanceof WebAssembly.RuntimeError) {
      instance = undefined
      throw new AnonCredsLibraryError(`${operation}: the AnonCreds WASM aborted (${error.message}); it will be reloaded`)
    }
    if (error instanceof AnonCredsError) throw error
    throw new AnonCredsLibraryError(`${operation}: ${messageOf(error)}`)
  } finally {
    try {
      scope.release()
    } catch {
      instance = undefined // freeing failed: do not reuse this instance
    }
  }
}
