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
import { type Clock, clockRouter, systemClock } from '@interop-lab/common/clock'
import { createApp, finishApp, listen } from '@interop-lab/common/http'
import { ensureIdentity, identityMigrations, type PartyIdentity } from '@interop-lab/common/identities'
import { guardedFetch } from '@interop-lab/common/net/guardedFetch'
import { OutboundPolicy } from '@interop-lab/common/net/outboundPolicy'
import { guardOid4vcRoutes } from '@interop-lab/common/oid4vcRoutes'
import { registryKeyPinMigrations } from '@interop-lab/trust-registry/keyPin'
import { TrustAnswerCache } from '@interop-lab/trust-registry/client'
import { StatusListFeeds } from '@interop-lab/common/status/statusListFeeds'
import { StatusAfterTrustModule } from '@interop-lab/common/status'
import { credentialChecks } from './checks'
import { createProgramInbox, programInboxMigrations } from './notifications'
import { loadPrograms } from './programs'
import type { TrustCheck } from './decision'
import { loadPolicies, loadPurposes, policyLookup } from './policy'
import { Oid4vp1Module } from './oid4vp/requestObject'
import { DEFAULT_HOLDER_PROOF_RULES, type HolderProofRules } from './oid4vp/rules'
import { pruneStaleResponses, responseGate, type ResponseGateDependencies, WalTruncator } from './responses'
import { openEncryptedResponse } from './oid4vp/encryptedResponses'
import { ensureRelyingParties } from './relyingParties'
import { relyingPartiesRouter } from './routes/relyingParties'
import { type RequestObjectDependencies, requestObjects } from './routes/requestObjects'
import { x509Migrations } from '@interop-lab/common/x509/authorities'
import { type VerificationRow, verificationMigrations } from './sessions'
import type { DidCommVerifier } from './didcomm/verifications'
import { anonCredsVerification, didCommVerification } from './adapters/didcomm'
import { oid4vpVerification } from './adapters/oid4vp'
import { catalogRouter } from './routes/catalog'
import { verificationsRouter } from './routes/verifications'
import type { VerificationAdapters } from './verifications'
import type { TrustRegistryLocation } from './trust'
import { trustSources } from './trustSources'
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
  /** The time its decisions judge expiry, holders' proofs and registry answers at: the system clock, or a lab run's (common/clock.ts). */
  clock?: Clock
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
  app.post(
    '/oid4vp/*path',
    openEncryptedResponse(() => responses),
    responseGate(() => responses),
  )
  let requestObjectSource: RequestObjectDependencies | undefined
  app.get(
    '/oid4vp/:verifierId/authorization-requests/:requestId',
    requestObjects(() => requestObjectSource),
  )

  const { agent, db, shutdown } = await createAgent({
    database: options.database,
    dataDir: options.dataDir,
    migrations: [...identityMigrations, ...x509Migrations, ...verificationMigrations, ...programInboxMigrations, ...anonCredsVerificationMigrations, ...registryKeyPinMigrations],
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
  const clock = options.clock ?? systemClock
  // registries' positive answers, kept while each registry's change feed is connected (trust-registry/client.ts)
  const trustAnswers = new TrustAnswerCache()
  // status lists, kept while their issuer's change feed is connected (common/status/statusListFeeds.ts)
  // (the feed is a stream the guarded fetch would wait out: its URL is checked against the same policy, no redirect followed)
  const statusLists = new StatusListFeeds(async (url, init) => fetch(outbound.check(String(url)), { ...init, redirect: 'error' }))
  agent.dependencyManager.registerInstance(StatusListFeeds, statusLists)
  const { trust, x509Anchors, x509AnchorsForType } = trustSources(agent, db, options.trust, clock, trustAnswers)
  const didCommVerifier: DidCommVerifier = {
    didcomm: agent.didcomm,
    agentContext: agent.context,
    invitationDomain: `${baseUrl}${DIDCOMM_PATH}`,
    types,
    purposes,
    trust,
    clock,
  }

  const responseRetentionMs = options.responseRetentionMs ?? 60 * 60 * 1000
  // a response forgotten once decided leaves no trace in the file (verifier/responses.ts, forgetResponse)
  if (db.engine === 'sqlite') await db.exec('PRAGMA secure_delete = ON')
  const wal = options.database.engine === 'sqlite' ? new WalTruncator(options.database.file) : undefined
  const staleResponses = pruneStaleResponses(db, responseRetentionMs, clock)
  const identities = new Map<string, PartyIdentity>()
  for (const verifierKey of verifierIds) {
    identities.set(verifierKey, await ensureIdentity(agent, db, verifierKey))
    const existing = await agent.openid4vc.verifier.getVerifierByVerifierId(verifierKey).catch(absentIfNotFound)
    if (!existing) await agent.openid4vc.verifier.createVerifier({ verifierId: verifierKey })
  }

  // HAIP requests are signed by each verifier's X.509 certificate (verifier/relyingParties.ts)
  const relyingParties = await ensureRelyingParties(agent, db, baseUrl, policies.values())
  const presentationTools = {
    types,
    resolveKey: (didUrl: string) => resolvePublicJwk(agent, didUrl),
    rules: { ...DEFAULT_HOLDER_PROOF_RULES, ...options.holderProofRules },
  }
  const sessionRepository = agent.dependencyManager.resolve(OpenId4VcVerificationSessionRepository)
  const checks = { trust, clock, ...credentialChecks(agent.context, x509Anchors) }

  const policyFor = policyLookup(policies)
  requestObjectSource = { db, policyFor }

  const oid4vp = oid4vpVerification({
    verifierApi: agent.openid4vc.verifier,
    agentContext: agent.context,
    sessions: sessionRepository,
    db,
    types,
    purposes,
    identities,
    checks,
    presentationTools,
    relyingParties,
    x509Anchors,
    x509AnchorsForType,
    baseUrl,
    responseRetentionMs,
    wal,
    policyFor,
  })
  const verification: VerificationAdapters = {
    oid4vp,
    didcomm: didCommVerification({ verifier: didCommVerifier, db, policyFor }),
    anoncreds: anonCredsVerification({ verifier: didCommVerifier, db, policyFor }),
  }
  responses = {
    agent,
    db,
    clock,
    async decide(response) {
      const [row] = await db.query<VerificationRow>('SELECT * FROM verifications WHERE id = ?', [response.session.id])
      return row && (await oid4vp.decideKept(row, response))
    },
  }

  const programs = loadPrograms()
  if (options.publisherJwksUrl) {
    for (const program of programs) {
      const inbox = createProgramInbox({ programKey: program.key, name: program.name, publisherJwksUrl: options.publisherJwksUrl, database: db, readApiKeys: options.adminApiKeys })
      app.use(inbox.router)
    }
  }
  app.use(catalogRouter({ baseUrl, policies, purposes, programs }))
  app.use(relyingPartiesRouter(relyingParties))
  app.use(verificationsRouter({ db, adapters: verification, policyFor }))
  app.use(clockRouter(clock, options.adminApiKeys))
  mountVcApiVerifier(app, { agent, adminApiKeys: options.adminApiKeys, clock })
  serveApiDocs(app, verifierApi(options.publisherJwksUrl ? programs.map((p) => p.key) : []), options.publicUrl)
  finishApp(app)

  return {
    url: baseUrl,
    app,
    agent,
    policies,
    async close() {
      trustAnswers.close()
      statusLists.close()
      staleResponses.stop()
      await listening.close()
      await wal?.close()
      await shutdown()
    },
  }
}

export type VerifierService = Awaited<ReturnType<typeof startVerifierService>>
