import type { AgentContext } from '@credo-ts/core'
import { failureDetail } from '../net/outboundPolicy'
import { type KeptStatusList, maxAgeSeconds, StatusListFeeds } from './statusListFeeds'

export type StatusCheckErrorCode = 'invalid_status_reference' | 'unsupported_status' | 'status_list_unavailable' | 'status_list_invalid' | 'status_list_signature_invalid' | 'status_list_mismatch'

/** The status could not be established: a verifier must treat the credential as not verified. */
export class StatusCheckError extends Error {
  public constructor(
    public readonly code: StatusCheckErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'StatusCheckError'
  }
}

const FETCH_TIMEOUT_MS = 10_000
const MAX_BODY_CHARS = 2 * 1024 * 1024

/** A published status list's body (fetchStatusList). */
export async function fetchStatusList(agentContext: AgentContext, url: string, accept: string): Promise<string> {
  return (await fetchKeptStatusList(agentContext, url, accept)).body
}

/**
 * Fetches a published status list with the agent's HTTP client (on the verifier: the outbound guard, which allows only
 * configured hosts), or takes the one kept while its issuer's change feed is followed (statusListFeeds.ts): then with
 * `verifiedWith`, the signer keys its signature verified with since it was kept. Why a fetch failed is logged here,
 * never put in the error: the error reaches decision traces and API answers, and what a URL answered must not be
 * readable there.
 */
export async function fetchKeptStatusList(agentContext: AgentContext, url: string, accept: string): Promise<{ body: string; verifiedWith?: Set<string> }> {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new StatusCheckError('invalid_status_reference', `Status list URL '${url}' is not a URL`)
  }
  const insecureAllowed = agentContext.config.allowInsecureHttpUrls
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && insecureAllowed)) throw new StatusCheckError('invalid_status_reference', `Status list URL '${url}' must use https`)
  const unavailable = (detail: string, cause?: unknown) => {
    console.warn(`[status] ${url}: ${detail}`)
    return new StatusCheckError('status_list_unavailable', `Status list ${url} could not be fetched`, { cause })
  }
  // a verifier keeps a list while its issuer's change feed tells it of every change (statusListFeeds.ts)
  const { dependencyManager } = agentContext
  const feed = dependencyManager.isRegistered(StatusListFeeds) ? dependencyManager.resolve(StatusListFeeds).of(url) : undefined
  const key = `${accept} ${url}`
  const kept = feed?.get(key)
  if (kept) return kept
  const ticket = feed?.ticket()
  let response: Awaited<ReturnType<typeof fetch>>
  try {
    response = await agentContext.config.agentDependencies.fetch(url, { headers: { Accept: accept }, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) })
  } catch (error) {
    throw unavailable(failureDetail(error), error)
  }
  if (!response.ok) throw unavailable(`answered HTTP ${response.status}`)
  const body = (await response.text()).trim()
  if (body.length > MAX_BODY_CHARS) throw new StatusCheckError('status_list_invalid', `Status list ${url} is larger than ${MAX_BODY_CHARS} characters`)
  const reusable = maxAgeSeconds(response)
  if (!feed || !ticket || !reusable) return { body }
  const list: KeptStatusList = { body, verifiedWith: new Set() }
  feed.keep(ticket, key, list, Date.now() + reusable * 1000)
  return list
}

export function decodeJwtPart(jwt: string, part: 0 | 1): Record<string, unknown> {
  const segments = jwt.split('.')
  if (segments.length !== 3) throw new StatusCheckError('status_list_invalid', 'Status list is not a compact JWT')
  try {
    const value: unknown = JSON.parse(Buffer.from(segments[part], 'base64url').toString('utf8'))
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>
  } catch {
    // reported below
  }
  throw new StatusCheckError('status_list_invalid', `Status list JWT ${part === 0 ? 'header' : 'payload'} is not a JSON object`)
}
