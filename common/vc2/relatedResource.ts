import { createHash } from 'node:crypto'
import { TypedArrayEncoder } from '@credo-ts/core'
import { publishedContextBytes } from '../jsonld'
import { isObject, isUrl } from './dataModel'
import { problem, type ProblemDetails } from './problems'

// Subresource Integrity algorithms, and the multihash codes of the same SHA-2 digests
const SRI = { sha256: 'sha256', sha384: 'sha384', sha512: 'sha512' } as const
// biome-ignore lint/complexity/useSimpleNumberKeys: multihash codes written in hex, as the multicodec table lists them
const MULTIHASH: Record<number, keyof typeof SRI> = { 0x12: 'sha256', 0x20: 'sha384', 0x13: 'sha512' }

/** `sha384-<base64>` as SRI writes it; undefined when the value is not one. */
function parseSri(value: string): { algorithm: keyof typeof SRI; digest: Buffer } | undefined {
  const match = /^(sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})$/.exec(value)
  return match ? { algorithm: match[1] as keyof typeof SRI, digest: Buffer.from(match[2], 'base64') } : undefined
}

/** A multibase (base58btc `z` or base64url `u`) multihash of a SHA-2 digest; undefined when the value is not one. */
function parseMultibaseDigest(value: string): { algorithm: keyof typeof SRI; digest: Buffer } | undefined {
  let bytes: Buffer
  try {
    if (value.startsWith('z')) bytes = Buffer.from(TypedArrayEncoder.fromBase58(value.slice(1)))
    else if (value.startsWith('u') && /^[A-Za-z0-9_-]+$/.test(value.slice(1))) bytes = Buffer.from(value.slice(1), 'base64url')
    else return undefined
  } catch {
    return undefined
  }
  const algorithm = MULTIHASH[bytes[0]]
  return algorithm && bytes[1] === bytes.length - 2 ? { algorithm, digest: bytes.subarray(2) } : undefined
}

/**
 * VCDM 2.0 §5.3 Integrity of Related Resources: each `relatedResource` has a unique `id` URL and a
 * `digestSRI` and/or `digestMultibase`. When the resource is a context the lab bundles byte for byte, the digests
 * are checked against its bytes, so a credential cannot pin a context other than the one it is read with.
 */
export function relatedResourceProblems(relatedResource: unknown): ProblemDetails[] {
  if (relatedResource === undefined) return []
  const resources = [relatedResource].flat()
  const problems: ProblemDetails[] = []
  const seen = new Set<string>()
  const published = publishedContextBytes()
  resources.forEach((resource, index) => {
    const path = Array.isArray(relatedResource) ? `relatedResource[${index}]` : 'relatedResource'
    const fail = (detail: string, property = path) => problems.push(problem('MALFORMED_VALUE_ERROR', `${detail} (VCDM 2.0 §5.3)`, property))
    if (!isObject(resource)) return fail(`${path} must be an object`)
    if (!isUrl(resource.id)) return fail(`${path}.id is required and must be a URL`, `${path}.id`)
    if (seen.has(resource.id)) fail(`${path}.id '${resource.id}' is listed more than once; each related resource must be unique`, `${path}.id`)
    seen.add(resource.id)
    const { digestSRI, digestMultibase } = resource
    if (digestSRI === undefined && digestMultibase === undefined) return fail(`${path} needs digestSRI or digestMultibase`)
    const content = published.get(resource.id)
    for (const [property, value, parse] of [
      ['digestSRI', digestSRI, parseSri],
      ['digestMultibase', digestMultibase, parseMultibaseDigest],
    ] as const) {
      if (value === undefined) continue
      const parsed = typeof value === 'string' ? parse(value) : undefined
      if (!parsed) {
        fail(
          `${path}.${property} is not a ${property === 'digestSRI' ? 'Subresource Integrity value (sha256-, sha384- or sha512-<base64>)' : 'multibase multihash of a SHA-2 digest'}`,
          `${path}.${property}`,
        )
        continue
      }
      if (content && !createHash(SRI[parsed.algorithm]).update(content).digest().equals(parsed.digest))
        fail(`${path}.${property} does not match the ${parsed.algorithm} digest of ${resource.id}`, `${path}.${property}`)
    }
  })
  return problems
}
