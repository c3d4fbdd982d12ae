import { OpenId4VcModule } from '@credo-ts/openid4vc'
import { createAgent } from '../common/agent'
import { anonCredsModule, didCommModules } from '../common/didcomm/modules'
import { fullCapabilities } from '../common/protocols'
import { type CredentialFormat, type CredentialType, loadCredentialTypes } from '../common/credentialTypes'
import { type AnonCredsDefinitions, type IssuerMaterialFile, loadIssuerMaterial, startAnonCredsDefinitions } from './anoncreds/definitions'
import type { DatabaseConfig } from '../common/db'
import { createApp, finishApp, handle, HttpError, listen, requireApiKey } from '../common/http'
import { ensureIdentity, identityMigrations, type PartyIdentity } from '../common/identities'
import { guardOid4vcRoutes } from '../common/oid4vcRoutes'
import { masterSecretFor } from '../common/secrets'
import { queryAuthorization } from '../trust-registry/client'
import { credentialConfigurations } from './credentialConfigurations'
import { createCredentialMapper } from './credentialMapper'
import { type JurisdictionIssuer, loadHostedParties } from './jurisdictions'
import { createNotificationRouter, DEFAULT_RETRY_POLICY, notificationHubMigrations, openNotificationHub } from './notifications'
import { createOffer, type OfferChannels } from './offers'
import { createDidCommOffer, didCommOfferState, type DidCommOfferFormat } from './didcomm/offers'
import { createStatusRouter, credoJwtSigner, statusListMigrations, StatusListService } from './status'
import { mountVcApiIssuer } from './vc-api'
import { MEDICAL_CERTIFICATE_TYPE } from './vital-statistics/certificate'
import { deathRegistrationMigrations } from './vital-statistics/migrations'
import { DeathRegistry } from './vital-statistics/registry'
import { vitalStatisticsRouter } from './vital-statistics/routes'

/** Where DIDComm v1 envelopes arrive on the issuer's app. */
const DIDCOMM_PATH = '/didcomm'

export interface IssuerServiceOptions {
  port?: number
  host?: string
  dataDir: string
  database: DatabaseConfig
  adminApiKeys: string[]
  /** Where the registrars check that a medical certifier is authorized. */
  trustRegistryUrl?: string
  jurisdictionsFile?: string
  /** The URL wallets reach this service at, when not the listening address (behind a proxy). */
  publicUrl?: string
  /** Notification delivery tuning (tests shorten the retry delays). */
  notificationRetryBaseMs?: number
  /**
   * AnonCreds issuer material to import (`<issuer key>.json` files; default INTEROP_ANONCREDS_MATERIAL_DIR); definitions
   * not found there are generated in the background.
   */
  anonCredsMaterialDir?: string
}

/**
 * The issuer service: every jurisdiction's OID4VCI issuer in one Credo agent, each with its own DID
 * and status list; the vital-statistics registrars and medical certifiers; the notification hub.
 */
