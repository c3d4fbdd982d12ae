import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'

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
  /** The authority whose recognition of the issuer's jurisdiction this verifier relies on. */
  trustAuthority: z.string(),
  credentials: z
    .array(z.object({ id: z.string().regex(/^[a-z0-9_-]+$/), credentialType: z.string(), claims: z.array(z.string()).min(1) }))
    .min(1),
  rules: z.array(rule),
})
export type VerificationPolicy = z.infer<typeof policySchema>

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
