import { OpenId4VcModule, type OpenId4VcVerificationSessionRecord, OpenId4VcVerificationSessionState } from '@credo-ts/openid4vc'
import { z } from 'zod'
import { createAgent } from '../common/agent'
import { anonCredsModule, didCommModules } from '../common/didcomm/modules'
import { anonCredsVerificationMigrations, createAnonCredsVerification, decideAnonCredsVerification } from './didcomm/anoncreds'
import { fullCapabilities, PROTOCOL_FORMATS, PROTOCOLS, protocolOf } from '../common/protocols'
import { resolvePublicJwk } from '../common/didKeys'
import { CREDENTIAL_FORMATS, loadCredentialTypes } from '../common/credentialTypes'
import type { Database, DatabaseConfig } from '../common/db'
import { createApp, finishApp, handle, HttpError, listen, parseInput } from '../common/http'
import { ensureIdentity, identityMigrations, type PartyIdentity } from '../common/identities'
import { guardOid4vcRoutes } from '../common/oid4vcRoutes'
import { BitstringStatusCheckModule, checkBitstringStatus, checkTokenStatus } from '../common/status'
import { dcqlQueryFor } from './dcql'
import { createProgramInbox, programInboxMigrations } from './notifications'
import { loadPrograms } from './programs'
import { type DiagnosisTools, diagnoseResponse } from './diagnose'
import { classifyVerificationError, type Decision, evaluatePresentation, finish, type TrustCheck } from './decision'
import { loadPolicies, loadPurposes, overAskedClaims } from './policy'
import { presentedCredentials } from './presented'
import { verificationMigrations, type VerificationRow } from './sessions'
import { createDidCommVerification, decideDidCommVerification, type DidCommVerifier } from './didcomm/verifications'
import { createVcApiVerifierRouter } from './vc-api'

export interface VerifierServiceOptions {
  port?: number
  host?: string
  dataDir: string
  database: DatabaseConfig
  trust: TrustCheck
  /** Reading a program's inbox (personal data) needs one of these keys. */
  adminApiKeys: string[]
  /** The notification publisher's JWKS (GET {issuer}/notifications/jwks.json), for the programs' inboxes. */
  publisherJwksUrl?: string
  publicUrl?: string
  /** Where the verification policies are (default verifier/policies). */
  policiesDir?: string
}

