import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { DomainError } from '@interop-lab/common/errors'

const localized = z.object({ en: z.string(), fr: z.string() })

const rule = z.discriminatedUnion('kind', [
  z.object({ id: z.string(), kind: z.literal('equals'), claim: z.string(), value: z.string(), description: localized }),
  z.object({ id: z.string(), kind: z.literal('oneOf'), claim: z.string(), values: z.array(z.string()).min(1), description: localized }),
  z.object({ id: z.string(), kind: z.literal('same'), claims: z.tuple([z.string(), z.string()]), description: localized }),
  z.object({ id: z.string(), kind: z.literal('present'), claim: z.string(), description: localized }),
])
export type PolicyRule = z.infer<typeof rule>

const policySchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  /** The relying party (a bank, an agency) that asks. */
  verifier: z.string().regex(/^[a-z0-9-]+$/),
  name: localized,
  purpose: localized,
  /** The purpose in the data-minimization catalogue (verifier/purposes.json) that bounds what may be asked. */
  purposeKey: z.string(),
  /** The authority whose recognition of the issuer's jurisdiction this verifier relies on. */
  trustAuthority: z.string(),
  /** How old a registry's signed answer may be (its time_evaluated), for this policy; the verifier's window (300 s) otherwise. */
  trustAnswerMaxAgeSeconds: z.number().int().positive().optional(),
  credentials: z
    .array(
      z.object({
        id: z.string().regex(/^[a-z0-9_-]+$/),
        credentialType: z.string(),
        claims: z.array(z.string()).min(1),
        /** The least PCTF-style assurance the issuer's registry must vouch for (capped by the recognitions on the way). */
        minimumAssurance: z.strictObject({ subject: z.enum(['verified-person', 'verified-organization']), level: z.number().int().min(1).max(4) }).optional(),
        /** Date predicates proven without revealing the date (AnonCreds): `claim p_type (today - yearsBeforeToday)`. */
        predicates: z
          .array(
            z.object({
              id: z.string().regex(/^[a-z0-9_-]+$/),
              claim: z.string(),
              p_type: z.enum(['<=', '<', '>=', '>']),
              yearsBeforeToday: z.number().int().min(0).max(150),
              description: localized,
            }),
          )
          .optional(),
      }),
    )
    .min(1),
  rules: z.array(rule),
})
export type VerificationPolicy = z.infer<typeof policySchema>

/** Why a request could not be made from a policy, by check; the HTTP edge answers it as a problem, its status from the kind. */
export type PolicyErrorCode = 'unknown_policy' | 'unknown_credential_type' | 'unsupported_format'
export class PolicyError extends DomainError<PolicyErrorCode> {}

const purposesSchema = z.object({
  purposes: z.record(z.string(), z.object({ name: localized, necessaryClaims: z.record(z.string(), z.array(z.string())) })),
})
export type Purposes = z.infer<typeof purposesSchema>['purposes']

/** For each purpose, the claims of each credential type it needs: a request for more is over-asking. */
export function loadPurposes(file = join(import.meta.dirname, 'purposes.json')): Purposes {
  return purposesSchema.parse(JSON.parse(readFileSync(file, 'utf8'))).purposes
}

/** The claims a policy requests beyond what its purpose needs, by credential query id. */
export function overAskedClaims(policy: VerificationPolicy, purposes: Purposes): Record<string, string[]> {
  const necessary = purposes[policy.purposeKey]?.necessaryClaims ?? {}
  const excess: Record<string, string[]> = {}
  for (const wanted of policy.credentials) {
    const extra = wanted.claims.filter((claim) => !(necessary[wanted.credentialType] ?? []).includes(claim))
    if (extra.length) excess[wanted.id] = extra
  }
  return excess
}

/** The policy named `id`, or a PolicyError listing the known ones. */
export const policyLookup =
  (policies: Map<string, VerificationPolicy>) =>
  (id: string): VerificationPolicy => {
    const policy = policies.get(id)
    if (!policy) throw new PolicyError('not-found', 'unknown_policy', `No policy '${id}'; known policies: ${[...policies.keys()].join(', ')}`)
    return policy
  }

/** Verification policies are data: which credentials, which claims, which rules (verifier/policies/*.json). */
export function loadPolicies(dir = join(import.meta.dirname, 'policies')): Map<string, VerificationPolicy> {
  const policies = new Map<string, VerificationPolicy>()
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const parsed = policySchema.safeParse(JSON.parse(readFileSync(join(dir, file), 'utf8')))
    if (!parsed.success) throw new Error(`Invalid policy ${file}: ${parsed.error.message}`)
    policies.set(parsed.data.id, parsed.data)
  }
  return policies
}
