import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { entitySchema, jurisdictionSchema, localizedSchema as localized, recognitionSchema, registryLinkSchema } from '@interop-lab/contracts'

// the governance file speaks the registry's wire vocabulary: its schemas live with the contracts
export {
  type Assurance,
  assuranceSchema,
  type Authorization,
  authorizationSchema,
  entityFields,
  entitySchema,
  type EntityStatus,
  entityStatusSchema,
  type GovernedEntity,
  type GovernedRecognition,
  jurisdictionSchema,
  type RegistryLink,
  recognitionSchema,
  registryLinkSchema,
  validityInOrder,
  validityMessage,
} from '@interop-lab/contracts'

const governanceSchema = z
  .strictObject({
    authority: z.strictObject({ id: jurisdictionSchema, name: localized }),
    entities: z.array(entitySchema),
    recognitions: z.array(recognitionSchema),
    /** Other jurisdictions' registries; a recognized jurisdiction without one has its entries in this registry. */
    registries: z.array(registryLinkSchema).default([]),
  })
  .superRefine((governance, ctx) => {
    const seen = new Set<string>()
    governance.entities.forEach((entity, i) => {
      if (seen.has(entity.key)) ctx.addIssue({ code: 'custom', path: ['entities', i, 'key'], message: `duplicate entity key '${entity.key}'` })
      seen.add(entity.key)
    })
  })
export type Governance = z.infer<typeof governanceSchema>

export const DEFAULT_GOVERNANCE_FILE = join(import.meta.dirname, 'governance.json')
/** Where the governance files of registries authoritative for one jurisdiction each are kept (`<code>.json`). */
export const JURISDICTIONS_DIR = join(import.meta.dirname, 'jurisdictions')

/** The governance file of the registry authoritative for `jurisdiction` alone. */
export function jurisdictionGovernanceFile(jurisdiction: string, dir = JURISDICTIONS_DIR): string {
  const code = jurisdictionSchema.safeParse(jurisdiction)
  if (!code.success) throw new Error(`Unknown jurisdiction '${jurisdiction}': expected a code such as "CA" or "CA-BC"`)
  return join(dir, `${code.data}.json`)
}

/** The governance file: who may do what under which authority, and who recognizes whom. */
export function loadGovernance(file = DEFAULT_GOVERNANCE_FILE): Governance {
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new Error(`Cannot read governance file ${file}: ${error instanceof Error ? error.message : String(error)}`)
  }
  const parsed = governanceSchema.safeParse(raw)
  if (!parsed.success) throw new Error(`Invalid governance file ${file}: ${z.prettifyError(parsed.error)}`)
  return parsed.data
}
