import { OpenId4VcModule, OpenId4VcVerificationSessionRepository } from '@credo-ts/openid4vc'
import { verifierApi } from '@interop-lab/contracts'
import { serveApiDocs } from '@interop-lab/common/apiDocs'
import { absentIfNotFound } from '@interop-lab/common/records'
import { createAgent } from '@interop-lab/common/agent'
import { anonCredsModule, didCommModules } from '@interop-lab/common/didcomm/modules'
import { anonCredsVerificationMigrations } from './didcomm/anoncreds'
import { resolvePublicJwk } from '@interop-lab/common/didKeys'
import { loadCredentialTypes } from '@interop-lab/common/credentialTypes'
import type { DatabaseConfig } from '@interop-lab/common/db'
import { createApp, finishApp, HttpError, listen } from '@interop-lab/common/http'
import { ensureIdentity, identityMigrations, type PartyIdentity } from '@interop-lab/common/identities'
import { guardedFetch } from '@interop-lab/common/net/guardedFetch'
import { OutboundPolicy } from '@interop-lab/common/net/outboundPolicy'
import { guardOid4vcRoutes } from '@interop-lab/common/oid4vcRoutes'
import { registryKeyPin, registryKeyPinMigrations } from '@interop-lab/trust-registry/keyPin'
import { federatedAnchors, registryAnchors } from '@interop-lab/trust-registry/client'
import { trustRootsForCredo } from '@interop-lab/common/x509/credoTrust'
import type { X509AnchorSource } from './checks/x5cSignerIsIssuer'
import { StatusAfterTrustModule } from '@interop-lab/common/status'
import { credentialChecks } from './checks'
import { createProgramInbox, programInboxMigrations } from './notifications'
import { loadPrograms } from './programs'
import type { TrustCheck } from './decision'
import { loadPolicies, loadPurposes } from './policy'
import { Oid4vp1Module } from './oid4vp/requestObject'
import { DEFAULT_HOLDER_PROOF_RULES, type HolderProofRules } from './oid4vp/rules'
import { responseGate, type ResponseGateDependencies } from './responses'
import { verificationMigrations } from './sessions'
import type { DidCommVerifier } from './didcomm/verifications'
import { anonCredsVerification, didCommVerification } from './adapters/didcomm'
import { oid4vpVerification } from './adapters/oid4vp'
import { catalogRouter } from './routes/catalog'
import { verificationsRouter } from './routes/verifications'
import type { VerificationAdapters } from './verifications'
import { locatedTrustCheck, type TrustRegistryLocation } from './trust'
import { mountVcApiVerifier } from './vc-api'

export interface VerifierServiceOptions {
  port?: number
  host?: string
  dataDir: string
  database: DatabaseConfig
  /** The trust registry (its key configured, or pinned on first use in this service's database), or another check (tests). */
  trust: TrustCheck | TrustRegistryLocation
  /** Hosts beyond the lab's own services and its peers that URLs from outside may name (status lists, did:web, DIDComm endpoints). */
  outbound?: OutboundPolicy
  /** Reading a program's inbox (personal data) needs one of these keys. */
  adminApiKeys: string[]
  /** The notification publisher's JWKS (GET {issuer}/notifications/jwks.json), for the programs' inboxes. */
  publisherJwksUrl?: string
  publicUrl?: string
  /** Where the verification policies are (default verifier/policies). */
  policiesDir?: string
  /** How old and how signed a holder's proof may be (default: 5 minutes, ±60 s, Ed25519 (EdDSA), ES256, ES384, ES512). */
  holderProofRules?: Partial<HolderProofRules>
  /** How long a response nobody asked a decision for is kept (default one hour); a decided one is deleted at once. */
  responseRetentionMs?: number
}

/** Where DIDComm v1 envelopes arrive on the verifier's app. */
const DIDCOMM_PATH = '/didcomm'

/**
 * The verifier service: OID4VP 1.0 + DCQL requests, or DIDComm v1 present-proof v2 + DIF PE requests, built from
 * policies, and a decision with a trace for every response.
 */