const createVerificationSchema = z.strictObject({
  policyId: z.string().min(1),
  format: z.enum(CREDENTIAL_FORMATS).default('dc+sd-jwt'),
  /** OID4VP 1.0 + DCQL (a request URI) or DIDComm v1 present-proof v2 + DIF PE (an out-of-band invitation URL); by default the format's own. */
  protocol: z.enum(PROTOCOLS).optional(),
})

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
  const listening = await listen(app, options.port ?? 0, options.host)
  const baseUrl = options.publicUrl ?? listening.url
  const verifierIds = new Set([...policies.values()].map((p) => p.verifier))
  app.use(guardOid4vcRoutes({ basePath: new URL(`${baseUrl}/oid4vp`).pathname, actorIds: () => verifierIds, actor: 'verifier', formEndpoints: ['/authorize'] }))

  // registered before Credo mounts its OID4VP routes, so it sees each response first
  let database: Database | undefined
  app.post('/oid4vp/*path', (req, _res, next) => {
    const { vp_token: vpToken, state } = (req.body ?? {}) as Record<string, unknown>
    if (typeof vpToken !== 'string' || typeof state !== 'string' || !database) return next()
    database
      .run('INSERT INTO verification_responses (state, vp_token, received_at) VALUES (?, ?, ?)', [state, vpToken, new Date().toISOString()])
      .then(() => next(), next)
  })

  const { agent, db, shutdown } = await createAgent({
    database: options.database,
    dataDir: options.dataDir,
    migrations: [...identityMigrations, ...verificationMigrations, ...programInboxMigrations, ...anonCredsVerificationMigrations],
    modules: {
      openid4vc: new OpenId4VcModule({ app, verifier: { baseUrl: `${baseUrl}/oid4vp` } }),
      // Credo refuses any W3C JWT VC that carries a credentialStatus unless a status checker is registered
      bitstringStatus: new BitstringStatusCheckModule(),
      ...didCommModules({ app, path: DIDCOMM_PATH, baseUrl, anoncreds: await anonCredsModule(options.dataDir) }),
    },
  })
  const didCommVerifier: DidCommVerifier = {
    didcomm: agent.didcomm,
    agentContext: agent.context,
    invitationDomain: `${baseUrl}${DIDCOMM_PATH}`,
    types,
    purposes,
    trust: options.trust,
  }

  database = db
  const identities = new Map<string, PartyIdentity>()
  for (const verifierKey of verifierIds) {
    identities.set(verifierKey, await ensureIdentity(agent, db, verifierKey))
    const existing = await agent.openid4vc.verifier.getVerifierByVerifierId(verifierKey).catch(() => undefined)
    if (!existing) await agent.openid4vc.verifier.createVerifier({ verifierId: verifierKey })
  }

  const diagnosisTools: DiagnosisTools = {
    resolveKey: (didUrl) => resolvePublicJwk(agent, didUrl),
    async resolveStatus({ header, payload }) {
      if (payload.status) return (await checkTokenStatus(agent.context, { header, payload })).status
      const vc = payload.vc as { credentialStatus?: unknown }
      return (await checkBitstringStatus(agent.context, vc.credentialStatus, { issuer: String(payload.iss) })).status
    },
  }

  const policyFor = (id: string) => {
    const policy = policies.get(id)
    if (!policy) throw new HttpError(404, 'unknown_policy', `No policy '${id}'; known policies: ${[...policies.keys()].join(', ')}`)
    return policy
  }

  /** Decides once, when Credo has a final answer for the session, and keeps the decision. */
  async function decisionFor(row: VerificationRow, session: OpenId4VcVerificationSessionRecord): Promise<Decision | undefined> {
    if (row.decision) return JSON.parse(row.decision) as Decision
    let decision: Decision
    if (session.state === OpenId4VcVerificationSessionState.Error) {
      const message = session.errorMessage ?? 'The response could not be verified'
      const nonce = String(session.requestPayload.nonce ?? '')
      const [response] = await db.query<{ vp_token: string }>('SELECT vp_token FROM verification_responses WHERE state = ? ORDER BY received_at DESC LIMIT 1', [
        String(session.requestPayload.state ?? ''),
      ])
      const diagnosed = response ? await diagnoseResponse(JSON.parse(response.vp_token), nonce, diagnosisTools) : []
      const trace = diagnosed.some((step) => !step.passed) ? diagnosed : [{ check: classifyVerificationError(message), passed: false, message }, ...diagnosed]
      decision = finish(trace, {}, message)
    } else if (session.state === OpenId4VcVerificationSessionState.ResponseVerified) {
      const verified = await agent.openid4vc.verifier.getVerifiedAuthorizationResponse(row.id)
      const presentations = (verified.dcql?.presentations ?? {}) as Record<string, unknown[]>
      decision = await evaluatePresentation(policyFor(row.policy_id), purposes, presentedCredentials(presentations, types), options.trust)
    } else return undefined
    await db.run('UPDATE verifications SET decision = ? WHERE id = ? AND decision IS NULL', [JSON.stringify(decision), row.id])
    return decision
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
      const { policyId, format, ...requested } = parseInput(createVerificationSchema, req.body)
      const protocol = requested.protocol ?? protocolOf(format)
      const policy = policyFor(policyId)
      if (!PROTOCOL_FORMATS[protocol].includes(format)) {
        throw new HttpError(422, 'unsupported_format', `${format} is not requested over ${protocol}; over ${protocol} this verifier asks for ${PROTOCOL_FORMATS[protocol].join(', ')}`)
      }
      if (protocol === 'didcomm' && format === 'anoncreds') {
        const { id, requestUris } = await createAnonCredsVerification(didCommVerifier, db, policy)
        await db.run('INSERT INTO verifications (id, policy_id, format, protocol, created_at) VALUES (?, ?, ?, ?, ?)', [id, policy.id, format, protocol, new Date().toISOString()])
        // one request per credential: the wallet answers each (requestUri is the first)
        res.status(201).json({ id, policyId, format, protocol, requestUri: requestUris[0], requestUris })
        return
      }
      if (protocol === 'didcomm') {
        const { id, requestUri } = await createDidCommVerification(didCommVerifier, policy)
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
  app.use(createVcApiVerifierRouter({ agent, adminApiKeys: options.adminApiKeys }))
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
