import { OpenId4VcModule } from '@credo-ts/openid4vc'
import { createAgent } from '@interop-lab/common/agent'
import { anonCredsModule, didCommModules } from '@interop-lab/common/didcomm/modules'
import { loadCredentialTypes } from '@interop-lab/common/credentialTypes'
import { mountWebVhFiles } from './anoncreds/webvh'
import type { DatabaseConfig } from '@interop-lab/common/db'
import { issuerApi, WALLET_ATTESTATION_TYPE } from '@interop-lab/contracts'
import { serveApiDocs } from '@interop-lab/common/apiDocs'
import { agentSettings } from '@interop-lab/common/config'
import { type Clock, clockRouter, systemClock } from '@interop-lab/common/clock'
import { createApp, finishApp, listen } from '@interop-lab/common/http'
import { identityMigrations, type PartyIdentity } from '@interop-lab/common/identities'
import { guardOid4vcRoutes } from '@interop-lab/common/oid4vcRoutes'
import { guardedFetch } from '@interop-lab/common/net/guardedFetch'
import { cachingFetch } from '@interop-lab/common/net/httpCache'
import { OutboundPolicy } from '@interop-lab/common/net/outboundPolicy'
import { masterSecretFor } from '@interop-lab/common/secrets'
import { resolveFederatedTrust } from '@interop-lab/trust-registry/federation'
import { registryKeyPin, registryKeyPinMigrations } from '@interop-lab/trust-registry/keyPin'
import { createCredentialMapper } from './credentialMapper'
import { X509Authorities, x509Migrations } from '@interop-lab/common/x509/authorities'
import { jwtVcIssuerRouter } from './jwtVcIssuer'
import { loadHostedParties } from './jurisdictions'
import { createNotificationRouter, DEFAULT_RETRY_POLICY, notificationHubMigrations, openNotificationHub } from './notifications'
import { createOffer, type IssuanceAdapters } from './offers'
import { didCommIssuance } from './adapters/didcomm'
import { oid4vciIssuance } from './adapters/oid4vci'
import { provisionJurisdictions, x509IssuerOf } from './provisioning'
import { catalogRouter } from './routes/catalog'
import { offersRouter } from './routes/offers'
import { claimedBeforeCredo, redemptionMigrations, redemptionRules, type RedemptionDependencies } from './redemption'
import { authorizationDetailsMigrations, authorizationDetailsRules, serverMetadataRules } from './authorizationDetails'
import { metadataCacheHeaders } from './metadataCaching'
import { credentialRequestRules, takeVerifiedProofs, verifiedIssuance } from './credentialRequests'
import { noncesOncePerSecond } from './nonces'
import { FullSaltSdJwtModule } from './sdJwtSalts'
import { offersByReference } from './offersByReference'
import { HAIP_SERVER_METADATA, haipAuthorizationRules, haipMigrations, trustWalletProviders } from './haip'
import { registryAnchors } from '@interop-lab/trust-registry/client'
import { createStatusRouter, credoJwtSigner, StatusListError, statusListMigrations, StatusListService, x5cJwtSigner } from './status'
import { MsoStatusModule } from './msoStatus'
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
  /** The trust registry's signing key (JWK thumbprint); otherwise the first one seen is pinned in this service's database. */
  trustRegistryKey?: string
  /** Hosts beyond the lab's own services that URLs from outside may name (did:web, DIDComm endpoints); default none. */
  outbound?: OutboundPolicy
  jurisdictionsFile?: string
  /** The URL wallets reach this service at, when not the listening address (behind a proxy). */
  publicUrl?: string
  /** Notification delivery tuning (tests shorten the retry delays). */
  notificationRetryBaseMs?: number
  /**
   * AnonCreds issuer material to import (`<issuer key>.json` files; default INTEROP_ANONCREDS_MATERIAL_DIR, else the
   * DEMO-ONLY material on a local lab: issuer/anoncreds/material.ts); definitions not found there are generated in the background.
   */
  anonCredsMaterialDir?: string
  /** The time its own checks judge (medical certificates' freshness): the system clock, or a lab run's (common/clock.ts). */
  clock?: Clock
}

/**
 * The issuer service: every jurisdiction's OID4VCI issuer in one Credo agent, each with its own DID
 * and status list; the vital-statistics registrars and medical certifiers; the notification hub.
 */
