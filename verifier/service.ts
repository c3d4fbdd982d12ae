import { OpenId4VcModule, type OpenId4VcVerificationSessionRecord, OpenId4VcVerificationSessionRepository, OpenId4VcVerificationSessionState } from '@credo-ts/openid4vc'
import { createVerificationSchema, verifierApi } from '@interop-lab/contracts'
import { serveApiDocs } from '@interop-lab/common/apiDocs'
import { absentIfNotFound } from '@interop-lab/common/records'
import { createAgent } from '@interop-lab/common/agent'
import { anonCredsModule, didCommModules } from '@interop-lab/common/didcomm/modules'
import { anonCredsVerificationMigrations, createAnonCredsVerification, decideAnonCredsVerification } from './didcomm/anoncreds'
import { formatsOver, fullCapabilities, protocolOf } from '@interop-lab/common/protocols'
import { resolvePublicJwk } from '@interop-lab/common/didKeys'
import { loadCredentialTypes } from '@interop-lab/common/credentialTypes'
import type { DatabaseConfig } from '@interop-lab/common/db'
import { createApp, finishApp, handle, HttpError, listen, parseInput } from '@interop-lab/common/http'
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
import { dcqlQueryFor } from './dcql'
import { createProgramInbox, programInboxMigrations } from './notifications'
import { loadPrograms } from './programs'
import { type Decision, decide, type TrustCheck } from './decision'
import { loadPolicies, loadPurposes, overAskedClaims } from './policy'
import { oid4vpOutcome } from './oid4vp/adapter'
import { Oid4vp1Module } from './oid4vp/requestObject'
import { DEFAULT_HOLDER_PROOF_RULES, type HolderProofRules } from './oid4vp/rules'
import { forgetResponse, forgetStaleResponses, responseGate, type ResponseGateDependencies } from './responses'
import { verificationMigrations, type VerificationRow } from './sessions'
import { createDidCommVerification, decideDidCommVerification, type DidCommVerifier } from './didcomm/verifications'
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

  /**
   * Decides once, when Credo has a final answer for the session, from the raw response by the lab's own checks, and
   * keeps the decision; the raw response is then deleted (ours and Credo's copy): only the trace remains.
   */
  async function decisionFor(row: VerificationRow, session: OpenId4VcVerificationSessionRecord): Promise<Decision | undefined> {
    if (row.decision) return JSON.parse(row.decision) as Decision
    const refused = session.state === OpenId4VcVerificationSessionState.Error
    if (!refused && session.state !== OpenId4VcVerificationSessionState.ResponseVerified) return undefined
    await forgetStaleResponses(db, responseRetentionMs)
    const state = String(session.requestPayload.state ?? '')
    const [response] = await db.query<{ vp_token: string; received_at: string }>('SELECT vp_token, received_at FROM verification_responses WHERE state = ?', [state])
    const { nonce, client_id, response_uri } = session.requestPayload
    const request = { nonce: String(nonce ?? ''), clientId: String(client_id ?? ''), responseUri: typeof response_uri === 'string' ? response_uri : undefined }
    const engineError = refused ? (session.errorMessage ?? 'The response could not be verified') : undefined
    const receivedAt = response ? new Date(response.received_at) : new Date()
    const outcome = await oid4vpOutcome(response?.vp_token, request, receivedAt, presentationTools, engineError)
    const decision = await decide(policyFor(row.policy_id), purposes, outcome, checks)
    const kept = await db.run('UPDATE verifications SET decision = ? WHERE id = ? AND decision IS NULL', [JSON.stringify(decision), row.id])
    if (kept) {
      await forgetResponse(db, sessionRepository, agent.context, session, state)
      return decision
    }
    // decided concurrently: the first decision stands (and its decider forgets the response)
    const [stored] = await db.query<VerificationRow>('SELECT * FROM verifications WHERE id = ?', [row.id])
    return JSON.parse(stored.decision!) as Decision
  }

  const programs = loadPrograms()
  if (options.publisherJwksUrl) {
    for (const program of programs) {
      const inbox = createProgramInbox({ programKey: program.key, name: program.name, publisherJwksUrl: options.publisherJwksUrl, database: db, readApiKeys: options.adminApiKeys })
      app.use(inbox.router)
    }
  }
  app.get('/programs', (_req, res) => {
    res.json({ programs: programs.map((p) => ({ ...p, inbox: `${baseUrl}/programs/${p.key}/inbox` })) })
  })
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: 'verifier' })
  })
  app.get('/capabilities', (_req, res) => {
    res.json(fullCapabilities())
  })
  app.get('/policies', (_req, res) => {
    res.json({ policies: [...policies.values()].map((policy) => ({ ...policy, overAskedClaims: overAskedClaims(policy, purposes) })) })
  })
  app.post(
    '/verifications',
    handle(async (req, res) => {
      const { policyId, format, connection, ...requested } = parseInput(createVerificationSchema, req.body)
      const protocol = requested.protocol ?? protocolOf(format)
      const policy = policyFor(policyId)
      if (connection && protocol !== 'didcomm') throw new HttpError(422, 'unsupported_option', `connection (${connection}) is a DIDComm option; ${protocol} requests have no connection`)
      if (!formatsOver(protocol).includes(format)) {
        throw new HttpError(422, 'unsupported_format', `${format} is not requested over ${protocol}; over ${protocol} this verifier asks for ${formatsOver(protocol).join(', ')}`)
      }
      if (protocol === 'didcomm' && format === 'anoncreds') {
        const { id, requestUris } = await createAnonCredsVerification(didCommVerifier, db, policy, connection)
        await db.run('INSERT INTO verifications (id, policy_id, format, protocol, created_at) VALUES (?, ?, ?, ?, ?)', [id, policy.id, format, protocol, new Date().toISOString()])
        // one request per credential: the wallet answers each (requestUri is the first)
        res.status(201).json({ id, policyId, format, protocol, requestUri: requestUris[0], requestUris })
        return
      }
      if (protocol === 'didcomm') {
        const { id, requestUri } = await createDidCommVerification(didCommVerifier, policy, connection)
        await db.run('INSERT INTO verifications (id, policy_id, format, protocol, created_at) VALUES (?, ?, ?, ?, ?)', [id, policy.id, format, protocol, new Date().toISOString()])
        res.status(201).json({ id, policyId, format, protocol, requestUri })
        return
      }
      const { authorizationRequest, verificationSession } = await agent.openid4vc.verifier.createAuthorizationRequest({
        verifierId: policy.verifier,
        requestSigner: { method: 'did', didUrl: identities.get(policy.verifier)!.kid },
        dcql: { query: dcqlQueryFor(policy, types, format) },
        responseMode: 'direct_post',
        version: 'v1',
      })
      await db.run('INSERT INTO verifications (id, policy_id, format, created_at) VALUES (?, ?, ?, ?)', [
        verificationSession.id,
        policy.id,
        format,
        new Date().toISOString(),
      ])
      res.status(201).json({ id: verificationSession.id, policyId, format, protocol, requestUri: authorizationRequest })
    }),
  )
  /** Where a DIDComm verification's exchange stands (an AnonCreds one: its last request's). */
  const didCommStateOf = async (row: VerificationRow) => {
    const [part] = row.format === 'anoncreds' ? await db.query<{ proof_record_id: string }>('SELECT proof_record_id FROM anoncreds_requests WHERE verification_id = ? ORDER BY query_id DESC LIMIT 1', [row.id]) : []
    return (await agent.didcomm.proofs.findById(part?.proof_record_id ?? row.id))?.state ?? 'unknown'
  }
  app.get(
    '/verifications/:id',
    handle(async (req, res) => {
      const [row] = await db.query<VerificationRow>('SELECT * FROM verifications WHERE id = ?', [String(req.params.id)])
      if (!row) throw new HttpError(404, 'unknown_verification', `No verification ${req.params.id}`)
      if (row.protocol === 'didcomm') {
        const kept = row.decision ? (JSON.parse(row.decision) as Decision) : undefined
        const decide = () =>
          row.format === 'anoncreds' ? decideAnonCredsVerification(didCommVerifier, db, policyFor(row.policy_id), row.id) : decideDidCommVerification(didCommVerifier, policyFor(row.policy_id), row.id)
        const { state, decision } = kept ? { state: await didCommStateOf(row), decision: kept } : await decide()
        if (decision && !kept) await db.run('UPDATE verifications SET decision = ? WHERE id = ? AND decision IS NULL', [JSON.stringify(decision), row.id])
        res.json({ id: row.id, policyId: row.policy_id, format: row.format, protocol: row.protocol, state, decision })
        return
      }
      const session = await agent.openid4vc.verifier.getVerificationSessionById(row.id)
      const decision = await decisionFor(row, session)
      res.json({ id: row.id, policyId: row.policy_id, format: row.format, protocol: row.protocol, state: session.state, decision })
    }),
  )
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
