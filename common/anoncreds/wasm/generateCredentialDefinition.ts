import type { AnonCredsCredentialDefinition, AnonCredsSchema } from '@credo-ts/anoncreds'
import { Worker } from 'node:worker_threads'
import { AnonCredsLibraryError } from '../errors'
import { parseSchemaId } from '../identifiers'
import { compiledAnonCredsWasm, locateAnonCredsWasm } from './anonCredsWasm'

export interface GeneratedCredentialDefinition {
  credentialDefinition: AnonCredsCredentialDefinition
  credentialDefinitionPrivate: Record<string, unknown>
  keyCorrectnessProof: Record<string, unknown>
}

export interface GenerateCredentialDefinitionOptions {
  schemaId: string
  schema: AnonCredsSchema
  issuerId: string
  tag: string
  /** Receives a line every `progressIntervalMs` and when done. */
  onProgress?: (message: string) => void
  progressIntervalMs?: number
}

// Plain CommonJS run by the worker: it loads its own WASM instance and makes the keys there.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const glue = require(workerData.gluePath)
glue.initSync({ module: workerData.module })
const { schemaId, schema, issuerId, tag } = workerData.input
const made = glue.Issuer.createCredentialDefinition(schemaId, glue.CredentialSchema.from(schema), issuerId, tag)
parentPort.postMessage({
  credentialDefinition: made.credentialDefinition.toJSON(),
  credentialDefinitionPrivate: made.credentialDefinitionPrivate.toJSON(),
  keyCorrectnessProof: made.keyCorrectnessProof.toJSON(),
})
`

/**
 * Makes a CL credential definition in a worker thread: the WASM searches for safe primes single-threaded for
 * tens of seconds to minutes, which would otherwise freeze the event loop (and every HTTP request with it).
 * Inputs must be validated already: a Rust panic ends the worker with an error.
 */
export async function generateCredentialDefinition(options: GenerateCredentialDefinitionOptions): Promise<GeneratedCredentialDefinition> {
  const location = locateAnonCredsWasm()
  const module = compiledAnonCredsWasm(location)
  const started = Date.now()
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`
  const schema = parseSchemaId(options.schemaId)
  const label = `credential definition '${options.tag}' for schema ${schema ? `${schema.name} ${schema.version}` : options.schemaId}`
  const report = options.onProgress ?? (() => {})
  report(`generating ${label} (WASM, safe-prime search: typically 1-4 minutes)`)
  const ticker = setInterval(() => report(`still generating ${label}: ${elapsed()} elapsed`), options.progressIntervalMs ?? 15_000)
  try {
    const result = await new Promise<GeneratedCredentialDefinition>((resolve, reject) => {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { gluePath: location.gluePath, module, input: { schemaId: options.schemaId, schema: options.schema, issuerId: options.issuerId, tag: options.tag } },
      })
      worker.once('message', (message: GeneratedCredentialDefinition) => resolve(message))
      worker.once('error', (error) => reject(new AnonCredsLibraryError(`Generating ${label} failed: ${error.message}`)))
      worker.once('exit', (code) => reject(new AnonCredsLibraryError(`Generating ${label} stopped (worker exit code ${code})`)))
    })
    report(`generated ${label} in ${elapsed()}`)
    return result
  } finally {
    clearInterval(ticker)
  }
}
