import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import type { DatabaseConfig } from '../common/db'
import { databaseConfigFor } from '../common/db'
import { createApp, finishApp, handle, HttpError, listen, parseInput } from '../common/http'
import { type Capabilities, fullCapabilities } from '../common/protocols'
import { faultSchema } from './faults'
import { PersonaWallet } from './wallet'

const personaSchema = z.object({ id: z.string().regex(/^[a-z0-9-]+$/), name: z.object({ en: z.string(), fr: z.string() }) })
export type Persona = z.infer<typeof personaSchema>

export function loadPersonas(file = join(import.meta.dirname, 'personas.json')): Persona[] {
  return z.object({ personas: z.array(personaSchema) }).parse(JSON.parse(readFileSync(file, 'utf8'))).personas
}

const offerSchema = z.strictObject({ offerUri: z.string().startsWith('openid-credential-offer://').or(z.url()), txCode: z.string().max(64).optional() })
const presentationSchema = z.strictObject({ requestUri: z.string().min(1).max(32_768), fault: faultSchema.optional() })

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
  /** The trust registry the wallet asks whether a credential's issuer may issue it, before keeping it; none: it keeps it unasked. */
  trustRegistryUrl?: string
}

/** The wallet simulator: one Credo holder agent per persona, driven over HTTP. */
export async function startWalletService(options: WalletServiceOptions) {
  const personas = options.personas ?? loadPersonas()
  const databaseFor = options.databaseFor ?? ((id: string) => databaseConfigFor(`wallet_${id}`, options.dataDir))
  // listening first: each persona's DIDComm endpoint is on this app (every request gets 503 until finishApp below)
  const app = createApp()
  const listening = await listen(app, options.port ?? 0, options.host)
  const baseUrl = options.publicUrl ?? listening.url
  const wallets = new Map<string, PersonaWallet>()
  for (const persona of personas) wallets.set(persona.id, await PersonaWallet.open(persona.id, databaseFor(persona.id), options.dataDir, { app, baseUrl }, options.trustRegistryUrl))

  const walletFor = (id: string) => {
    const wallet = wallets.get(id)
    if (!wallet) throw new HttpError(404, 'unknown_persona', `No persona '${id}'; known personas: ${[...wallets.keys()].join(', ')}`)
    return wallet
  }

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: 'wallet-sim' })
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
      const { offerUri, txCode } = parseInput(offerSchema, req.body)
      const credentials = await wallet.acceptOffer(offerUri, txCode).catch((error: unknown) => {
        throw new HttpError(422, 'offer_failed', `The offer could not be accepted: ${error instanceof Error ? error.message : String(error)}`)
      })
      res.status(201).json({ credentials })
    }),
  )
  app.post(
    '/personas/:id/presentations',
    handle(async (req, res) => {
      const wallet = walletFor(String(req.params.id))
      const { requestUri, fault } = parseInput(presentationSchema, req.body)
      const outcome = await wallet.present(requestUri, fault).catch((error: unknown) => {
        if (error instanceof HttpError) throw error
        throw new HttpError(422, 'request_failed', `The presentation request could not be resolved: ${error instanceof Error ? error.message : String(error)}`)
      })
      res.json(outcome)
    }),
  )
  finishApp(app)

  return {
    url: baseUrl,
    app,
    wallets,
    async close() {
      await listening.close()
      for (const wallet of wallets.values()) await wallet.close()
    },
  }
}

export type WalletService = Awaited<ReturnType<typeof startWalletService>>
