/**
 * Which URLs a service may request on its own initiative when the URL came from outside (a status list named in a
 * credential, a did:web, a DIDComm `~service` endpoint): only http(s), only hosts on the allow-list, plain http only
 * to loopback unless insecure http is allowed.
 */

export type OutboundErrorCode = 'not_allowed' | 'unreachable' | 'timeout' | 'too_large' | 'redirect_refused'

/**
 * An outbound request that was refused or failed. `message` is generic on purpose (it may travel into an answer or a
 * decision trace); `detail` says what happened and is for the service's own log only.
 */
export class OutboundRequestError extends Error {
  public constructor(
    public readonly code: OutboundErrorCode,
    public readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(code === 'not_allowed' ? 'The URL is not one this service may fetch (outbound allow-list)' : 'The URL could not be fetched', options)
    this.name = 'OutboundRequestError'
  }
}

/** What to log about a failed fetch: the guard's detail, or the error's own message. */
export const failureDetail = (error: unknown): string => (error instanceof OutboundRequestError ? error.detail : error instanceof Error ? error.message : String(error))

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' }

export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
}

const hostKey = (url: URL) => `${url.hostname}:${url.port || DEFAULT_PORTS[url.protocol]}`

const HOST_ENTRY = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/

/** `host` or `host:port` (IPv6 in brackets) → the `hostname:port` keys it allows; no port: the default https and http ports. */
function hostKeysOf(entry: string): string[] {
  const match = HOST_ENTRY.exec(entry.trim().toLowerCase())
  if (!match) throw new Error(`Outbound allow-list entry '${entry}' is not a host or host:port`)
  const [, hostname, port] = match
  return port ? [`${hostname}:${port}`] : [`${hostname}:443`, `${hostname}:80`]
}

// The lab's services listening in this process (the embedded lab, the tests) may always reach each other.
const servicesInThisProcess = new Map<string, number>()

/** Called by `listen`: this process now serves `url`; the returned function withdraws it. */
export function registerLabService(url: string): () => void {
  const key = hostKey(new URL(url))
  servicesInThisProcess.set(key, (servicesInThisProcess.get(key) ?? 0) + 1)
  return () => {
    const count = (servicesInThisProcess.get(key) ?? 1) - 1
    if (count > 0) servicesInThisProcess.set(key, count)
    else servicesInThisProcess.delete(key)
  }
}

export interface OutboundPolicyOptions {
  /** `host[:port]` entries (`--allow-outbound`, `INTEROP_ALLOWED_OUTBOUND_HOSTS`). */
  allowedHosts?: readonly string[]
  /** Plain http to hosts that are not loopback (`--allow-insecure-http`, `INTEROP_ALLOW_INSECURE_HTTP=true`). */
  allowInsecureHttp?: boolean
}

export class OutboundPolicy {
  private readonly hosts: ReadonlySet<string>

  public constructor(
    private readonly options: OutboundPolicyOptions = {},
    /** `hostname:port` keys of peer services (see `allowing`). */
    serviceHosts: readonly string[] = [],
  ) {
    this.hosts = new Set([...(options.allowedHosts ?? []).flatMap(hostKeysOf), ...serviceHosts])
  }

  public get allowInsecureHttp(): boolean {
    return this.options.allowInsecureHttp ?? false
  }

  /**
   * This policy, also allowing the origins of the services this one talks to (its own public URL, the trust registry,
   * the publisher). Each must be https, or http to loopback, or insecure http must be allowed: a service refuses to
   * start otherwise.
   */
  public allowing(...serviceUrls: (string | undefined)[]): OutboundPolicy {
    const urls = serviceUrls.filter((url): url is string => url !== undefined)
    for (const url of urls) requireSecureServiceUrl(url, this.allowInsecureHttp)
    return new OutboundPolicy(this.options, [...this.hosts, ...urls.map((url) => hostKey(new URL(url)))])
  }

  /** The URL, parsed, when this service may request it; otherwise an `OutboundRequestError` (not_allowed). */
  public check(target: string | URL): URL {
    let url: URL
    try {
      url = new URL(target)
    } catch {
      throw new OutboundRequestError('not_allowed', `'${String(target)}' is not a URL`)
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new OutboundRequestError('not_allowed', `${url.protocol} URLs are never fetched`)
    if (url.username || url.password) throw new OutboundRequestError('not_allowed', `URLs with credentials are never fetched (${url.host})`)
    if (url.protocol === 'http:' && !isLoopbackHost(url.hostname) && !this.allowInsecureHttp)
      throw new OutboundRequestError('not_allowed', `plain http to ${url.host} is refused: https is required outside loopback (--allow-insecure-http allows it)`)
    const key = hostKey(url)
    if (!this.hosts.has(key) && !servicesInThisProcess.has(key))
      throw new OutboundRequestError('not_allowed', `${url.host} is not on the outbound allow-list (${url.origin}); add it with --allow-outbound or INTEROP_ALLOWED_OUTBOUND_HOSTS`)
    return url
  }
}

/** An inter-service URL given by flag or environment: https, or http to a loopback address, or http anywhere when allowed. */
export function requireSecureServiceUrl(serviceUrl: string, allowInsecureHttp: boolean): void {
  let url: URL
  try {
    url = new URL(serviceUrl)
  } catch {
    throw new Error(`Service URL '${serviceUrl}' is not a URL`)
  }
  if (url.protocol === 'https:') return
  if (url.protocol !== 'http:') throw new Error(`Service URL '${serviceUrl}' must use https`)
  if (!isLoopbackHost(url.hostname) && !allowInsecureHttp)
    throw new Error(`Service URL '${serviceUrl}' uses plain http to a host that is not loopback: use https, or allow it with --allow-insecure-http (INTEROP_ALLOW_INSECURE_HTTP=true)`)
}