export async function startVerifierService(options: VerifierServiceOptions) {
  const types = loadCredentialTypes()
  const policies = loadPolicies(options.policiesDir)
  const purposes = loadPurposes()
  const app = createApp()
  // bound now for its URL (the agent's base URL), but every request gets 503 until finishApp below: see listen
  const listening = await listen(app, options.port ?? 0, options.host)
  const baseUrl = options.publicUrl ?? listening.url
  const registryUrl = typeof options.trust === 'function' ? undefined : options.trust.url
  const outbound = (options.outbound ?? new OutboundPolicy()).allowing(baseUrl, registryUrl, options.publisherJwksUrl)
  const verifierIds = new Set([...policies.values()].map((p) => p.verifier))
  app.use(guardOid4vcRoutes({ basePath: new URL(`${baseUrl}/oid4vp`).pathname, actorIds: () => verifierIds, actor: 'verifier', formEndpoints: ['/authorize'] }))

  // registered before Credo mounts its OID4VP routes, so it sees each response first
  let responses: ResponseGateDependencies | undefined
  app.post('/oid4vp/*path', responseGate(() => responses))

  const { agent, db, shutdown } = await createAgent({
    database: options.database,
    dataDir: options.dataDir,
    migrations: [...identityMigrations, ...verificationMigrations, ...programInboxMigrations, ...anonCredsVerificationMigrations, ...registryKeyPinMigrations],
    // status lists, did:web issuers, holders' DIDComm endpoints: only allowed hosts
    fetch: guardedFetch(outbound),
    allowInsecureHttp: new URL(baseUrl).protocol === 'http:',
    modules: {
      openid4vc: new OpenId4VcModule({ app, verifier: { baseUrl: `${baseUrl}/oid4vp` } }),
      // status lists are fetched by the decision, only once the issuer is trusted (verifier/checks/credentialStatus.ts)
      statusAfterTrust: new StatusAfterTrustModule(),
      // OID4VP 1.0 request object aud (§5.8) and fully specified algorithms: after openid4vc, so its service is ours
      oid4vp1: new Oid4vp1Module(),
      ...didCommModules({ app, path: DIDCOMM_PATH, baseUrl, anoncreds: await anonCredsModule(options.dataDir) }),
    },
  })
  const trust = typeof options.trust === 'function' ? options.trust : locatedTrustCheck(options.trust, db)
  const anchorsOf = async (credentialType?: string) =>
    typeof options.trust === 'function' ? [] : registryAnchors(options.trust.url, { credentialType, keyPin: registryKeyPin(db, options.trust.key) })
  // Credo verifies an mdoc device response itself too: it trusts what the registry lists, the lab's own check decides.
  // An x5c SD-JWT VC's root may be listed by its jurisdiction's registry only (federatedAnchors): Credo checks its
  // signature under the leaf it carries, the lab's chain check (x5cSignerIsIssuer) decides
  trustRootsForCredo(agent, async (chain) => [...(await anchorsOf()).map((anchor) => anchor.certificate), chain[0].toString('base64')])
  const didCommVerifier: DidCommVerifier = {
    didcomm: agent.didcomm,
    agentContext: agent.context,
    invitationDomain: `${baseUrl}${DIDCOMM_PATH}`,
    types,
    purposes,
    trust,
  }

  const responseRetentionMs = options.responseRetentionMs ?? 60 * 60 * 1000
  // a response deleted once decided leaves no trace in the file (verifier/responses.ts, forgetResponse)
  if (db.engine === 'sqlite') await db.exec('PRAGMA secure_delete = ON')
  responses = { agent, db, retentionMs: responseRetentionMs }
  const identities = new Map<string, PartyIdentity>()
  for (const verifierKey of verifierIds) {
    identities.set(verifierKey, await ensureIdentity(agent, db, verifierKey))
    const existing = await agent.openid4vc.verifier.getVerifierByVerifierId(verifierKey).catch(absentIfNotFound)
    if (!existing) await agent.openid4vc.verifier.createVerifier({ verifierId: verifierKey })
  }

  const presentationTools = {
    types,
    resolveKey: (didUrl: string) => resolvePublicJwk(agent, didUrl),
    rules: { ...DEFAULT_HOLDER_PROOF_RULES, ...options.holderProofRules },
  }
  const sessionRepository = agent.dependencyManager.resolve(OpenId4VcVerificationSessionRepository)
  // x5c-signed credentials chain to a root, mdocs' document signers to an IACA, the jurisdiction's registry lists, reached through the verifier's own
  const x509Roots: X509AnchorSource = async (jurisdiction, credentialType) =>
    typeof options.trust === 'function' ? [] : federatedAnchors({ url: options.trust.url, keyPin: registryKeyPin(db, options.trust.key) }, jurisdiction, credentialType)
  const checks = { trust, ...credentialChecks(agent.context, x509Roots) }

  const policyFor = (id: string) => {
    const policy = policies.get(id)
    if (!policy) throw new HttpError(404, 'unknown_policy', `No policy '${id}'; known policies: ${[...policies.keys()].join(', ')}`)
    return policy
  }

  const verification: VerificationAdapters = {
    oid4vp: oid4vpVerification({
      verifierApi: agent.openid4vc.verifier,
      agentContext: agent.context,
      sessions: sessionRepository,
      db,
      types,
      purposes,
      identities,
      checks,
      presentationTools,
      responseRetentionMs,
      policyFor,
    }),
    didcomm: didCommVerification({ verifier: didCommVerifier, db, policyFor }),
    anoncreds: anonCredsVerification({ verifier: didCommVerifier, db, policyFor }),
  }

  const programs = loadPrograms()
  if (options.publisherJwksUrl) {
    for (const program of programs) {
      const inbox = createProgramInbox({ programKey: program.key, name: program.name, publisherJwksUrl: options.publisherJwksUrl, database: db, readApiKeys: options.adminApiKeys })
      app.use(inbox.router)
    }
  }
  app.use(catalogRouter({ baseUrl, policies, purposes, programs }))
  app.use(verificationsRouter({ db, adapters: verification, policyFor }))
  mountVcApiVerifier(app, { agent, adminApiKeys: options.adminApiKeys })
  serveApiDocs(app, verifierApi(options.publisherJwksUrl ? programs.map((p) => p.key) : []), options.publicUrl)
  finishApp(app)

  return {
    url: baseUrl,
    app,
    agent,
    policies,
    async close() {
      await listening.close()
      await shutdown()
    },
  }
}

export type VerifierService = Awaited<ReturnType<typeof startVerifierService>>
