import { type Agent } from '@credo-ts/core'
import { randomUUID } from 'node:crypto'
import { Router } from 'express'
import { z } from 'zod'
import { signWithDid } from '../../common/didKeys'
import { handle, HttpError, parseInput, requireApiKey } from '../../common/http'
import type { PartyIdentity } from '../../common/identities'
import { CREDENTIAL_FORMATS } from '../../common/credentialTypes'
import { PROTOCOLS, protocolOf } from '../../common/protocols'
import type { MedicalCertifier } from '../jurisdictions'
import { MEDICAL_CERTIFICATE_JWS_TYPE, medicalCertificateSchema } from './certificate'
import type { DeathRegistry } from './registry'

const certifySchema = z.strictObject({
  certificate: medicalCertificateSchema,
  /** Another jurisdiction's issuer service, when the registrar is not hosted here. */
  registrarUrl: z.url().optional(),
})
const submitSchema = z.strictObject({ certificate: z.string().min(10).max(20_000) })
const registerSchema = z.strictObject({
  executor: z.strictObject({ given_name: z.string().min(1).max(200), family_name: z.string().min(1).max(200) }),
  format: z.enum(CREDENTIAL_FORMATS).default('dc+sd-jwt'),
  /** By default the format's own protocol. */
  protocol: z.enum(PROTOCOLS).optional(),
})
const correctSchema = z.strictObject({ reason: z.string().min(3).max(1000) })

export interface VitalStatisticsRoutesOptions {
  agent: Agent
  registry: DeathRegistry
  certifiers: MedicalCertifier[]
  identities: Map<string, PartyIdentity>
  adminApiKeys: string[]
  baseUrl: string
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
      const { certificate, registrarUrl } = parseInput(certifySchema, req.body)
      const kid = options.identities.get(certifier.key)!.kid
      const jws = await signWithDid(options.agent, kid, { ...certificate, iat: Math.floor(Date.now() / 1000), jti: randomUUID() }, { typ: MEDICAL_CERTIFICATE_JWS_TYPE })
      const response = await fetch(`${registrarUrl ?? options.baseUrl}/registrars/${certificate.registrar}/medical-certificates`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ certificate: jws }),
      })
      const body = (await response.json().catch(() => ({}))) as Record<string, unknown>
      if (!response.ok) throw new HttpError(response.status >= 500 ? 502 : response.status, String(body.error ?? 'registrar_refused'), `The registrar refused the certificate: ${String(body.message ?? response.statusText)}`)
      res.status(201).json(body)
    }),
  )
  router.post(
    '/registrars/:key/medical-certificates',
    handle(async (req, res) => {
      const { certificate } = parseInput(submitSchema, req.body)
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
      const request = parseInput(registerSchema, req.body)
      res.status(201).json(await registry.register(String(req.params.key), String(req.params.id), { ...request, protocol: request.protocol ?? protocolOf(request.format) }))
    }),
  )
  router.post(
    '/registrars/:key/registrations/:id/correction',
    admin,
    handle(async (req, res) => {
      const { reason } = parseInput(correctSchema, req.body)
      res.json(await registry.correct(String(req.params.key), String(req.params.id), reason))
    }),
  )
  return router
}
