import { getMetadataStorage } from 'class-validator'

type Metadata = object[]
type GetTargetValidationMetadatas = (targetConstructor: object, targetSchema: string | undefined, always: boolean, strictGroups: boolean, groups?: string[]) => Metadata

/** class-validator's MetadataStorage (one per process, shared through a global). */
interface MetadataStorage {
  getTargetValidationMetadatas: GetTargetValidationMetadatas
  addValidationMetadata(metadata: object): void
}

let installed = false

/**
 * class-validator looks up the validation rules of a class on every object it validates, scanning the rules of every
 * validated class it knows (hundreds: Credo's records, DIDComm messages, W3C credential models) with an `instanceof`
 * each, to find those the class inherits: a quarter of the CPU of building a Credo record from its stored JSON
 * (JsonTransformer.fromJSON validates what it builds). The answer depends only on the rules registered and the
 * arguments, so it is kept per class and arguments, and forgotten whenever a rule is registered (a module that
 * declares validated classes loads later). Callers only read the list (ValidationExecutor). Installing twice is harmless.
 */
export function installValidationMetadataCache(): void {
  if (installed) return
  installed = true
  const global = getMetadataStorage()
  const storage = Object.getPrototypeOf(global) as MetadataStorage
  const lookUp = storage.getTargetValidationMetadatas
  const register = storage.addValidationMetadata
  let cache = new WeakMap<object, Map<string, Metadata>>()
  storage.addValidationMetadata = function (this: MetadataStorage, metadata: object) {
    cache = new WeakMap()
    register.call(this, metadata)
  }
  storage.getTargetValidationMetadatas = function (this: MetadataStorage, targetConstructor, targetSchema, always, strictGroups, groups) {
    if (this !== global) return lookUp.call(this, targetConstructor, targetSchema, always, strictGroups, groups)
    const key = `${targetSchema}\u0000${always}\u0000${strictGroups}\u0000${groups ? `[${groups.join('\u0000')}]` : groups}`
    let byArguments = cache.get(targetConstructor)
    if (!byArguments) {
      byArguments = new Map()
      cache.set(targetConstructor, byArguments)
    }
    let metadatas = byArguments.get(key)
    if (!metadatas) {
      metadatas = lookUp.call(this, targetConstructor, targetSchema, always, strictGroups, groups)
      byArguments.set(key, metadatas)
    }
    return metadatas
  }
}
