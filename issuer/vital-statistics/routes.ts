import type { Agent } from '@credo-ts/core'
import type { Clock } from '@interop-lab/common/clock'
import { randomUUID } from 'node:crypto'
import { Router } from 'express'
import { certifyRequestSchema, correctionSchema, registerDeathSchema, submitCertificateSchema } from '@interop-lab/contracts'
import { signWithDid } from '@interop-lab/common/didKeys'
import { handle, HttpError, parseInput, requireApiKey } from '@interop-lab/common/http'
import type { PartyIdentity } from '@interop-lab/common/identities'
import { protocolOf } from '@interop-lab/common/protocols'
import type { MedicalCertifier } from '../jurisdictions'
import { MEDICAL_CERTIFICATE_JWS_TYPE } from './certificate'
import type { DeathRegistry } from './registry'

export interface VitalStatisticsRoutesOptions {
  agent: Agent
  registry: DeathRegistry
  certifiers: MedicalCertifier[]
  identities: Map<string, PartyIdentity>
  adminApiKeys: string[]
  baseUrl: string
  /** The time certificates are signed at (their `iat`, which the registrar judges by the same clock). */
  clock: Clock
}

/** Certifiers sign and send medical certificates; registrars register, issue and correct. */
export function vitalStatisticsRouter(options: VitalStatisticsRoutesOptions): Router {
  const { registry } = options
  const router = Router()
  const admin = requireApiKey(options.adminApiKeys)

  router.post(
    '/certifiers/:key/certificates',
    admin,
    handle(async (req, res) => {
      const certifier = options.certifiers.find((c) => c.key === req.params.key)
      if (!certifier) throw new HttpError(404, 'unknown_certifier', `No medical certifier '${req.params.key}' here`)
      const { certificate, registrarUrl } = parseInput(certifyRequestSchema, req.body)
      const kid = options.identities.get(certifier.key)!.kid
      const jws = await signWithDid(options.agent, kid, { ...certificate, iat: Math.floor(options.clock.now().getTime() / 1000), jti: randomUUID() }, { typ: MEDICAL_CERTIFICATE_JWS_TYPE })
      const response = await fetch(`${registrarUrl ?? options.baseUrl}/registrars/${certificate.registrar}/medical-certificates`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ certificate: jws }),
      })
      const body = (await response.json().catch(() => ({}))) as Record<string, unknown>
      // the registrar refuses with an RFC 9457 problem: its `code` and `detail` are passed on
      if (!response.ok)
        throw new HttpError(
          response.status >= 500 ? 502 : response.status,
          String(body.code ?? 'registrar_refused'),
          `The registrar refused the certificate: ${String(body.detail ?? response.statusText)}`,
        )
      res.status(201).json(body)
    }),
  )
  router.post(
    '/registrars/:key/medical-certificates',
    handle(async (req, res) => {
      const { certificate } = parseInput(submitCertificateSchema, req.body)
      res.status(201).json({ registration: await registry.receiveCertificate(String(req.params.key), certificate) })
    }),
  )
  router.get(
    '/registrars/:key/registrations/:id',
    admin,
    handle(async (req, res) => {
      res.json({ registration: await registry.get(String(req.params.key), String(req.params.id)) })
    }),
  )
  router.post(
    '/registrars/:key/registrations/:id/registration',
    admin,
    handle(async (req, res) => {
      const request = parseInput(registerDeathSchema, req.body)
      res.status(201).json(await registry.register(String(req.params.key), String(req.params.id), { ...request, protocol: request.protocol ?? protocolOf(request.format) }))
    }),
  )
  router.post(
    '/registrars/:key/registrations/:id/correction',
    admin,
    handle(async (req, res) => {
      const { reason } = parseInput(correctionSchema, req.body)
      res.json(await registry.correct(String(req.params.key), String(req.params.id), reason))
    }),
  )
  return router
}
