import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import express from 'express'
import { z } from 'zod'
import { CREDENTIAL_FORMATS } from '@interop-lab/common/credentialTypes'
import { createApp, finishApp, handle, HttpError, listen, parseInput } from '@interop-lab/common/http'
import { PROTOCOL_FORMATS } from '@interop-lab/common/protocols'
import { DriverError } from '../drivers/types'
import type { HandoffBoard } from '../handoffs'
import { readLatestLoadReport } from '../loadmode/latest'
import { redactReport, type RunReport } from '../report'
import { type Endpoints, runVariant } from '../runner'
import { loadScenarios } from '../scenario'
import { BASELINE, type Catalog, loadCatalog } from './catalog'
import { dashboardGuard, newDashboardToken } from './guard'
import { diffRuns, listPastRuns, readPastReport } from './history'
import { qrSvg } from './qr'
import { createRunBoard, finishedSteps } from './runs'
import { openEventStream } from './sse'
import { relay } from './upstream'

export interface DashboardOptions {
  port?: number
  host?: string
  endpoints: Endpoints
  trustRegistryUrl: string
  /** Where the pilot runner writes latest.json. */
  reportsDir: string
  /** Where people open the dashboard when not on this machine (behind a proxy): its host is accepted and the printed link uses it. */
  publicUrl?: string
  /** The offers and requests a run waits for a person to paste or scan here (targets with `"manual"`). */
  handoffs?: HandoffBoard
}

const format = z.enum(CREDENTIAL_FORMATS)
const runRequestSchema = z.strictObject({ scenarioId: z.string().min(1), variantId: z.string().min(1).default(BASELINE), format })
const qrQuerySchema = z.object({ data: z.string().min(1).max(4096) })
/** Only OID4VCI offers: their pre-authorized code is useless without the transaction code the dashboard shows beside it. */
const offerRequestSchema = z.strictObject({
  issuer: z.string().regex(/^[a-z0-9-]+$/, 'expected an issuer key such as bc-registries'),
  credentialType: z.string().min(1),
  format: z.enum(PROTOCOL_FORMATS.oid4vc, { error: `the dashboard offers only OID4VCI formats (${PROTOCOL_FORMATS.oid4vc.join(', ')}), whose offers need a transaction code` }),
  claims: z.record(z.string(), z.unknown()),
})
const verificationRequestSchema = z.strictObject({ policyId: z.string().min(1), format })
const diffQuerySchema = z.strictObject({ from: z.string().min(1), to: z.string().min(1) })
const serviceId = z.string().regex(/^[A-Za-z0-9-]{1,128}$/, 'expected an id')

