import '@credo-ts/anoncreds'
import { ClassValidationError, DidDocument, DidRecord, JsonTransformer } from '@credo-ts/core'
import '@credo-ts/didcomm'
import '@credo-ts/openid4vc'
import { getMetadataStorage, IsString } from 'class-validator'
import { describe, expect, it } from 'vitest'
import { installValidationMetadataCache } from '@interop-lab/common/persistence/validationMetadataCache'

type LookUp = (targetConstructor: object, targetSchema: string | undefined, always: boolean, strictGroups: boolean, groups?: string[]) => object[]

const storage = getMetadataStorage() as unknown as { getTargetValidationMetadatas: LookUp; validationMetadatas: Map<object, object[]> }
// class-validator's own lookup, taken before the cache is installed
const uncached = storage.getTargetValidationMetadatas
installValidationMetadataCache()

const ARGUMENTS: [string | undefined, boolean, boolean, string[] | undefined][] = [
  [undefined, false, false, undefined],
  [undefined, true, false, undefined],
  [undefined, false, true, []],
  [undefined, false, false, ['a', 'b']],
]

describe('class-validator rules looked up once per class (common/persistence/validationMetadataCache.ts)', () => {
  it("gives, for every validated class of Credo's packages and for each set of arguments, class-validator's own answer, read after read", () => {
    const classes = [...storage.validationMetadatas.keys()].filter((target): target is () => void => typeof target === 'function')
    expect(classes.length).toBeGreaterThan(100)
    for (const target of classes) {
      for (const args of ARGUMENTS) {
        const expected = uncached.call(storage, target, ...args)
        const first = storage.getTargetValidationMetadatas(target, ...args)
        expect(first, target.name).toEqual(expected)
        // looked up once: the next validation of an instance of the class reads the same list
        expect(storage.getTargetValidationMetadatas(target, ...args), target.name).toBe(first)
      }
    }
  })

  it('answers with the rules of a class declared after a lookup, and of its subclasses', () => {
    class Declared {
      @IsString()
      public name!: string
    }
    class Later extends Declared {}
    expect(storage.getTargetValidationMetadatas(Later, undefined, false, false)).toEqual(uncached.call(storage, Later, undefined, false, false))
    class Extended extends Declared {
      @IsString()
      public alias!: string
    }
    expect(storage.getTargetValidationMetadatas(Extended, undefined, false, false)).toEqual(uncached.call(storage, Extended, undefined, false, false))
    expect(
      storage
        .getTargetValidationMetadatas(Extended, undefined, false, false)
        .map((rule) => (rule as { propertyName: string }).propertyName)
        .sort(),
    ).toEqual(['alias', 'name'])
  })

  it('still refuses a stored record that breaks its class rules (JsonTransformer.fromJSON validates what it builds)', () => {
    const did = new DidRecord({ did: 'did:example:1', role: 'created' as DidRecord['role'], didDocument: new DidDocument({ id: 'did:example:1' }) })
    const json = JsonTransformer.toJSON(did)
    expect(JsonTransformer.fromJSON(json, DidRecord).didDocument?.id).toBe('did:example:1')
    // DidDocument's `id` is @IsString: a number is refused, on the first build and on the next (the cached rules)
    for (let i = 0; i < 2; i++) expect(() => JsonTransformer.fromJSON({ ...json, didDocument: { id: 42 } }, DidRecord)).toThrow(ClassValidationError)
  })
})
