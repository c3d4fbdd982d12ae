import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'

const localized = z.object({ en: z.string().min(1), fr: z.string().min(1) })
const jurisdiction = z.string().regex(/^CA(-[A-Z]{2})?$/)
export const authorizationSchema = z.object({ action: z.string().regex(/^[a-z-]+$/), resource: z.string().regex(/^[A-Za-z0-9*]+$/) })

export const entitySchema = z.object({
  key: z.string().regex(/^[a-z0-9-]+$/),
  name: localized,
  jurisdiction,
  authorizations: z.array(authorizationSchema),
  status: z.enum(['active', 'suspended', 'revoked']).default('active'),
  validFrom: z.iso.datetime({ offset: true }).optional(),
  validUntil: z.iso.datetime({ offset: true }).optional(),
})
export type GovernedEntity = z.infer<typeof entitySchema>

const governanceSchema = z.object({
  authority: z.object({ id: jurisdiction, name: localized }),
  entities: z.array(entitySchema),
  recognitions: z.array(z.object({ authority: jurisdiction, recognizes: jurisdiction, resources: z.array(z.string()).min(1) })),
})
export type Governance = z.infer<typeof governanceSchema>

/** The governance file: who may do what under which authority, and who recognizes whom. */
export function loadGovernance(file = join(import.meta.dirname, 'governance.json')): Governance {
  const parsed = governanceSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')))
  if (!parsed.success) throw new Error(`Invalid governance file ${file}: ${parsed.error.message}`)
  return parsed.data
}
