import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'

const programSchema = z.object({
  key: z.string().regex(/^[a-z0-9-]+$/),
  name: z.object({ en: z.string(), fr: z.string() }),
  topics: z.array(z.string()).min(1),
  /** Only events from these jurisdictions (a provincial health plan); all when absent. */
  jurisdictions: z.array(z.string()).optional(),
})
export type Program = z.infer<typeof programSchema>

/** The federal and provincial programs that subscribe to vital-statistics notifications. */
export function loadPrograms(file = join(import.meta.dirname, 'programs.json')): Program[] {
  return z.object({ programs: z.array(programSchema) }).parse(JSON.parse(readFileSync(file, 'utf8'))).programs
}
