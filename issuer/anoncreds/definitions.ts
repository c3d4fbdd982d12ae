import type { Agent } from '@credo-ts/core'
import { availableParallelism } from 'node:os'
import { credentialDefinitionRequest, ensureCredentialDefinition, findCreatedCredentialDefinition, importIssuerMaterial } from '@interop-lab/common/anoncreds'
import type { CredentialType } from '@interop-lab/common/credentialTypes'
import type { PartyIdentity } from '@interop-lab/common/identities'
import type { JurisdictionIssuer } from '../jurisdictions'
import type { IssuerMaterialFile } from './material'

export interface AnonCredsDefinition {
  issuerId: string
  credentialDefinitionId: string
}

export interface AnonCredsDefinitionsOptions {
  agent: Agent
  jurisdictions: JurisdictionIssuer[]
  identities: Map<string, PartyIdentity>
  types: Map<string, CredentialType>
  /** Existing material to import instead of generating (demo material, test fixtures, definitions made elsewhere), by issuer key. */
  materials: Map<string, IssuerMaterialFile>
  onProgress?: (message: string) => void
}

/**
 * Each jurisdiction's AnonCreds credential definition for each credential type it issues, under the jurisdiction's
 * own DID (so the trust registry vouches for it as for its other credentials). Material given in `materials` (whose
 * DID the jurisdiction was given) is imported at once; the rest is generated in the background under the jurisdiction's own DID
 * (about a minute each in WASM, on all cores but one), kept in the issuer's database and reused on later starts.
 * Until every definition is ready, `pending()` says how far generation is.
 */
export async function startAnonCredsDefinitions(options: AnonCredsDefinitionsOptions) {
  const report = options.onProgress ?? ((message: string) => console.info(`[anoncreds] ${message}`))
  const ready = new Map<string, AnonCredsDefinition>()
  const key = (issuerKey: string, typeId: string) => `${issuerKey}/${typeId}`
  const toGenerate: { issuer: JurisdictionIssuer; type: CredentialType }[] = []
  for (const issuer of options.jurisdictions) {
    const material = options.materials.get(issuer.key)
    for (const typeId of issuer.credentialTypes) {
      const type = options.types.get(typeId)
      if (!type?.anoncreds) continue
      const issuerId = options.identities.get(issuer.key)!.did
      const imported = material?.definitions[typeId]
      if (imported && material.issuerId === issuerId) {
        await importIssuerMaterial(options.agent, imported)
        ready.set(key(issuer.key, typeId), { issuerId, credentialDefinitionId: imported.credentialDefinitionId })
        continue
      }
      const made = await findCreatedCredentialDefinition(options.agent, credentialDefinitionRequest(type, issuerId)!)
      if (made) ready.set(key(issuer.key, typeId), { issuerId, credentialDefinitionId: made })
      else toGenerate.push({ issuer, type })
    }
  }
  const total = ready.size + toGenerate.length
  let failure: string | undefined

  const generate = async ({ issuer, type }: (typeof toGenerate)[number]) => {
    const issuerId = options.identities.get(issuer.key)!.did
    const { credentialDefinitionId, created } = await ensureCredentialDefinition(options.agent, credentialDefinitionRequest(type, issuerId)!)
    ready.set(key(issuer.key, type.id), { issuerId, credentialDefinitionId })
    if (created) report(`${issuer.name.en}: ${type.id} credential definition ready (${ready.size} of ${total})`)
  }
  // each generation keeps a core busy for a minute or more: a worker per core but one, left to the services and the pilots
  const queue = [...toGenerate]
  const parallel = Math.min(queue.length, Math.max(1, availableParallelism() - 1))
  const workers = Array.from({ length: parallel }, async () => {
    for (let next = queue.shift(); next; next = queue.shift()) await generate(next)
  })
  const done = Promise.all(workers).then(
    () => undefined,
    (error: unknown) => {
      failure = error instanceof Error ? error.message : String(error)
      report(`credential definition generation failed: ${failure}`)
    },
  )
  if (toGenerate.length) report(`${toGenerate.length} credential definition(s) to generate in the background, ${parallel} at a time (once per data directory)`)

  return {
    /** Resolves when every definition is ready (or generation failed). */
    done,
    get(issuerKey: string, typeId: string): AnonCredsDefinition | undefined {
      return ready.get(key(issuerKey, typeId))
    },
    /** Why AnonCreds cannot be offered yet, or undefined when every definition is ready. */
    pending(): string | undefined {
      if (failure) return `AnonCreds credential definition generation failed: ${failure}`
      if (ready.size >= total) return undefined
      const waiting = toGenerate.filter(({ issuer, type }) => !ready.has(key(issuer.key, type.id))).map(({ issuer, type }) => `${issuer.key} ${type.id}`)
      const shown = waiting.length > 3 ? `${waiting.slice(0, 3).join(', ')} and ${waiting.length - 3} more` : waiting.join(', ')
      return `AnonCreds credential definitions are being generated (${Math.round((100 * ready.size) / total)}%: ${ready.size} of ${total} ready; waiting: ${shown})`
    },
  }
}

export type AnonCredsDefinitions = Awaited<ReturnType<typeof startAnonCredsDefinitions>>
