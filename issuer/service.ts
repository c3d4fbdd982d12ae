import { OpenId4VcModule } from '@credo-ts/openid4vc'
import { createAgent } from '../common/agent'
import { loadCredentialTypes } from '../common/credentialTypes'
import type { DatabaseConfig } from '../common/db'
import { createApp, finishApp, handle, HttpError, listen, requireApiKey } from '../common/http'
import { credentialConfigurations } from './credentialConfigurations'
import { createCredentialMapper } from './credentialMapper'
import { ensureIdentity, identityMigrations, type PartyIdentity } from '../common/identities'
import { loadJurisdictionIssuers } from './jurisdictions'
import { createOffer } from './offers'

export interface IssuerServiceOptions {
  port?: number
  host?: string
  dataDir: string
  database: DatabaseConfig
  adminApiKeys: string[]
  jurisdictionsFile?: string
  /** The URL wallets reach this service at, when not the listening address (behind a proxy). */
  publicUrl?: string
}

/** The issuer service: every jurisdiction's OID4VCI issuer in one Credo agent, each with its own DID. */
export async function startIssuerService(options: IssuerServiceOptions) {
  const types = loadCredentialTypes()
  const jurisdictions = loadJurisdictionIssuers(options.jurisdictionsFile)
  const identities = new Map<string, PartyIdentity>()

  const app = createApp()
  const listening = await listen(app, options.port ?? 0, options.host)
  const baseUrl = options.publicUrl ?? listening.url

  const { agent, db, shutdown } = await createAgent({
    database: options.database,
    dataDir: options.dataDir,
    migrations: identityMigrations,
    modules: {
      openid4vc: new OpenId4VcModule({
        app,
        issuer: { baseUrl: `${baseUrl}/oid4vci`, credentialRequestToCredentialMapper: createCredentialMapper({ identities, types }) },
      }),
    },
  })

  for (const jurisdiction of jurisdictions) {
    identities.set(jurisdiction.key, await ensureIdentity(agent, db, jurisdiction.key))
    const credentialConfigurationsSupported = credentialConfigurations(jurisdiction.credentialTypes.map((id) => types.get(id)!))
    const display = [
      { name: jurisdiction.name.en, locale: 'en-CA' },
      { name: jurisdiction.name.fr, locale: 'fr-CA' },
    ]
    const existing = await agent.openid4vc.issuer.getIssuerByIssuerId(jurisdiction.key).catch(() => undefined)
    if (existing) await agent.openid4vc.issuer.updateIssuerMetadata({ issuerId: jurisdiction.key, credentialConfigurationsSupported, display })
    else await agent.openid4vc.issuer.createIssuer({ issuerId: jurisdiction.key, credentialConfigurationsSupported, display })
  }

  const jurisdictionFor = (key: string) => {
    const jurisdiction = jurisdictions.find((j) => j.key === key)
    if (!jurisdiction) throw new HttpError(404, 'unknown_issuer', `No issuer '${key}' here; known issuers: ${jurisdictions.map((j) => j.key).join(', ')}`)
    return jurisdiction
  }
  const admin = requireApiKey(options.adminApiKeys)

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: 'issuer' })
  })
  app.get('/credential-types', (_req, res) => {
    res.json({ credentialTypes: [...types.values()] })
  })
  app.get('/issuers', (_req, res) => {
    res.json({
      issuers: jurisdictions.map((j) => ({
        ...j,
        did: identities.get(j.key)!.did,
        credentialIssuer: `${baseUrl}/oid4vci/${j.key}`,
      })),
    })
  })
  app.post(
    '/issuers/:key/offers',
    admin,
    handle(async (req, res) => {
      res.status(201).json(await createOffer(agent.openid4vc.issuer, jurisdictionFor(String(req.params.key)), types, req.body))
    }),
  )
  app.get(
    '/issuers/:key/offers/:offerId',
    admin,
    handle(async (req, res) => {
      jurisdictionFor(String(req.params.key))
      const session = await agent.openid4vc.issuer.getIssuanceSessionById(String(req.params.offerId)).catch(() => {
        throw new HttpError(404, 'unknown_offer', `No offer ${req.params.offerId}`)
      })
      res.json({ offerId: session.id, state: session.state, errorMessage: session.errorMessage })
    }),
  )
  finishApp(app)

  return {
    url: baseUrl,
    agent,
    db,
    identities,
    jurisdictions,
    async close() {
      await listening.close()
      await shutdown()
    },
  }
}

export type IssuerService = Awaited<ReturnType<typeof startIssuerService>>