export async function startIssuerService(options: IssuerServiceOptions) {
  const types = loadCredentialTypes()
  const { issuers: jurisdictions, certifiers } = loadHostedParties(options.jurisdictionsFile)
  const anonCredsMaterialDir = options.anonCredsMaterialDir ?? agentSettings().INTEROP_ANONCREDS_MATERIAL_DIR
  const identities = new Map<string, PartyIdentity>()
  let x509: X509Authorities | undefined

  const app = createApp()
  // bound now for its URL (the agent's base URL), but every request gets 503 until finishApp below: see listen
  const listening = await listen(app, options.port ?? 0, options.host)
  const baseUrl = options.publicUrl ?? listening.url
  const outbound = (options.outbound ?? new OutboundPolicy()).allowing(baseUrl, options.trustRegistryUrl)
  app.use(
    guardOid4vcRoutes({
      basePath: new URL(`${baseUrl}/oid4vci`).pathname,
      actorIds: () => jurisdictions.map((j) => j.key),
      actor: 'issuer',
      formEndpoints: ['/token', '/par', '/challenge'],
      // Credo has this route, but the issuer's metadata does not list it (serverMetadataRules); PAR and authorization are issuer/haip.ts
      refusal: (req) => (/\/challenge$/.test(req.path) ? 'This issuer runs no authorization challenge endpoint: its authorization server metadata lists none' : undefined),
    }),
  )
  const oid4vciPath = new URL(`${baseUrl}/oid4vci`).pathname
  const x509Signer = async (issuerKey: string) => {
    const issuer = jurisdictions.find((j) => j.key === issuerKey)
    if (!issuer || !x509) throw new Error(`No X.509 signing certificate for ${issuerKey}`)
    const signing = x509IssuerOf(baseUrl, issuer)
    return { ...(await x509.signer(signing)), issuerUrl: signing.issuerUrl }
  }
  /** An mdoc's document signer (ISO 18013-5 Annex B.1.4) under the jurisdiction's IACA; its SAN URI is the issuer URL. */
  const mdocSigner = async (issuerKey: string) => {
    const issuer = jurisdictions.find((j) => j.key === issuerKey)
    if (!issuer || !x509) throw new Error(`No mdoc document signer certificate for ${issuerKey}`)
    return x509.documentSigner(x509IssuerOf(baseUrl, issuer))
  }
  app.use(serverMetadataRules(oid4vciPath, HAIP_SERVER_METADATA))
  app.use(metadataCacheHeaders(oid4vciPath))
  // before Credo's token and credential endpoints: the OID4VCI 1.0 rules of a credential request (a refusal claims
  // nothing and leaves the offer open), tx_code attempts are limited, an access token redeems once, authorization_details
  let redemption: RedemptionDependencies | undefined
  app.use(credentialRequestRules(oid4vciPath, () => redemption))
  app.use(redemptionRules(oid4vciPath, () => redemption))
  app.use(authorizationDetailsRules(oid4vciPath, () => redemption))
  app.use(haipAuthorizationRules(oid4vciPath, () => redemption))
  // a credential request the rules above verified and claimed is issued without Credo's endpoint verifying it again
  app.use(verifiedIssuance(oid4vciPath, () => redemption))
  app.use(offersByReference(oid4vciPath, () => redemption))

  const { agent, db, shutdown } = await createAgent({
    database: options.database,
    dataDir: options.dataDir,
    migrations: [
      ...identityMigrations,
      ...statusListMigrations,
      ...notificationHubMigrations,
      ...deathRegistrationMigrations,
      ...redemptionMigrations,
      ...authorizationDetailsMigrations,
      ...registryKeyPinMigrations,
      ...x509Migrations,
      ...haipMigrations,
    ],
    // holders' DIDComm endpoints, did:web in proofs: only allowed hosts
    // its own metadata and JWKS (checking the access tokens it issued) reused while fresh
    fetch: cachingFetch(guardedFetch(outbound)),
    allowInsecureHttp: new URL(baseUrl).protocol === 'http:',
    modules: {
      openid4vc: new OpenId4VcModule({
        app,
        issuer: { baseUrl: `${baseUrl}/oid4vci`, credentialRequestToCredentialMapper: createCredentialMapper({ identities, types, mdocSigner, x509Signer }) },
      }),
      ...didCommModules({ app, path: DIDCOMM_PATH, baseUrl, anoncreds: await anonCredsModule(options.dataDir) }),
      msoStatus: new MsoStatusModule(),
      sdJwtSalts: new FullSaltSdJwtModule(),
    },
  })
  // Credo's issuer takes what the rules above verified and claimed, instead of doing it again
  takeVerifiedProofs(agent)
  claimedBeforeCredo(agent)
  noncesOncePerSecond(agent)
  redemption = { agent, db }
  // HAIP Wallet Attestations and key attestations chain to a wallet provider root the trust registry lists
  const trustRegistryUrl = options.trustRegistryUrl
  trustWalletProviders(agent, async () =>
    trustRegistryUrl
      ? (await registryAnchors(trustRegistryUrl, { credentialType: WALLET_ATTESTATION_TYPE, keyPin: registryKeyPin(db, options.trustRegistryKey) })).map((anchor) => anchor.certificate)
      : [],
  )
  const authorities = new X509Authorities(agent, db)
  x509 = authorities
  const status = new StatusListService({
    db,
    baseUrl,
    signerFor: (list) => credoJwtSigner(agent.context, list.kid),
    // a jurisdiction's list token under X.509 too, signed as its credentials are: by its issuer certificate or its mdoc document signer
    async x509SignerFor(list, signing) {
      const issuerKey = [...statusListIds].find(([, id]) => id === list.id)?.[0]
      if (!issuerKey) throw new StatusListError('not-found', 'unknown_status_list', `Status list ${list.id} is no jurisdiction's: it is published under its DID only`)
      const { leaf, issuerUrl } = await x509Signer(issuerKey)
      return { sign: x5cJwtSigner(agent.context, signing === 'mdoc' ? (await mdocSigner(issuerKey)).leaf : leaf), issuer: issuerUrl }
    },
  })
  const hub = await openNotificationHub({
    database: db,
    masterSecret: masterSecretFor(options.dataDir),
    publisher: 'interop-lab-vital-statistics',
    dispatcher: options.notificationRetryBaseMs ? { retry: { ...DEFAULT_RETRY_POLICY, baseDelayMs: options.notificationRetryBaseMs } } : undefined,
  })

  const { ldpDids, webvhDids, x509Roots, mdocIacas, statusListIds, anonCreds } = await provisionJurisdictions({
    agent,
    oid4vciIssuer: agent.openid4vc.issuer,
    db,
    baseUrl,
    types,
    jurisdictions,
    certifiers,
    authorities,
    status,
    identities,
    anonCredsMaterialDir,
    deployment: { host: options.host, publicUrl: options.publicUrl, databaseEngine: options.database.engine, env: process.env },
  })
  mountWebVhFiles(app, agent, (key) => webvhDids.get(key))

  const issuance: IssuanceAdapters = {
    oid4vc: oid4vciIssuance(agent.openid4vc.issuer),
    didcomm: didCommIssuance({
      agent,
      didcomm: agent.didcomm,
      invitationDomain: `${baseUrl}${DIDCOMM_PATH}`,
      ldpDid: (key) => ldpDids.get(key)!.did,
      webvhDid: (key) => webvhDids.get(key),
      anonCreds,
    }),
  }
  const allocateStatus = (issuerKey: string, credentialRef?: string) => status.allocate(statusListIds.get(issuerKey)!, credentialRef)
  const clock = options.clock ?? systemClock
  const registry = new DeathRegistry({
    agent,
    db,
    clock,
    registrars: jurisdictions,
    async certifierAuthorized(did, jurisdiction) {
      if (!options.trustRegistryUrl) return { authorized: false, message: 'no trust registry is configured for this issuer service' }
      // the certifier's jurisdiction asked directly; a registry that does not hold it refers to the one that does.
      // No usable answer (unreachable, unsigned, a changed key) is no authorization, and says why
      const answer = await resolveFederatedTrust(
        { url: options.trustRegistryUrl, keyPin: registryKeyPin(db, options.trustRegistryKey) },
        { issuer: did, credentialType: MEDICAL_CERTIFICATE_TYPE, jurisdiction, authority: jurisdiction, action: 'certify' },
      )
      return { authorized: answer.trusted, message: answer.message }
    },
    offerCredential: (registrar, request, credentialRef) =>
      createOffer(issuance, registrar, types, { ...request, credentialType: 'DeathRegistrationCredential' }, () => allocateStatus(registrar.key, credentialRef)),
    async revokeCredentials(credentialRef) {
      const allocations = await status.allocationsFor(credentialRef)
      for (const allocation of allocations) if (allocation.status !== 'revoked') await status.setStatus(allocation.listId, allocation.idx, 'revoked')
      return allocations.length
    },
    publish: (event) => hub.publish(event),
  })

  app.use(
    catalogRouter({
      baseUrl,
      types,
      jurisdictions,
      certifiers,
      identities,
      webvhDid: (key) => webvhDids.get(key),
      x509Of: (j) => ({
        issuerUrl: x509IssuerOf(baseUrl, j).issuerUrl,
        // and the IACA its mdocs' document signer chains to (ISO 18013-5 Annex B), for an issuer of an mdoc type
        anchors: [{ kind: 'root', certificate: x509Roots.get(j.key) }, ...(mdocIacas.has(j.key) ? [{ kind: 'iaca' as const, certificate: mdocIacas.get(j.key) }] : [])],
      }),
      anonCredsPending: () => anonCreds.pending(),
    }),
  )
  app.use(offersRouter({ jurisdictions, types, adapters: issuance, allocateStatus, adminApiKeys: options.adminApiKeys }))
  app.use(createStatusRouter(status))
  app.use(jwtVcIssuerRouter(oid4vciPath, (key) => (jurisdictions.some((j) => j.key === key) ? x509Signer(key) : undefined)))
  app.use(createNotificationRouter(hub, { adminApiKeys: options.adminApiKeys }))
  app.use(vitalStatisticsRouter({ agent, registry, certifiers, identities, adminApiKeys: options.adminApiKeys, baseUrl, clock }))
  app.use(clockRouter(clock, options.adminApiKeys))
  await mountVcApiIssuer(app, { agent, status, jurisdictions, identities, types, baseUrl, adminApiKeys: options.adminApiKeys })
  serveApiDocs(app, issuerApi, options.publicUrl)
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
    /** The jurisdictions' X.509 roots and IACAs, and each issuer's certificates under them (common/x509). */
    x509: authorities,
    async close() {
      await listening.close()
      await hub.stop()
      await shutdown()
    },
  }
}

export type IssuerService = Awaited<ReturnType<typeof startIssuerService>>
