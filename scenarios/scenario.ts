import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { CREDENTIAL_FORMATS } from '@interop-lab/common/credentialTypes'
import { MATRIX_PROTOCOLS } from '@interop-lab/common/protocols'
import { haipRequirementSchema, issuanceFaultSchema } from '@interop-lab/contracts'
import { faultSchema } from '@interop-lab/wallet-sim/faults'

const localized = z.object({ en: z.string(), fr: z.string() })
const partyKey = z.string().regex(/^[a-z0-9-]+$/)

const expectation = z.object({
  outcome: z.enum(['accepted', 'rejected']),
  /** The check that must fail when the outcome is a rejection. */
  failedCheck: z.string().optional(),
  /**
   * The profile requirement the refusal must name (a HAIP 1.0 requirement id, contracts/z-haip.ts): the subject of the
   * verifier's failing `profile` trace step, or the requirement the wallet's or issuer's refusal names.
   */
  requirement: haipRequirementSchema.optional(),
})
export type Expectation = z.infer<typeof expectation>

/** What an issuing step (issue, register) may add: a rule the wallet breaks, and a refusal as the expected outcome. */
const issuance = {
  /** The wallet breaks a rule of the issuance on purpose (a HAIP negative: no DPoP proof, say). */
  fault: issuanceFaultSchema.optional(),
  /** A refused issuance as the expected outcome (the step then fails if the wallet stored the credential); by default, issued. */
  expect: expectation.optional(),
}

const issueStep = z.object({
  id: z.string(),
  action: z.literal('issue'),
  issuer: partyKey,
  holder: partyKey,
  credentialType: z.string(),
  claims: z.record(z.string(), z.unknown()),
  /** Issues a credential that expires this many seconds after issuance (wallets refuse already expired ones). */
  validForSeconds: z.number().int().positive().optional(),
  ...issuance,
})
const waitStep = z.object({ id: z.string(), action: z.literal('wait'), seconds: z.number().positive().max(60) })
/** A physician or coroner certifies a death to a registrar (the certificate's `registrar` is filled from the step). */
const certifyStep = z.object({ id: z.string(), action: z.literal('certify'), certifier: partyKey, registrar: partyKey, certificate: z.record(z.string(), z.unknown()) })
/** The registrar registers the last certified death and offers the credential to the holder. */
const registerStep = z.object({
  id: z.string(),
  action: z.literal('register'),
  registrar: partyKey,
  holder: partyKey,
  executor: z.object({ given_name: z.string(), family_name: z.string() }),
  ...issuance,
})
/** The registrar corrects the last registered death: what was issued is revoked. */
const correctStep = z.object({ id: z.string(), action: z.literal('correct'), registrar: partyKey, reason: z.string() })
/** Every listed program has received the notification of `topic` about the current registration. */
const expectNotificationsStep = z.object({
  id: z.string(),
  action: z.literal('expect-notifications'),
  topic: z.string(),
  programs: z.array(partyKey).min(1),
  timeoutSeconds: z.number().positive().max(120).default(15),
})
const presentStep = z.object({
  id: z.string(),
  action: z.literal('present'),
  holder: partyKey,
  verifier: partyKey,
  policy: z.string(),
  fault: faultSchema.optional(),
  /** The request comes from Mallory's verifier, wrong as this case says (scenarios/mallory/cases.ts): the wallet must refuse it. */
  requestCase: z.string().optional(),
  expect: expectation,
})
const jurisdiction = z.string().regex(/^CA(-[A-Z]{2})?$/, 'expected a jurisdiction such as "CA" or "CA-BC"')
/**
 * A change to one jurisdiction's trust registry in the middle of a run, undone when the run ends (scenarios/registryChanges.ts):
 * withdraw one of its recognitions, or point its link to a recognized jurisdiction's registry elsewhere (another
 * registry, `mallory`: a registry signing with its own key, `replay`: a relay replaying the genuine registry's answers).
 */
