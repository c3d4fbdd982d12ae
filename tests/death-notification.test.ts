import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL_ADMIN_API_KEY } from '@interop-lab/common/config'
import { databaseConfigFor } from '@interop-lab/common/db'
import { runVariant } from '@interop-lab/scenarios/runner'
import { loadScenarios } from '@interop-lab/scenarios/scenario'
import { startVerifierService, type VerifierService } from '@interop-lab/verifier'
import { trustRegistryCheck } from '@interop-lab/verifier/trust'
import { startTestStack } from './support/stack'

const scenario = loadScenarios().find((s) => s.id === 'death-notification')!
const admin = { authorization: `Bearer ${LOCAL_ADMIN_API_KEY}`, 'content-type': 'application/json' }
let stack: Awaited<ReturnType<typeof startTestStack>>

beforeAll(async () => {
  stack = await startTestStack({ notificationRetryBaseMs: 50 })
})
afterAll(async () => {
  await stack?.close()
})

async function json<T>(method: string, url: string, body?: unknown): Promise<T> {
  const response = await fetch(url, { method, headers: admin, body: body === undefined ? undefined : JSON.stringify(body) })
  expect(response.ok, `${method} ${url} answered ${response.status}`).toBe(true)
  return (await response.json()) as T
}

describe.each(['dc+sd-jwt', 'jwt_vc_json'] as const)('death notification in %s', (format) => {
  it('certifies, registers, notifies every program, proves the death, then revokes on correction', async () => {
    const result = await runVariant(stack.endpoints, scenario, undefined, format)
    expect(result.steps.map((s) => [s.stepId, s.passed])).toEqual(scenario.steps.map((s) => [s.id, true]))
    const bank = result.steps.find((s) => s.stepId === 'prove-death-to-bank')!.decision!
    expect(bank.outcome).toBe('accepted')
    expect(bank.trace.find((s) => s.check === 'minimization')?.passed).toBe(true)
    if (format === 'dc+sd-jwt') {
      // the bank sees only what settling an estate needs; the revenue agency also gets the SIN
      expect(bank.disclosed.death.cause_of_death).toBeUndefined()
      expect(bank.disclosed.death.social_insurance_number).toBeUndefined()
      const revenue = result.steps.find((s) => s.stepId === 'prove-death-to-revenue-agency')!.decision!
      expect(revenue.disclosed.death.social_insurance_number).toBe('046-454-286')
    }
    const afterCorrection = result.steps.find((s) => s.stepId === 'bank-rejects-revoked-proof')!.decision!
    expect(afterCorrection.outcome).toBe('rejected')
    expect(afterCorrection.failedChecks).toEqual(['status'])
    expect(afterCorrection.reasons.join(' ')).toMatch(/revoked/)
  })

  it.each([
    ['unauthorized-registrar', 'trust-registry'],
    ['tampered-proof-of-death', 'signature'],
    ['over-asking-verifier', 'minimization'],
    ['revoked-before-use', 'status'],
  ])('rejects the %s variant on the %s check', async (variantId, check) => {
    const result = await runVariant(
      stack.endpoints,
      scenario,
      scenario.variants.find((v) => v.id === variantId),
      format,
    )
    expect(result.passed).toBe(true)
    const decision = result.steps.at(-1)!.decision!
    expect(decision.failedChecks).toContain(check)
    if (variantId === 'over-asking-verifier') {
      expect(decision.disclosed.death.registration_number).toBeDefined()
      expect(decision.disclosed.death.cause_of_death).toBeUndefined()
    }
  })
})

