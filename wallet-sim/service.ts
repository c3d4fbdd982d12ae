import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import type { DatabaseConfig } from '@interop-lab/common/db'
import { databaseConfigFor } from '@interop-lab/common/db'
import { type Clock, clockRouter, systemClock } from '@interop-lab/common/clock'
import { createApp, finishApp, handle, listen, parseInput } from '@interop-lab/common/http'
import { type Capabilities, fullCapabilities } from '@interop-lab/common/protocols'
import { acceptOfferSchema, answerRequestSchema, personaSchema, type Persona, walletApi } from '@interop-lab/contracts'
import { serveApiDocs } from '@interop-lab/common/apiDocs'
import { requireSecureServiceUrl } from '@interop-lab/common/net/outboundPolicy'
import { WalletError, walletFailure } from './errors'
import { faultSchema } from './faults'
import { VcApiHolderError, verifiablePresentationRequestSchema } from './vcApiHolder'
import { PersonaWallet } from './wallet'
import { WALLET_CLIENT_ID, WalletProvider } from './walletProvider'

export type { Persona }

export function loadPersonas(file = join(import.meta.dirname, 'personas.json')): Persona[] {
  return z.object({ personas: z.array(personaSchema) }).parse(JSON.parse(readFileSync(file, 'utf8'))).personas
}

export interface WalletServiceOptions {
  port?: number
  host?: string
  dataDir: string
  /** One database per persona; with PostgreSQL each gets its own database name. */
  databaseFor?: (personaId: string) => DatabaseConfig
  /** The personas to host (default: personas.json); a load test adds its own. */
  personas?: Persona[]
  /** What this wallet says it speaks at GET /capabilities (default: every protocol and format). */
  capabilities?: Capabilities
  publicUrl?: string
  /** Plain http beyond loopback for `publicUrl` (and so for the URLs its holders accept): only when asked for (`--allow-insecure-http`). */
  allowInsecureHttp?: boolean
  /** The trust registry the wallet asks whether a credential's issuer may issue it, before keeping it; none: it keeps it unasked. */
  trustRegistryUrl?: string
  /** The trust registry listing the verifier roots a HAIP request's certificate must chain to (default `trustRegistryUrl`; none: HAIP requests are refused). */
  verifierRegistryUrl?: string
  /**
   * Its clock, which a lab run moves with the other parties' (`POST /clock`). The holders' own time checks (on receipt,
   * their proofs' `iat`) are Credo's, on the system clock.
   */
  clock?: Clock
}

