import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'

const jurisdictionIssuer = z.object({
  key: z.string().regex(/^[a-z0-9-]+$/),
  name: z.object({ en: z.string(), fr: z.string() }),
  jurisdiction: z.string().regex(/^CA(-[A-Z]{2})?$/),
  credentialTypes: z.array(z.string()).min(1),
})
export type JurisdictionIssuer = z.infer<typeof jurisdictionIssuer>

/** The jurisdictions' issuers this service hosts, from data (issuer/jurisdictions.json by default). */
export function loadJurisdictionIssuers(file = join(import.meta.dirname, 'jurisdictions.json')): JurisdictionIssuer[] {
  return z.object({ issuers: z.array(jurisdictionIssuer) }).parse(JSON.parse(readFileSync(file, 'utf8'))).issuers
}