describe('routing to programs', () => {
  const certificate = {
    registrar: 'nl-vital-statistics',
    certifier_role: 'physician',
    jurisdiction: 'CA-NL',
    deceased: { given_name: 'Ada', family_name: 'Pike', birth_date: '1950-05-05' },
    date_of_death: '2026-11-20',
    place_of_death: 'Corner Brook, NL',
    cause_of_death: 'Pneumonia',
  }

  it('keeps a notification for a program that is down and delivers it once when it is back', async () => {
    const { registration } = await json<{ registration: { id: string } }>('POST', `${stack.issuer.url}/certifiers/nl-medical-examiner/certificates`, { certificate })
    const verifierPort = Number(new URL(stack.verifier.url).port)
    await stack.verifier.close()
    let verifier: VerifierService | undefined
    try {
      const registered = await json<{ registration: { registrationNumber: string }; notification: { eventId: string; deliveries: number } }>(
        'POST',
        `${stack.issuer.url}/registrars/nl-vital-statistics/registrations/${registration.id}/registration`,
        { executor: { given_name: 'Tom', family_name: 'Pike' } },
      )
      // federal programs and NL's health plan; Saskatchewan's and Quebec's plans filter NL events out
      expect(registered.notification.deliveries).toBe(4)
      const eventId = registered.notification.eventId
      await expect
        .poll(
          async () => {
            const { deliveries } = await json<{ deliveries: { attempts: number; state: string; log: { error?: string }[] }[] }>(
              'GET',
              `${stack.issuer.url}/notifications/deliveries?event_id=${eventId}`,
            )
            return deliveries.every((d) => d.state === 'pending' && d.attempts >= 2 && /ECONNREFUSED|fetch failed/i.test(d.log.map((l) => l.error).join(' ')))
          },
          { timeout: 10_000 },
        )
        .toBe(true)

      verifier = await startVerifierService({
        port: verifierPort,
        dataDir: stack.dataDir,
        database: databaseConfigFor('verifier', stack.dataDir, {}),
        trust: trustRegistryCheck(stack.trustRegistry.url),
        adminApiKeys: [LOCAL_ADMIN_API_KEY],
        publisherJwksUrl: `${stack.issuer.url}/notifications/jwks.json`,
      })
      await expect
        .poll(
          async () => {
            const { deliveries } = await json<{ deliveries: { state: string }[] }>('GET', `${stack.issuer.url}/notifications/deliveries?event_id=${eventId}`)
            return deliveries.map((d) => d.state)
          },
          { timeout: 15_000 },
        )
        .toEqual(['delivered', 'delivered', 'delivered', 'delivered'])
      for (const program of ['canada-revenue-agency', 'service-canada-benefits', 'passport-program', 'nl-medical-care-plan']) {
        const { notifications } = await json<{ notifications: { eventId: string; data: { registration_number: string } }[] }>('GET', `${verifier.url}/programs/${program}/inbox`)
        expect(notifications.filter((n) => n.eventId === eventId).map((n) => n.data.registration_number)).toEqual([registered.registration.registrationNumber])
      }
      const { notifications: quebec } = await json<{ notifications: { eventId: string }[] }>('GET', `${verifier.url}/programs/ramq/inbox`)
      expect(quebec.some((n) => n.eventId === eventId)).toBe(false)
    } finally {
      // the stack stops whichever verifier runs now
      if (verifier) stack.verifier = verifier
    }
  })

  it('refuses a medical certificate from a certifier the trust registry does not know, or with a forged signature', async () => {
    const submit = (jws: string) => fetch(`${stack.issuer.url}/registrars/nl-vital-statistics/medical-certificates`, { method: 'POST', headers: admin, body: JSON.stringify({ certificate: jws }) })
    expect((await submit('not-a-jws')).status).toBe(400)
    const forged = await import('jose').then(async ({ SignJWT, generateKeyPair, exportJWK }) => {
      const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
      const did = `did:jwk:${Buffer.from(JSON.stringify(await exportJWK(publicKey))).toString('base64url')}`
      return new SignJWT(certificate)
        .setProtectedHeader({ alg: 'EdDSA', typ: 'mccd+jwt', kid: `${did}#0` })
        .setIssuedAt()
        .sign(privateKey)
    })
    const unknownCertifier = await submit(forged)
    expect(unknownCertifier.status).toBe(403)
    expect(((await unknownCertifier.json()) as { message: string }).message).toMatch(/not registered/)
    const [header, payload] = forged.split('.')
    const tampered = await submit(`${header}.${payload}.${'A'.repeat(86)}`)
    expect(tampered.status).toBe(401)
  })
})