const registryStep = z.object({
  id: z.string(),
  action: z.literal('registry'),
  registry: jurisdiction,
  change: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('withdraw-recognition'), recognizes: jurisdiction, resource: z.string() }),
    z.object({ kind: z.literal('link'), recognizes: jurisdiction, to: z.union([jurisdiction, z.enum(['mallory', 'replay'])]) }),
  ]),
})
const step = z.discriminatedUnion('action', [issueStep, presentStep, waitStep, certifyStep, registerStep, correctStep, expectNotificationsStep, registryStep])
export type ScenarioStep = z.infer<typeof step>
export type IssueStep = z.infer<typeof issueStep>
export type PresentStep = z.infer<typeof presentStep>
export type CertifyStep = z.infer<typeof certifyStep>
export type RegisterStep = z.infer<typeof registerStep>
export type CorrectStep = z.infer<typeof correctStep>
export type ExpectNotificationsStep = z.infer<typeof expectNotificationsStep>
export type RegistryStep = z.infer<typeof registryStep>

const patch = z.union([z.object({ step: z.string(), set: z.record(z.string(), z.unknown()) }), z.object({ insertBefore: z.string(), step })])

const variant = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  description: localized,
  /** Formats the variant applies to (a fault that needs selective disclosure, say); all when absent. */
  formats: z.array(z.enum(CREDENTIAL_FORMATS)).optional(),
  /** Matrix columns the variant applies to (a HAIP requirement: `haip`); all when absent. */
  protocols: z.array(z.enum(MATRIX_PROTOCOLS)).optional(),
  patch: z.array(patch),
  expect: z.record(z.string(), expectation),
})

const scenarioSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  name: localized,
  description: localized,
  parties: z.record(partyKey, z.object({ role: z.enum(['issuer', 'holder', 'verifier', 'certifier', 'subscriber']), name: localized })),
  steps: z.array(step).min(1),
  variants: z.array(variant),
})
export type Scenario = z.infer<typeof scenarioSchema>
export type Variant = z.infer<typeof variant>

export function loadScenarios(dir = join(import.meta.dirname, 'pilots')): Scenario[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const parsed = scenarioSchema.safeParse(JSON.parse(readFileSync(join(dir, file), 'utf8')))
      if (!parsed.success) throw new Error(`Invalid scenario ${file}: ${parsed.error.message}`)
      return parsed.data
    })
}

/** The steps a variant runs: the scenario's steps with the variant's patches applied and its expectations set. */
export function stepsFor(scenario: Scenario, variant?: Variant): ScenarioStep[] {
  let steps = structuredClone(scenario.steps)
  for (const change of variant?.patch ?? []) {
    if ('insertBefore' in change) {
      const at = steps.findIndex((s) => s.id === change.insertBefore)
      if (at < 0) throw new Error(`Variant ${variant!.id} inserts before unknown step ${change.insertBefore}`)
      steps = [...steps.slice(0, at), change.step, ...steps.slice(at)]
    } else {
      const target = steps.find((s) => s.id === change.step)
      if (!target) throw new Error(`Variant ${variant!.id} patches unknown step ${change.step}`)
      Object.assign(target, change.set)
    }
  }
  // a variant is about the steps it expects something of: it ends with the last of them
  const expected = Object.keys(variant?.expect ?? {})
  if (expected.length) steps = steps.slice(0, Math.max(...expected.map((id) => steps.findIndex((s) => s.id === id))) + 1)
  for (const [stepId, expected] of Object.entries(variant?.expect ?? {})) {
    const target = steps.find((s) => s.id === stepId)
    if (target?.action !== 'present' && target?.action !== 'issue' && target?.action !== 'register') {
      throw new Error(`Variant ${variant!.id} expects an outcome of ${stepId}, which is neither an issuance nor a presentation`)
    }
    target.expect = expected
  }
  return steps.map((s) => step.parse(s))
}
