import { type AgentContext, type DependencyManager, DidDocument, type DidResolutionResult, JsonTransformer, Kms } from '@credo-ts/core'
import { WebVhDidResolver } from '@credo-ts/webvh'
import { resolveDIDFromLog } from 'didwebvh-ts'
import { failureDetail } from './outboundPolicy'

/**
 * did:webvh v1.0 §"The DID to HTTPS Transformation": `did:webvh:<SCID>:host%3Aport:path:to` → `https://host:port/path/to`,
 * the log at `<that>/did.jsonl` (no path: `https://host:port/.well-known/did.jsonl`), a DID URL's path (an attested
 * resource: `<did>/resources/<id>`) under `https://host:port/path/to`. did:webvh allows no IP address as a host: a lab
 * on loopback names itself `localhost`, which is read over plain http at 127.0.0.1, where the lab listens; a lab served
 * over plain http elsewhere (docker-compose's service names) is read over http by services that take http URLs
 * themselves (`insecureHttp`: Credo's allowInsecureHttpUrls, set only for a service served over http).
 */
export function webvhUrl(didUrl: string, insecureHttp = false): URL {
  const slash = didUrl.indexOf('/')
  const did = slash === -1 ? didUrl : didUrl.slice(0, slash)
  const [scheme, method, scid, host, ...path] = did.split(':')
  if (scheme !== 'did' || method !== 'webvh' || !scid || !host) throw new Error(`'${didUrl}' is not a did:webvh DID`)
  const [hostname, port] = decodeURIComponent(host).split(':')
  if (!hostname || /[/?#@\\]/.test(hostname) || path.some((segment) => !segment || /[/?#\\%]/.test(segment) || segment === '.' || segment === '..')) {
    throw new Error(`'${did}' names no plain host and path`)
  }
  const withPort = (name: string) => (port ? `${name}:${port}` : name)
  const origin = hostname === 'localhost' ? `http://${withPort('127.0.0.1')}` : `${insecureHttp ? 'http' : 'https'}://${withPort(hostname)}`
  const base = path.length ? `${origin}/${path.join('/')}` : origin
  if (slash !== -1) return new URL(`${base}${didUrl.slice(slash)}`)
  return new URL(path.length ? `${base}/did.jsonl` : `${base}/.well-known/did.jsonl`)
}

/** Checks the log's Ed25519 signatures with the agent's KMS (didwebvh-ts leaves the cryptography to its caller). */
const kmsVerifier = (agentContext: AgentContext) => ({
  async verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): Promise<boolean> {
    const publicJwk = Kms.PublicJwk.fromPublicKey({ kty: 'OKP', crv: 'Ed25519', publicKey })
    const kms = agentContext.dependencyManager.resolve(Kms.KeyManagementApi)
    return (await kms.verify({ key: { publicJwk: publicJwk.toJson() }, algorithm: 'EdDSA', signature, data: message })).verified
  },
})

/** A log that was fetched but does not verify (did:webvh v1.0, Read: SCID, entry hashes, proofs). */
class LogNotVerified extends Error {}

/**
 * did:webvh with the agent's own HTTP client (the outbound guard on the issuer and the verifier) for the log and the
 * attested resources: Credo's resolver fetches the log with the global fetch, over https only, and reads a port in
 * the DID as part of the host (`localhost%3A4200` is not a host). The log itself is verified by didwebvh-ts (SCID,
 * entry hashes, signatures by the update keys). The AnonCreds registry of @credo-ts/webvh resolves resources through
 * this resolver (it is registered as `WebVhDidResolver`). A failure is logged in full; the answer names a log that
 * does not verify, and says nothing about what a host answered (the outbound guard's rule).
 */
export class AgentFetchWebVhDidResolver extends WebVhDidResolver {
  public override async resolveResource(agentContext: AgentContext, resourceUrl: string) {
    try {
      const url = webvhUrl(resourceUrl, agentContext.config.allowInsecureHttpUrls)
      const response = await agentContext.config.agentDependencies.fetch(url.href, { headers: { accept: 'application/json' } })
      if (!response.ok) throw new Error(`${url.href} answered HTTP ${response.status}`)
      const content = (await response.json()) as Record<string, unknown>
      const contentType = response.headers.get('content-type') ?? 'application/json'
      return { content, contentMetadata: { contentType, retrieved: new Date().toISOString() }, dereferencingMetadata: { contentType } }
    } catch (error) {
      console.warn(`[did:webvh] ${resourceUrl} could not be dereferenced: ${failureDetail(error)}`)
      return { error: 'notFound', message: `${resourceUrl} could not be dereferenced` }
    }
  }

  public override async resolve(agentContext: AgentContext, did: string): Promise<DidResolutionResult> {
    try {
      const url = webvhUrl(did, agentContext.config.allowInsecureHttpUrls)
      const response = await agentContext.config.agentDependencies.fetch(url.href)
      if (!response.ok) throw new Error(`${url.href} answered HTTP ${response.status}`)
      const log = (await response.text())
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Parameters<typeof resolveDIDFromLog>[0][number])
      const { doc, meta } = await resolveDIDFromLog(log, { verifier: kmsVerifier(agentContext), scid: did.split(':')[2], requestedDid: did }).catch((error: unknown) => {
        throw new LogNotVerified(`the log at ${url.href} does not verify: ${error instanceof Error ? error.message : String(error)}`)
      })
      if (meta.error || !doc) throw new LogNotVerified(`the log at ${url.href} does not verify: ${meta.problemDetails?.detail ?? meta.error}`)
      if (doc.id !== did) throw new Error(`${url.href} holds the log of ${String(doc.id)}, not ${did}`)
      return { didDocument: JsonTransformer.fromJSON(doc, DidDocument), didDocumentMetadata: { versionId: meta.versionId }, didResolutionMetadata: { contentType: 'application/did+json' } }
    } catch (error) {
      console.warn(`[did:webvh] ${did} could not be resolved: ${failureDetail(error)}`)
      const message = error instanceof LogNotVerified ? `${did} could not be resolved: ${error.message}` : `${did} could not be resolved`
      return { didDocument: null, didDocumentMetadata: {}, didResolutionMetadata: { error: 'notFound', message } }
    }
  }
}

/** Makes the resolver above the one @credo-ts/webvh's AnonCreds registry asks for attested resources. */
export class WebVhResolutionModule {
  public register(dependencyManager: DependencyManager): void {
    dependencyManager.registerInstance(WebVhDidResolver, new AgentFetchWebVhDidResolver())
  }
}
