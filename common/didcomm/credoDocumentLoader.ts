import {
  type AgentContext,
  CREDENTIALS_CONTEXT_V1_URL,
  DidResolverService,
  Ed25519Signature2020,
  getPublicJwkFromVerificationMethod,
  isDid,
  Kms,
  parseDid,
  W3cCredentialsModuleConfig,
} from '@credo-ts/core'
import { bundledContexts } from '../jsonld'

export const ED25519_2020_CONTEXT_URL: string = Ed25519Signature2020.CONTEXT_URL
const DID_CONTEXT_V1_URL = 'https://www.w3.org/ns/did/v1'

/** Contexts Credo bundles itself (its default loader serves them); anything else would be fetched, which we refuse. */
const CREDO_BUNDLED = new Set([
  CREDENTIALS_CONTEXT_V1_URL,
  DID_CONTEXT_V1_URL,
  'https://w3id.org/did/v1',
  'https://w3id.org/security/v1',
  'https://w3id.org/security/v2',
  'https://w3id.org/security/suites/ed25519-2018/v1',
  'https://w3id.org/security/suites/x25519-2019/v1',
  'https://identity.foundation/presentation-exchange/submission/v1',
])

interface Loaded {
  contextUrl: null
  documentUrl: string
  document: Record<string, unknown>
}

const loaded = (url: string, document: Record<string, unknown>): Loaded => ({ contextUrl: null, documentUrl: url, document })

/**
 * The lab's DIDs are did:jwk and did:key; their Ed25519 keys are served here as Ed25519VerificationKey2020
 * (publicKeyMultibase), the form Ed25519Signature2020 verifies, instead of JsonWebKey2020, whose
 * context Credo does not bundle. The key itself is unchanged: it is the DID document's own key.
 */
async function ed25519Document(agentContext: AgentContext, url: string): Promise<Record<string, unknown> | undefined> {
  const { did } = parseDid(url)
  const document = await agentContext.dependencyManager.resolve(DidResolverService).resolveDidDocument(agentContext, did)
  const methods = (document.verificationMethod ?? []).map((method) => ({ method, publicJwk: getPublicJwkFromVerificationMethod(method) }))
  if (!methods.length || !methods.every(({ publicJwk }) => publicJwk.is(Kms.Ed25519PublicJwk))) return undefined
  const nodes = methods.map(({ method, publicJwk }) => ({
    id: method.id.startsWith('#') ? `${did}${method.id}` : method.id,
    type: 'Ed25519VerificationKey2020',
    controller: did,
    publicKeyMultibase: publicJwk.fingerprint,
  }))
  if (url !== did) {
    const node = nodes.find((n) => n.id === url)
    return node ? { '@context': [ED25519_2020_CONTEXT_URL], ...node } : undefined
  }
  const references = (relationship: typeof document.assertionMethod) =>
    (relationship ?? []).map((entry) => (typeof entry === 'string' ? entry : entry.id)).map((id) => (id.startsWith('#') ? `${did}${id}` : id))
  return {
    '@context': [DID_CONTEXT_V1_URL, ED25519_2020_CONTEXT_URL],
    id: did,
    verificationMethod: nodes,
    assertionMethod: references(document.assertionMethod),
    authentication: references(document.authentication),
  }
}

/**
 * Credo's JSON-LD document loader for the lab: every context is bundled (ours in common/jsonld, Credo's
 * own, Ed25519Signature2020's), DIDs resolve locally, and nothing is ever fetched from the network.
 */
export function credoDocumentLoader(agentContext: AgentContext) {
  const credoLoader = new W3cCredentialsModuleConfig().documentLoader(agentContext)
  const contexts = bundledContexts()
  return async (url: string): Promise<Loaded> => {
    const bundled = contexts.get(url)
    if (bundled) return loaded(url, bundled as Record<string, unknown>)
    if (url === ED25519_2020_CONTEXT_URL) return loaded(url, Ed25519Signature2020.CONTEXT as Record<string, unknown>)
    if (isDid(url)) {
      const document = await ed25519Document(agentContext, url)
      if (document) return loaded(url, document)
      return (await credoLoader(url)) as Loaded
    }
    if (CREDO_BUNDLED.has(url)) return (await credoLoader(url)) as Loaded
    throw new Error(`JSON-LD document '${url}' is not bundled with the lab; it is never fetched from the network`)
  }
}
