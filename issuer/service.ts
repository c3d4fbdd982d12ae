import { OpenId4VcModule } from '@credo-ts/openid4vc'
import { createAgent } from '@interop-lab/common/agent'
import { ensureLdpDid, type LdpDid } from '@interop-lab/common/didcomm/ldpDid'
import { anonCredsModule, didCommModules } from '@interop-lab/common/didcomm/modules'
import { loadCredentialTypes } from '@interop-lab/common/credentialTypes'
import { startAnonCredsDefinitions } from './anoncreds/definitions'
import { chooseAnonCredsMaterial } from './anoncreds/material'
import { ensureWebVhDid, mountWebVhFiles, webvhLocation } from './anoncreds/webvh'
import type { DatabaseConfig } from '@interop-lab/common/db'
import { issuerApi } from '@interop-lab/contracts'
import { serveApiDocs } from '@interop-lab/common/apiDocs'
import { agentSettings } from '@interop-lab/common/config'
import { createApp, finishApp, listen } from '@interop-lab/common/http'
import { ensureIdentity, identityMigrations, type PartyIdentity } from '@interop-lab/common/identities'
import { guardOid4vcRoutes } from '@interop-lab/common/oid4vcRoutes'
import { guardedFetch } from '@interop-lab/common/net/guardedFetch'
import { cachingFetch } from '@interop-lab/common/net/httpCache'
import { OutboundPolicy } from '@interop-lab/common/net/outboundPolicy'
import { masterSecretFor } from '@interop-lab/common/secrets'
import { resolveFederatedTrust } from '@interop-lab/trust-registry/federation'
import { registryKeyPin, registryKeyPinMigrations } from '@interop-lab/trust-registry/keyPin'
import { createCredentialMapper } from './credentialMapper'
import { X509Authorities, type X509Issuer, x509Migrations } from '@interop-lab/common/x509/authorities'
import { jwtVcIssuerRouter } from './jwtVcIssuer'
import { type JurisdictionIssuer, loadHostedParties } from './jurisdictions'
import { createNotificationRouter, DEFAULT_RETRY_POLICY, notificationHubMigrations, openNotificationHub } from './notifications'
import { createOffer, type IssuanceAdapters } from './offers'
import { didCommIssuance } from './adapters/didcomm'
import { ensureOid4vciIssuer, oid4vciIssuance } from './adapters/oid4vci'
import { catalogRouter } from './routes/catalog'
import { offersRouter } from './routes/offers'
import { redemptionMigrations, redemptionRules, type RedemptionDependencies } from './redemption'
import { authorizationDetailsMigrations, authorizationDetailsRules, serverMetadataRules } from './authorizationDetails'
import { metadataCacheHeaders } from './metadataCaching'
import { credentialRequestRules } from './credentialRequests'
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
  const statusListIds = new Map<string, string>()
  let x509: X509Authorities | undefined
  /** Each jurisdiction's root certificate (base64 DER), by issuer key: what onboarding lists in the trust registry. */
  const x509Roots = new Map<string, string>()
  /** The IACA (base64 DER) of each issuer of an mdoc credential type, by issuer key: listed in the trust registry too. */
  const mdocIacas = new Map<string, string>()

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
      // Credo has these routes, but the issuer's metadata lists none of them (serverMetadataRules)
      refusal: (req) =>
        /\/(?:par|authorize|challenge)$/.test(req.path)
          ? 'This issuer runs the pre-authorized code flow only: its authorization server metadata lists no authorization, PAR or challenge endpoint'
          : undefined,
    }),
  )
  const oid4vciPath = new URL(`${baseUrl}/oid4vci`).pathname
  // an X.509-signed SD-JWT VC's `iss` is the jurisdiction's credential issuer URL, the SAN URI of its certificate
  const x509IssuerOf = (j: JurisdictionIssuer): X509Issuer => ({ key: j.key, name: j.name.en, jurisdiction: j.jurisdiction, issuerUrl: `${baseUrl}/oid4vci/${j.key}` })
  const x509Signer = async (issuerKey: string) => {
    const issuer = jurisdictions.find((j) => j.key === issuerKey)
    if (!issuer || !x509) throw new Error(`No X.509 signing certificate for ${issuerKey}`)
    const signing = x509IssuerOf(issuer)
    return { ...(await x509.signer(signing)), issuerUrl: signing.issuerUrl }
  }
  /** An mdoc's document signer (ISO 18013-5 Annex B.1.4) under the jurisdiction's IACA; its SAN URI is the issuer URL. */
  const mdocSigner = async (issuerKey: string) => {
    const issuer = jurisdictions.find((j) => j.key === issuerKey)
    if (!issuer || !x509) throw new Error(`No mdoc document signer certificate for ${issuerKey}`)
    return x509.documentSigner(x509IssuerOf(issuer))
  }
  app.use(serverMetadataRules(oid4vciPath))
  app.use(metadataCacheHeaders(oid4vciPath))
  // before Credo's token and credential endpoints: the OID4VCI 1.0 rules of a credential request (a refusal claims
  // nothing and leaves the offer open), tx_code attempts are limited, an access token redeems once, authorization_details
  let redemption: RedemptionDependencies | undefined
  app.use(credentialRequestRules(oid4vciPath, () => redemption))
  app.use(redemptionRules(oid4vciPath, () => redemption))
  app.use(authorizationDetailsRules(oid4vciPath, () => redemption))

  const { agent, db, shutdown } = await createAgent({
    database: options.database,
    dataDir: options.dataDir,
    migrations: [...identityMigrations, ...statusListMigrations, ...notificationHubMigrations, ...deathRegistrationMigrations, ...redemptionMigrations, ...authorizationDetailsMigrations, ...registryKeyPinMigrations, ...x509Migrations],
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
    },
  })
  redemption = { agent, db }
  const authorities = new X509Authorities(agent, db)
  x509 = authorities
  const status = new StatusListService({ db, baseUrl, signerFor: (list) => credoJwtSigner(agent.context, list.kid) })
  const hub = await openNotificationHub({
    database: db,
    masterSecret: masterSecretFor(options.dataDir),
    publisher: 'interop-lab-vital-statistics',
    dispatcher: options.notificationRetryBaseMs ? { retry: { ...DEFAULT_RETRY_POLICY, baseDelayMs: options.notificationRetryBaseMs } } : undefined,
  })

  const materials = await chooseAnonCredsMaterial({
    dir: anonCredsMaterialDir,
    deployment: { host: options.host, publicUrl: options.publicUrl, databaseEngine: options.database.engine, env: process.env },
    db,
    partyKeys: [...jurisdictions, ...certifiers].map((party) => party.key),
    log: (message) => console.info(`[anoncreds] ${message}`),
  })
  for (const party of [...jurisdictions, ...certifiers]) {
    // imported AnonCreds material names its issuer's DID: the jurisdiction signs with that DID's key
    const material = materials.get(party.key)
    identities.set(party.key, await ensureIdentity(agent, db, party.key, material && { did: material.issuerId, privateJwk: material.issuerPrivateJwk }))
  }
  // JSON-LD credentials are signed under the did:key of each jurisdiction's key: what peers such as ACA-Py can read
  const ldpDids = new Map<string, LdpDid>()
  for (const jurisdiction of jurisdictions) ldpDids.set(jurisdiction.key, await ensureLdpDid(agent, identities.get(jurisdiction.key)!.kid))
  // each jurisdiction's AnonCreds objects live under its did:webvh (same key), whose files this service serves
  const webvhDids = new Map<string, string>()
  for (const jurisdiction of jurisdictions) {
    const location = webvhLocation(baseUrl, jurisdiction.key)
    if ('unsupported' in location) {
      // AnonCreds objects stay under the did:jwk, in the file registry the services must then share
      console.warn(`[anoncreds] no did:webvh for ${jurisdiction.key}: ${location.unsupported}`)
      continue
    }
    webvhDids.set(jurisdiction.key, await ensureWebVhDid(agent, location, identities.get(jurisdiction.key)!.kid))
  }
  mountWebVhFiles(app, agent, (key) => webvhDids.get(key))
  for (const jurisdiction of jurisdictions) {
    const identity = identities.get(jurisdiction.key)!
    x509Roots.set(jurisdiction.key, (await authorities.signer(x509IssuerOf(jurisdiction))).root.der)
    if (jurisdiction.credentialTypes.some((id) => types.get(id)?.mdoc)) mdocIacas.set(jurisdiction.key, (await mdocSigner(jurisdiction.key)).root.der)
    const [list] = await status.store.listsOf(identity.did)
    statusListIds.set(jurisdiction.key, (list ?? (await status.createList({ issuer: identity.did, kid: identity.kid }))).id)
    await ensureOid4vciIssuer(agent.openid4vc.issuer, jurisdiction, types)
  }

  const anonCreds = await startAnonCredsDefinitions({ agent, jurisdictions, identities, types, materials })

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
  const registry = new DeathRegistry({
    agent,
    db,
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
        issuerUrl: x509IssuerOf(j).issuerUrl,
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
  app.use(vitalStatisticsRouter({ agent, registry, certifiers, identities, adminApiKeys: options.adminApiKeys, baseUrl }))
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
