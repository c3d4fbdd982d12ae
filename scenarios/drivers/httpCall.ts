import { z } from 'zod'
import type { CredentialFormat } from '@interop-lab/common/credentialTypes'
import { HAIP, HAIP_FORMATS } from '@interop-lab/common/protocols'
import { profileSchema } from '@interop-lab/contracts'
import { exchangeJson } from '../client'
import { DriverError, type DriverCapabilities } from './types'

/**
 * A configured HTTP call to a party's own API (its way of making an offer or a presentation request), with
 * `{{name}}` placeholders filled per step, and the answer's fields found by dotted path (`a.b.0.c`, `$.` allowed).
 */

/** A header whose value is read from an environment variable: the targets file names the variable, never the secret. */
export const headerFromEnv = z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'), prefix: z.string().optional() })

const PLACEHOLDER = /\{\{(\w+)\}\}/g

export const jsonPath = z.string().regex(/^(\$\.)?[^.\s]+(\.[^.\s]+)*$/, 'a dotted path such as credential_offer_uri or data.offer.uri')

export const httpCallSchema = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT', 'DELETE']).default('POST'),
  /** May hold placeholders, e.g. https://issuer.example/issuers/{{issuer}}/offers */
  url: z.string().refine((url) => URL.canParse(url.replace(PLACEHOLDER, 'x')) && /^https?:/.test(url), 'an http(s) URL'),
  headers: z.record(z.string(), headerFromEnv).default({}),
  /** JSON body; a string that is exactly `{{name}}` becomes that value (an object for `{{claims}}`). */
  body: z.unknown().optional(),
})
export type HttpCall = z.infer<typeof httpCallSchema>

/**
 * The profiles a configured party speaks on top of OID4VC: with `haip`, its formats that HAIP 1.0 names are its cells of
 * the matrix's haip column, and its calls get `{{profile}}` (`haip`, or empty outside that column).
 */
export const profilesSchema = z.array(profileSchema).optional()

/** The matrix columns a configured OID4VC party speaks: `oid4vc`, and `haip` when it says it speaks that profile. */
export function oid4vcColumns(formats: CredentialFormat[], profiles: z.infer<typeof profilesSchema>): DriverCapabilities['protocols'] {
  const haip = profiles?.includes('haip') ? formats.filter((format) => HAIP_FORMATS.includes(format)) : []
  return { oid4vc: formats, ...(haip.length ? { [HAIP]: haip } : {}) }
}

/** The names of the placeholders a call uses, in its URL and body. */
export function placeholdersOf(call: HttpCall): Set<string> {
  const text = call.url + JSON.stringify(call.body ?? null)
  return new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]))
}

/** The values of the headers' environment variables; throws naming each one that is not set. */
export function resolveHeaders(call: Pick<HttpCall, 'headers'>, env: NodeJS.ProcessEnv, where: string): Record<string, string> {
  const missing = Object.entries(call.headers).filter(([, h]) => !env[h.env])
  if (missing.length) throw new Error(`${where}.headers: ${missing.map(([name, h]) => `${name} comes from environment variable ${h.env}, which is not set`).join('; ')}`)
  return Object.fromEntries(Object.entries(call.headers).map(([name, h]) => [name, `${h.prefix ?? ''}${env[h.env]}`]))
}

function fill(template: unknown, values: Record<string, unknown>): unknown {
  const placeholderValue = (name: string) => {
    if (!(name in values)) throw new DriverError('unsupported', `the configured call uses {{${name}}}, which this call does not know (known: ${Object.keys(values).join(', ')})`)
    return values[name]
  }
  if (typeof template === 'string') {
    const whole = /^\{\{(\w+)\}\}$/.exec(template)
    if (whole) return placeholderValue(whole[1])
    return template.replace(PLACEHOLDER, (_, name: string) => String(placeholderValue(name) ?? ''))
  }
  if (Array.isArray(template)) return template.map((item) => fill(item, values))
  if (template && typeof template === 'object') return Object.fromEntries(Object.entries(template).map(([key, value]) => [key, fill(value, values)]))
  return template
}

/** The value at a dotted path, or undefined. */
export function valueAt(value: unknown, path: string): unknown {
  return path
    .replace(/^\$\./, '')
    .split('.')
    .reduce<unknown>((at, key) => (at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined), value)
}

/** Makes the call with the placeholders filled; resolves to the JSON answer, or rejects naming the call and what went wrong. */
export async function callConfigured(call: HttpCall, headers: Record<string, string>, values: Record<string, unknown>): Promise<unknown> {
  const url = fill(call.url, Object.fromEntries(Object.entries(values).map(([k, v]) => [k, encodeURIComponent(String(v))]))) as string
  const body = call.body === undefined ? undefined : fill(call.body, values)
  let answer: Awaited<ReturnType<typeof exchangeJson>>
  try {
    answer = await exchangeJson(call.method, url, body, undefined, AbortSignal.timeout(30_000), headers)
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message
    throw new DriverError('unreachable', `${call.method} ${url} could not be reached: ${cause}`)
  }
  if (!answer.response.ok) throw new DriverError('refused', `${call.method} ${url} answered ${answer.response.status}: ${answer.text.slice(0, 300)}`)
  if (!answer.isJson) throw new DriverError('bad-answer', `${call.method} ${url} answered ${answer.response.status} with something other than JSON`)
  return answer.parsed
}

/** A string field of an answer at a configured path; throws naming the path when it is absent. */
export function stringAt(answer: unknown, path: string, what: string): string {
  const value = valueAt(answer, path)
  if (typeof value !== 'string' || !value) throw new DriverError('bad-answer', `the answer has no ${what} at ${path}: ${JSON.stringify(answer).slice(0, 300)}`)
  return value
}

/** Whether a party answers at all (any HTTP status counts); rejects with `unreachable` otherwise. */
export async function probe(url: string, what: string): Promise<void> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(10_000) })
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message
    throw new DriverError('unreachable', `${what} at ${url} could not be reached: ${cause}`)
  }
}