export async function startIssuerService(options: IssuerServiceOptions) {
  const types = loadCredentialTypes()
  const { issuers: jurisdictions, certifiers } = loadHostedParties(options.jurisdictionsFile)
  const anonCredsMaterialDir = options.anonCredsMaterialDir ?? process.env.INTEROP_ANONCREDS_MATERIAL_DIR
  const identities = new Map<string, PartyIdentity>()
  const statusListIds = new Map<string, string>()

  const app = createApp()
  const listening = await listen(app, options.port ?? 0, options.host)
  const baseUrl = options.publicUrl ?? listening.url
  app.use(
    guardOid4vcRoutes({
      basePath: new URL(`${baseUrl}/oid4vci`).pathname,
      actorIds: () => jurisdictions.map((j) => j.key),
      actor: 'issuer',
      formEndpoints: ['/token', '/par', '/challenge'],
      // Credo continues an auth_session with its verifier module, which an issuer does not load (a 500)
      refusal: (req) => (req.path.endsWith('/challenge') && req.body?.auth_session !== undefined ? 'This issuer asks for no presentation during issuance: there is no auth_session to continue' : undefined),
    }),
  )

  const { agent, db, shutdown } = await createAgent({
    database: options.database,
    dataDir: options.dataDir,
    migrations: [...identityMigrations, ...statusListMigrations, ...notificationHubMigrations, ...deathRegistrationMigrations],
    modules: {
      openid4vc: new OpenId4VcModule({
        app,
        issuer: { baseUrl: `${baseUrl}/oid4vci`, credentialRequestToCredentialMapper: createCredentialMapper({ identities, types }) },
      }),
      ...didCommModules({ app, path: DIDCOMM_PATH, baseUrl, anoncreds: await anonCredsModule(options.dataDir) }),
    },
  })
  let anonCreds: AnonCredsDefinitions | undefined
  const offerUnder = (issuer: JurisdictionIssuer, type: CredentialType, format: CredentialFormat): DidCommOfferFormat => {
    if (format !== 'anoncreds') return { format: 'ldp_vc', issuerDid: identities.get(issuer.key)!.did }
    const definition = anonCreds?.get(issuer.key, type.id)
    if (!definition) throw new HttpError(503, 'anoncreds_not_ready', anonCreds?.pending() ?? `${issuer.name.en} has no AnonCreds credential definition for ${type.id}`)
    return { format, credentialDefinitionId: definition.credentialDefinitionId }
  }
  const offerChannels: OfferChannels = {
    oid4vc: agent.openid4vc.issuer,
    didcomm: (issuer, type, metadata, format) =>
      createDidCommOffer(agent.didcomm, `${baseUrl}${DIDCOMM_PATH}`, { label: issuer.name.en, type, metadata, under: offerUnder(issuer, type, format) }),
  }
  const status = new StatusListService({ db, baseUrl, signerFor: (list) => credoJwtSigner(agent.context, list.kid) })
  const hub = await openNotificationHub({
    database: db,
    masterSecret: masterSecretFor(options.dataDir),
    publisher: 'interop-lab-vital-statistics',
    dispatcher: options.notificationRetryBaseMs ? { retry: { ...DEFAULT_RETRY_POLICY, baseDelayMs: options.notificationRetryBaseMs } } : undefined,
  })

  const materials = new Map<string, IssuerMaterialFile>()
  for (const party of [...jurisdictions, ...certifiers]) {
    // imported AnonCreds material names its issuer's DID: the jurisdiction signs with that DID's key
    const material = loadIssuerMaterial(anonCredsMaterialDir, party.key)
    if (material) materials.set(party.key, material)
    identities.set(party.key, await ensureIdentity(agent, db, party.key, material && { did: material.issuerId, privateJwk: material.issuerPrivateJwk }))
  }
  for (const jurisdiction of jurisdictions) {
    const identity = identities.get(jurisdiction.key)!
    const [list] = await status.store.listsOf(identity.did)
    statusListIds.set(jurisdiction.key, (list ?? (await status.createList({ issuer: identity.did, kid: identity.kid }))).id)
    const credentialConfigurationsSupported = credentialConfigurations(jurisdiction.credentialTypes.map((id) => types.get(id)!))
    const display = [
      { name: jurisdiction.name.en, locale: 'en-CA' },
      { name: jurisdiction.name.fr, locale: 'fr-CA' },
    ]
    const existing = await agent.openid4vc.issuer.getIssuerByIssuerId(jurisdiction.key).catch(() => undefined)
    if (existing) await agent.openid4vc.issuer.updateIssuerMetadata({ issuerId: jurisdiction.key, credentialConfigurationsSupported, display })
    else await agent.openid4vc.issuer.createIssuer({ issuerId: jurisdiction.key, credentialConfigurationsSupported, display })
  }

  anonCreds = await startAnonCredsDefinitions({ agent, jurisdictions, identities, types, materials })

  const allocateStatus = (issuerKey: string, credentialRef?: string) => status.allocate(statusListIds.get(issuerKey)!, credentialRef)
  const registry = new DeathRegistry({
    agent,
    db,
    registrars: jurisdictions,
    async certifierAuthorized(did, jurisdiction) {
      if (!options.trustRegistryUrl) return { authorized: false, message: 'no trust registry is configured for this issuer service' }
      const answer = await queryAuthorization(options.trustRegistryUrl, { entity_id: did, authority_id: jurisdiction, action: 'certify', resource: MEDICAL_CERTIFICATE_TYPE })
      return { authorized: answer.authorized, message: answer.message }
    },
    offerCredential: (registrar, request, credentialRef) =>
      createOffer(offerChannels, registrar, types, { ...request, credentialType: 'DeathRegistrationCredential' }, () => allocateStatus(registrar.key, credentialRef)),
    async revokeCredentials(credentialRef) {
      const allocations = await status.allocationsFor(credentialRef)
      for (const allocation of allocations) if (allocation.status !== 'revoked') await status.setStatus(allocation.listId, allocation.idx, 'revoked')
      return allocations.length
    },
    publish: (event) => hub.publish(event),
  })

  const jurisdictionFor = (key: string) => {
    const jurisdiction = jurisdictions.find((j) => j.key === key)
    if (!jurisdiction) throw new HttpError(404, 'unknown_issuer', `No issuer '${key}' here; known issuers: ${jurisdictions.map((j) => j.key).join(', ')}`)
    return jurisdiction
  }
  const admin = requireApiKey(options.adminApiKeys)

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: 'issuer' })
  })
  app.get('/capabilities', (_req, res) => {
    const pending = anonCreds?.pending()
    const capabilities = fullCapabilities()
    if (pending) capabilities.protocols.didcomm = capabilities.protocols.didcomm?.filter((format) => format !== 'anoncreds')
    res.json(pending ? { ...capabilities, pending: { anoncreds: pending } } : capabilities)
  })
  app.get('/credential-types', (_req, res) => {
    res.json({ credentialTypes: [...types.values()] })
  })
  app.get('/issuers', (_req, res) => {
    res.json({
      issuers: jurisdictions.map((j) => ({ ...j, did: identities.get(j.key)!.did, credentialIssuer: `${baseUrl}/oid4vci/${j.key}` })),
      certifiers: certifiers.map((c) => ({ ...c, did: identities.get(c.key)!.did })),
    })
  })
  app.post(
    '/issuers/:key/offers',
    admin,
    handle(async (req, res) => {
      const issuer = jurisdictionFor(String(req.params.key))
      res.status(201).json(await createOffer(offerChannels, issuer, types, req.body, () => allocateStatus(issuer.key)))
    }),
  )
  app.get(
    '/issuers/:key/offers/:offerId',
    admin,
    handle(async (req, res) => {
      jurisdictionFor(String(req.params.key))
      const offerId = String(req.params.offerId)
      const session = await agent.openid4vc.issuer.getIssuanceSessionById(offerId).catch(() => undefined)
      const offer = session ? { offerId: session.id, state: session.state, errorMessage: session.errorMessage } : await didCommOfferState(agent.didcomm, offerId)
      if (!offer) throw new HttpError(404, 'unknown_offer', `No offer ${offerId}`)
      res.json(offer)
    }),
  )
  app.use(createStatusRouter(status))
  app.use(createNotificationRouter(hub, { adminApiKeys: options.adminApiKeys }))
  app.use(vitalStatisticsRouter({ agent, registry, certifiers, identities, adminApiKeys: options.adminApiKeys, baseUrl }))
  await mountVcApiIssuer(app, { agent, status, jurisdictions, identities, types, baseUrl, adminApiKeys: options.adminApiKeys })
  finishApp(app)

  return {
    url: baseUrl,
    app,
    agent,
    db,
    hub,
    status,
    identities,
    jurisdictions,
    certifiers,
    async close() {
      await listening.close()
      await hub.stop()
      await shutdown()
    },
  }
}

export type IssuerService = Awaited<ReturnType<typeof startIssuerService>>