/** The council-demo dashboard: runs pilots from the browser and shows each exchange, the trust registry and the latest report. */
export async function startDashboard(options: DashboardOptions) {
  const { endpoints } = options
  const scenarios = loadScenarios()
  const board = createRunBoard(({ scenarioId, variantId, format }, onEvent) => {
    const scenario = scenarios.find((s) => s.id === scenarioId)!
    // a registry variant changes the lab's registries for its run, as in the matrix, and undoes it
    const registry = { url: options.trustRegistryUrl, adminApiKey: endpoints.adminApiKey }
    return runVariant(
      endpoints,
      scenario,
      scenario.variants.find((v) => v.id === variantId),
      format,
      onEvent,
      undefined,
      { registry },
    )
  })
  let catalog: Catalog | undefined
  const token = newDashboardToken()
  const publicUrl = options.publicUrl ? new URL(options.publicUrl) : undefined
  const listenHost = options.host && !['0.0.0.0', '::'].includes(options.host) ? [options.host] : []
  const protection = dashboardGuard({
    token,
    extraHosts: [...listenHost, ...(publicUrl ? [publicUrl.hostname] : [])],
    httpsHost: publicUrl?.protocol === 'https:' ? publicUrl.host : undefined,
  })

  const app = createApp()
  app.use(protection.ownHostOnly)
  app.use((_req, res, next) => {
    // no other site may frame the dashboard and steer clicks on it (clickjacking)
    res.set('content-security-policy', "frame-ancestors 'none'")
    next()
  })
  app.use(express.static(join(import.meta.dirname, 'public'), { index: 'index.html' }))
  app.use('/api', protection.sameOriginJsonWrites)
  app.post('/api/session', protection.signIn)
  app.use('/api', protection.sessionOnly)

  app.get('/api/handoffs', (_req, res) => {
    res.json({ handoffs: options.handoffs?.pending() ?? [] })
  })
  app.post('/api/handoffs/:id', (req, res) => {
    if (!options.handoffs) throw new HttpError(404, 'no_handoffs', 'This run waits for no pasted offer or request')
    try {
      options.handoffs.answer(String(req.params.id), req.body)
    } catch (error) {
      if (error instanceof DriverError) throw new HttpError(error.code === 'bad-answer' ? 422 : 404, error.code, error.message)
      throw error
    }
    res.status(204).end()
  })

  app.get(
    '/api/scenarios',
    handle(async (_req, res) => {
      catalog ??= await loadCatalog(scenarios, endpoints)
      res.json(catalog)
    }),
  )

  app.post('/api/runs', (req, res) => {
    const request = parseInput(runRequestSchema, req.body)
    const scenario = scenarios.find((s) => s.id === request.scenarioId)
    if (!scenario) throw new HttpError(404, 'unknown_scenario', `No scenario '${request.scenarioId}'; known scenarios: ${scenarios.map((s) => s.id).join(', ')}`)
    const variant = scenario.variants.find((v) => v.id === request.variantId)
    if (!variant && request.variantId !== BASELINE) {
      const known = [BASELINE, ...scenario.variants.map((v) => v.id)]
      throw new HttpError(404, 'unknown_variant', `Scenario '${scenario.id}' has no variant '${request.variantId}'; known variants: ${known.join(', ')}`)
    }
    if (variant?.formats && !variant.formats.includes(request.format)) {
      throw new HttpError(422, 'format_not_applicable', `Variant '${variant.id}' applies to ${variant.formats.join(', ')} only, not ${request.format}`)
    }
    const run = board.start(request)
    res.status(202).json({ runId: run.id })
  })

  app.get('/api/runs/:id', (req, res) => {
    const run = board.get(String(req.params.id))
    const { events: _events, ...record } = run
    res.json({ ...record, steps: finishedSteps(run) })
  })

  app.get('/api/runs/:id/events', (req, res) => {
    board.get(String(req.params.id)) // 404 before the stream opens
    const stream = openEventStream(res)
    const unsubscribe = board.watch(String(req.params.id), (event) => {
      if (event.type === 'done') stream.send('done', event.result)
      else if (event.type === 'failed') stream.send('failed', { message: event.message })
      else stream.send(event.type, event)
      if (event.type === 'done' || event.type === 'failed') stream.end()
    })
    res.on('close', unsubscribe)
  })

  app.get(
    '/api/trust-registry',
    handle(async (_req, res) => {
      // the run's registry and, in a federation, every jurisdiction's registry it links to (each holds its own entities)
      type Listing = { entities: unknown[] }
      const home = await relay<Listing>('GET', `${options.trustRegistryUrl}/registry/entities`)
      const { registries = [] } = await relay<{ registries?: { url: string }[] }>('GET', `${options.trustRegistryUrl}/registry/recognitions`)
      const linked = await Promise.allSettled(registries.map((registry) => relay<Listing>('GET', `${registry.url}/registry/entities`)))
      res.json({ ...home, entities: [...home.entities, ...linked.flatMap((listing) => (listing.status === 'fulfilled' ? listing.value.entities : []))] })
    }),
  )

  app.get(
    '/api/report',
    handle(async (_req, res) => {
      const file = join(options.reportsDir, 'latest.json')
      const text = await readFile(file, 'utf8').catch(() => {
        throw new HttpError(404, 'no_report', 'No report yet: run the pilots (npm run pilots) to write one')
      })
      let report: RunReport
      try {
        report = JSON.parse(text) as RunReport
      } catch {
        throw new HttpError(404, 'no_report', 'The latest report is not readable yet (a run may be writing it); try again shortly')
      }
      // a report written by an older version may still hold offer links and disclosed values
      res.json(redactReport(report))
    }),
  )

  app.get(
    '/api/load',
    handle(async (_req, res) => {
      const report = await readLatestLoadReport(options.reportsDir)
      if (!report) throw new HttpError(404, 'no_load_report', 'No load run yet: npm run load -- --targets <file> --role verifier|issuer --rate <R> --duration <S> writes one')
      res.json(report)
    }),
  )

  // past runs, from their signed evidence bundles (reports/evidence/<run id>/), and what changed between two
  const evidenceDir = join(options.reportsDir, 'evidence')
  app.get(
    '/api/history',
    handle(async (_req, res) => {
      res.json({ runs: await listPastRuns(evidenceDir) })
    }),
  )
  app.get(
    '/api/history/diff',
    handle(async (req, res) => {
      const { from, to } = parseInput(diffQuerySchema, req.query)
      res.json(diffRuns({ runId: from, report: await readPastReport(evidenceDir, from) }, { runId: to, report: await readPastReport(evidenceDir, to) }))
    }),
  )
  app.get(
    '/api/history/:runId',
    handle(async (req, res) => {
      res.json(await readPastReport(evidenceDir, String(req.params.runId)))
    }),
  )

  app.get(
    '/api/qr',
    handle(async (req, res) => {
      const { data } = parseInput(qrQuerySchema, req.query)
      res
        .type('image/svg+xml')
        .set('cache-control', 'public, max-age=3600')
        .send(await qrSvg(data))
    }),
  )

  // real-wallet mode: offers and requests a phone wallet scans, instead of the simulated wallet answering
  app.post(
    '/api/offers',
    handle(async (req, res) => {
      const { issuer, ...offer } = parseInput(offerRequestSchema, req.body)
      const created = await relay<{ txCode?: string }>('POST', `${endpoints.issuer}/issuers/${issuer}/offers`, { ...offer, protocol: 'oid4vc', txCode: true }, endpoints.adminApiKey)
      if (!created.txCode) {
        throw new HttpError(
          502,
          'offer_without_tx_code',
          `The issuer at ${endpoints.issuer} made an offer without a transaction code (OID4VCI 1.0 §4.1.1 tx_code); the dashboard hands out only offers protected by one`,
        )
      }
      res.status(201).json(created)
    }),
  )
  app.post(
    '/api/verifications',
    handle(async (req, res) => {
      res.status(201).json(await relay('POST', `${endpoints.verifier}/verifications`, parseInput(verificationRequestSchema, req.body)))
    }),
  )
  app.get(
    '/api/verifications/:id',
    handle(async (req, res) => {
      const id = parseInput(serviceId, req.params.id)
      res.json(await relay('GET', `${endpoints.verifier}/verifications/${id}`))
    }),
  )
  finishApp(app)

  const listening = await listen(app, options.port ?? 0, options.host)
  const base = publicUrl ? publicUrl.origin : listening.url
  return {
    url: listening.url,
    /** The link people open: the token travels in the fragment, never to a server or a log, and the page trades it for a session cookie. */
    loginUrl: `${base}/#token=${token}`,
    app,
    async close() {
      await listening.close()
      await board.settle()
    },
  }
}

export type Dashboard = Awaited<ReturnType<typeof startDashboard>>