/** The wallet simulator: one Credo holder agent per persona, driven over HTTP. */
export async function startWalletService(options: WalletServiceOptions) {
  const personas = options.personas ?? loadPersonas()
  const databaseFor = options.databaseFor ?? ((id: string) => databaseConfigFor(`wallet_${id}`, options.dataDir))
  // its holders' agents accept plain-http URLs when the wallet itself is served over http: loopback, or explicitly allowed
  if (options.publicUrl) requireSecureServiceUrl(options.publicUrl, options.allowInsecureHttp ?? false)
  // listening first: each persona's DIDComm endpoint is on this app (every request gets 503 until finishApp below)
  const app = createApp()
  const listening = await listen(app, options.port ?? 0, options.host)
  const baseUrl = options.publicUrl ?? listening.url
  const wallets = new Map<string, PersonaWallet>()
  for (const persona of personas)
    wallets.set(
      persona.id,
      await PersonaWallet.open(persona.id, databaseFor(persona.id), options.dataDir, { app, baseUrl }, options.trustRegistryUrl, options.verifierRegistryUrl ?? options.trustRegistryUrl),
    )
  // one wallet provider for every persona: it attests their keys for HAIP issuance
  const walletProvider = await WalletProvider.open(databaseFor('wallet-provider'), options.dataDir, `${baseUrl}/wallet-provider`)
  for (const wallet of wallets.values()) wallet.walletProvider = walletProvider

  const walletFor = (id: string) => {
    const wallet = wallets.get(id)
    if (!wallet) throw new WalletError('not-found', 'unknown_persona', `No persona '${id}'; known personas: ${[...wallets.keys()].join(', ')}`)
    return wallet
  }

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: 'wallet-sim' })
  })
  app.get('/wallet-provider', (_req, res) => {
    res.json({ rootCertificate: walletProvider.rootCertificate, clientId: WALLET_CLIENT_ID })
  })
  app.get('/capabilities', (_req, res) => {
    res.json(options.capabilities ?? fullCapabilities())
  })
  app.get('/personas', (_req, res) => {
    res.json({ personas: personas.map((p) => ({ ...p, holderDid: wallets.get(p.id)!.holderDid })) })
  })
  app.get(
    '/personas/:id/credentials',
    handle(async (req, res) => {
      res.json({ credentials: await walletFor(String(req.params.id)).credentials() })
    }),
  )
  app.delete(
    '/personas/:id/credentials',
    handle(async (req, res) => {
      await walletFor(String(req.params.id)).forgetCredentials()
      res.status(204).end()
    }),
  )
  app.post(
    '/personas/:id/offers',
    handle(async (req, res) => {
      const wallet = walletFor(String(req.params.id))
      const { offerUri, txCode, fault } = parseInput(acceptOfferSchema, req.body)
      // the issuer's refusal or an unusable offer is a WalletError (offer_failed); anything else is the wallet's own failure
      const credentials = await wallet.acceptOffer(offerUri, txCode, fault).catch((error: unknown) => {
        throw walletFailure(error, 'accepting an offer')
      })
      res.status(201).json({ credentials })
    }),
  )
  app.post(
    '/personas/:id/presentations',
    handle(async (req, res) => {
      const wallet = walletFor(String(req.params.id))
      const { requestUri, fault } = parseInput(answerRequestSchema, req.body)
      const outcome = await wallet.present(requestUri, fault).catch((error: unknown) => {
        throw walletFailure(error, 'answering a presentation request')
      })
      res.json(outcome)
    }),
  )
  // W3C VC API holder: the DID a VC API issuer binds the credential to, keeping what it signed, and answering a
  // Verifiable Presentation Request with a presentation the holder signs
  const vcApiRefusal = (error: unknown) => {
    throw error instanceof VcApiHolderError ? new WalletError('unprocessable', 'vc_api_refused', error.message) : walletFailure(error, 'using its VC API holder')
  }
  app.get(
    '/personas/:id/vc-api/holder',
    handle(async (req, res) => {
      const { did, verificationMethod } = walletFor(String(req.params.id)).vcApi.holder
      res.json({ did, verificationMethod })
    }),
  )
  app.post(
    '/personas/:id/vc-api/credentials',
    handle(async (req, res) => {
      const { verifiableCredential } = parseInput(z.strictObject({ verifiableCredential: z.record(z.string(), z.unknown()) }), req.body)
      res.status(201).json({ credential: await walletFor(String(req.params.id)).vcApi.keep(verifiableCredential).catch(vcApiRefusal) })
    }),
  )
  app.post(
    '/personas/:id/vc-api/presentations',
    handle(async (req, res) => {
      const { verifiablePresentationRequest, fault } = parseInput(z.strictObject({ verifiablePresentationRequest: verifiablePresentationRequestSchema, fault: faultSchema.optional() }), req.body)
      res.json({ verifiablePresentation: await walletFor(String(req.params.id)).vcApi.present(verifiablePresentationRequest, fault).catch(vcApiRefusal) })
    }),
  )
  // no admin key: the simulator has no authentication at all (it stays on the lab network)
  app.use(clockRouter(options.clock ?? systemClock))
  serveApiDocs(app, walletApi, options.publicUrl)
  finishApp(app)

  return {
    url: baseUrl,
    app,
    wallets,
    /** The wallet provider: its root is what an issuer trusts for this wallet's attestations (listed for `WalletAttestation`). */
    walletProvider,
    async close() {
      await listening.close()
      for (const wallet of wallets.values()) await wallet.close()
      await walletProvider.close()
    },
  }
}

export type WalletService = Awaited<ReturnType<typeof startWalletService>>
