import { describe, expect, it } from 'vitest'
import { loadCredentialTypes } from '@interop-lab/common/credentialTypes'
import { sdJwtTypeMetadata, typeMetadataResolver } from '@interop-lab/common/typeMetadata'

const types = loadCredentialTypes()
const registration = types.get('BusinessRegistrationCredential')!

/** A default resolver that counts its calls and answers what it is told. */
function fakeDefault(answer: () => Promise<Record<string, unknown> | undefined>) {
  const calls: unknown[] = []
  return {
    calls,
    defaultResolver: async (options: unknown) => {
      calls.push(options)
      return answer()
    },
  }
}

describe('SD-JWT VC type metadata for holders', () => {
  it('describes a lab type from its data: vct, EN/FR names, every claim selectively disclosable', () => {
    const metadata = sdJwtTypeMetadata(registration)
    expect(metadata.vct).toBe(registration.vct)
    expect(metadata.display).toEqual([
      { locale: 'en-CA', name: 'Business registration' },
      { locale: 'fr-CA', name: "Enregistrement d'entreprise" },
    ])
    expect(metadata.claims?.map((c) => c.path)).toEqual(Object.keys(registration.claims).map((name) => [name]))
    expect(metadata.claims?.every((c) => c.sd === 'always' && c.display?.length === 2)).toBe(true)
  })

  it("answers the lab's own types locally, without fetching", async () => {
    const resolve = typeMetadataResolver(types.values())
    const fetcher = fakeDefault(async () => ({ vct: 'fetched' }))
    const metadata = await resolve(registration.vct, undefined, { isExtendedVct: false, ...fetcher })
    expect(metadata).toEqual(sdJwtTypeMetadata(registration))
    expect(fetcher.calls).toHaveLength(0)
  })

  it('fetches a type it does not know, once, and reuses the answer', async () => {
    const resolve = typeMetadataResolver(types.values())
    const fetcher = fakeDefault(async () => ({ vct: 'https://other.example/vct/Permit' }))
    const options = { isExtendedVct: false, throwErrorOnFetchError: false, ...fetcher }
    expect(await resolve('https://other.example/vct/Permit', undefined, options)).toEqual({ vct: 'https://other.example/vct/Permit' })
    expect(await resolve('https://other.example/vct/Permit', undefined, options)).toEqual({ vct: 'https://other.example/vct/Permit' })
    expect(fetcher.calls).toEqual([{ throwErrorOnFetchError: false, throwErrorOnUnsupportedVctValue: undefined }])
  })

  it('fetches a lab type when integrity is asked for (only the served bytes can be checked), and retries after a failure', async () => {
    const resolve = typeMetadataResolver(types.values())
    let fail = true
    const fetcher = fakeDefault(async () => {
      if (fail) throw new Error('unreachable')
      return { vct: registration.vct }
    })
    const options = { isExtendedVct: false, ...fetcher }
    await expect(resolve(registration.vct, 'sha256-abc', options)).rejects.toThrow('unreachable')
    fail = false
    expect(await resolve(registration.vct, 'sha256-abc', options)).toEqual({ vct: registration.vct })
    expect(fetcher.calls).toHaveLength(2)
  })
})
